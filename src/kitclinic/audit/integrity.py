"""Checking the audit trail's hash chain against the database (the Django side of
``kitclinic.audit.chain``): ``kitclinic audit verify`` and ``kitclinic audit head``."""

from __future__ import annotations

from collections.abc import Iterator

from kitclinic.audit.chain import (
    NO_ORGANIZATION_CHAIN,
    ChainedEvent,
    ChainReport,
    chain_key,
    verify_chain,
)
from kitclinic.audit.models import AuditChainHead, AuditEvent
from kitclinic.audit.services import event_content


def chain_events(chain: str) -> Iterator[ChainedEvent]:
    events = AuditEvent.objects.order_by("id")
    if chain == NO_ORGANIZATION_CHAIN:
        events = events.filter(organization__isnull=True)
    else:
        events = events.filter(organization_id=int(chain))
    for event in events.iterator(chunk_size=2000):
        yield ChainedEvent(event.pk, event_content(event), event.previous_hash, event.hash)


def chains(organization_id: int | None = None) -> list[str]:
    """Every chain in the database (or the organization's), including chains whose events are
    gone but whose head remains."""
    if organization_id is not None:
        return [chain_key(organization_id)]
    keys = {
        chain_key(o)
        for o in AuditEvent.objects.values_list("organization_id", flat=True).distinct()
    }
    keys |= set(AuditChainHead.objects.values_list("chain", flat=True))
    return sorted(keys)


def verify(organization_id: int | None = None) -> list[ChainReport]:
    reports = []
    for key in chains(organization_id):
        head = AuditChainHead.objects.filter(chain=key).first()
        recorded = (head.last_event_id, head.last_hash) if head is not None else None
        reports.append(verify_chain(key, chain_events(key), recorded_head=recorded))
    return reports


def heads(organization_id: int | None = None) -> list[AuditChainHead]:
    rows = AuditChainHead.objects.order_by("chain")
    if organization_id is not None:
        rows = rows.filter(chain=chain_key(organization_id))
    return list(rows)
