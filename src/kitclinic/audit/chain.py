"""The audit trail's hash chain (pure: no Django).

Each audit event's hash covers its content and the hash of the event before it in the same
chain (one chain per organization; events without an organization form their own chain). An
event altered, removed or inserted anywhere breaks the chain at that point, whoever did it and
however (raw SQL, triggers disabled): :func:`verify_chain` names the first broken event. The head
(the last event's id and hash) is exported so that it can be kept outside the database; a chain
rebuilt from scratch by someone with write access no longer contains the exported head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
NO_ORGANIZATION_CHAIN = "none"


def chain_key(organization_id: int | None) -> str:
    return NO_ORGANIZATION_CHAIN if organization_id is None else str(organization_id)


def canonical_time(value: dt.datetime) -> str:
    """UTC, microseconds always shown: one text whatever the database returned."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_digest(content: Mapping[str, Any], previous_hash: str) -> str:
    """SHA-256 over the event's content and the previous event's hash (canonical JSON)."""
    payload = json.dumps(
        {"content": dict(content), "previous_hash": previous_hash},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainedEvent:
    id: int
    content: Mapping[str, Any]
    previous_hash: str
    hash: str


@dataclass(frozen=True)
class ChainReport:
    chain: str
    events: int
    head_id: int | None
    head_hash: str
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.problem


def verify_chain(
    chain: str,
    events: Iterable[ChainedEvent],
    *,
    recorded_head: tuple[int | None, str] | None = None,
) -> ChainReport:
    """Walk ``events`` in id order; the first event whose link or hash does not hold breaks it.

    ``recorded_head`` is (last event id, hash) as kept beside the chain (the database's head row or
    an exported copy): the chain must end there, so a removed last event is found too."""
    previous, count, last_id = GENESIS_HASH, 0, None
    for event in events:
        count += 1
        if event.previous_hash != previous:
            return ChainReport(
                chain, count, last_id, previous, event.id,
                f"event {event.id} does not follow event {last_id} (an event before it was "
                "removed, changed or inserted)" if last_id is not None else
                f"event {event.id} does not start the chain (an earlier event was removed)",
            )  # fmt: skip
        expected = event_digest(event.content, event.previous_hash)
        if event.hash != expected:
            return ChainReport(
                chain, count, last_id, previous, event.id,
                f"event {event.id} was changed after it was written (its hash does not match "
                "its content)",
            )  # fmt: skip
        previous, last_id = event.hash, event.id
    if recorded_head is not None and recorded_head != (last_id, previous):
        head_id, head_hash = recorded_head
        return ChainReport(
            chain, count, last_id, previous, head_id if head_id is not None else last_id,
            f"the chain ends at event {last_id} but its recorded head is event {head_id} "
            f"({head_hash[:12]}…): events at the end were removed or added",
        )  # fmt: skip
    return ChainReport(chain, count, last_id, previous)


def contains_head(events: Iterable[ChainedEvent], head_id: int, head_hash: str) -> bool:
    """An exported head is still in the chain (the same event id with the same hash)."""
    return any(e.id == head_id and e.hash == head_hash for e in events)
