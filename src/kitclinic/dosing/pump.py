"""What an infusion pump delivered, replayed from its events (pure: no Django).

One function, :func:`replay`, answers every question about the amount given in a session: the
volume and dose delivered up to a time, how long the pump ran, and the piecewise-constant rate
schedule (for the pharmacokinetic curve). The session chart, the waste at an early stop, the
rate-change check, the sign-off summary and the reports all use it.

How the pump runs:

- ``start`` and ``resume`` run the pump at the event's rate (or the last rate set);
- ``rate_change`` while running changes the rate from that moment; while stopped or paused it
  only sets the rate the next ``resume`` uses;
- ``pause`` and ``stop`` stop it; any other kind (threshold alerts, waste) is ignored;
- with ``vtbi_ml`` (the volume to be infused), the pump stops by itself once that volume is in, as
  a programmed pump does: nothing is ever delivered beyond it.

Units: times are timezone-aware datetimes; volumes in mL; rates in mL/h; the concentration in
mg/mL; durations in minutes. Amounts are Decimal; delivered volume and dose are rounded once, at
the end, to 0.001 mL and 0.001 mg (the controlled-substance step).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

__all__ = [
    "Delivery",
    "PumpEvent",
    "RateSegment",
    "is_complete",
    "replay",
]

START, PAUSE, RESUME, RATE_CHANGE, STOP = "start", "pause", "resume", "rate_change", "stop"
PUMP_KINDS = frozenset({START, PAUSE, RESUME, RATE_CHANGE, STOP})
ML_STEP = Decimal("0.001")
MG_STEP = Decimal("0.001")
_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


@dataclass(frozen=True)
class PumpEvent:
    """One pump event: ``kind`` (start, pause, resume, rate_change, stop; others are ignored) at
    ``at``; ``rate_ml_per_h`` on a start, resume or rate change."""

    at: dt.datetime
    kind: str
    rate_ml_per_h: Decimal | None = None


@dataclass(frozen=True)
class RateSegment:
    """The pump running at ``rate_ml_per_h`` from ``start`` to ``end`` (``volume_ml`` given);
    ``start_min``/``end_min`` are minutes from the first start."""

    start: dt.datetime
    end: dt.datetime
    rate_ml_per_h: Decimal
    volume_ml: Decimal
    start_min: float
    end_min: float

    @property
    def minutes(self) -> float:
        return self.end_min - self.start_min


@dataclass(frozen=True)
class Delivery:
    """The replay's answer (see :func:`replay`)."""

    delivered_ml: Decimal
    delivered_mg: Decimal
    running_min: Decimal  # minutes the pump ran (pauses and the time after the VTBI excluded)
    segments: tuple[RateSegment, ...]
    started_at: dt.datetime | None
    running: bool  # still running at the end of the replay
    rate_ml_per_h: Decimal | None  # the rate last set (None before a start)
    vtbi_reached: bool

    @property
    def ended_at(self) -> dt.datetime | None:
        """When the pump last stopped delivering (end of the last running segment)."""
        return self.segments[-1].end if self.segments else None

    def share_of(self, ordered_ml: Decimal) -> Decimal:
        """Delivered volume as a share of ``ordered_ml`` (0 when nothing was ordered)."""
        if ordered_ml <= 0:
            return Decimal(0)
        return self.delivered_ml / ordered_ml


def _hours(since: dt.datetime, until: dt.datetime) -> Decimal:
    micro = (until - since) // dt.timedelta(microseconds=1)
    return Decimal(max(micro, 0)) / _MICROSECONDS_PER_HOUR


def _minutes(origin: dt.datetime, when: dt.datetime) -> float:
    return (when - origin).total_seconds() / 60


def replay(
    events: Iterable[PumpEvent],
    *,
    concentration_mg_per_ml: Decimal,
    until: dt.datetime | None = None,
    vtbi_ml: Decimal | None = None,
) -> Delivery:
    """Replay ``events`` (in the order given for equal times) up to ``until``.

    ``until=None`` replays every event and, if the pump is still running after the last one,
    lets it run at its rate until ``vtbi_ml`` is in (the projected rest of an infusion; needs
    ``vtbi_ml``). Events after ``until`` are ignored.
    """
    if until is None and vtbi_ml is None:
        raise ValueError("replay without `until` needs `vtbi_ml` (when would the pump stop?)")
    ordered = sorted((e for e in events if e.kind in PUMP_KINDS), key=lambda e: e.at)
    delivered = Decimal(0)
    segments: list[RateSegment] = []
    origin: dt.datetime | None = None
    running_since: dt.datetime | None = None
    rate: Decimal | None = None
    vtbi_reached = False

    def run_to(end: dt.datetime | None) -> None:
        """Close the running segment at ``end`` (None: when the VTBI is in)."""
        nonlocal delivered, running_since, vtbi_reached
        assert running_since is not None and rate is not None and origin is not None
        since = running_since
        running_since = None
        if rate <= 0 or (end is not None and end <= since):
            return
        left = None if vtbi_ml is None else vtbi_ml - delivered
        if left is not None and left <= 0:
            vtbi_reached = True
            return
        volume = None if end is None else rate * _hours(since, end)
        if left is not None and (volume is None or volume >= left):
            volume = left
            micro = int(left / rate * _MICROSECONDS_PER_HOUR)
            end = since + dt.timedelta(microseconds=micro)
            vtbi_reached = True
        assert volume is not None and end is not None
        delivered += volume
        segments.append(
            RateSegment(
                start=since,
                end=end,
                rate_ml_per_h=rate,
                volume_ml=volume,
                start_min=_minutes(origin, since),
                end_min=_minutes(origin, end),
            )
        )

    for event in ordered:
        if until is not None and event.at > until:
            break
        was_running = running_since is not None
        if was_running:
            run_to(event.at)
        if event.kind == START and origin is None:
            origin = event.at
        if event.kind in (START, RESUME):
            rate = event.rate_ml_per_h if event.rate_ml_per_h is not None else rate
            running_since = event.at if origin is not None and rate is not None else None
        elif event.kind == RATE_CHANGE:
            rate = event.rate_ml_per_h if event.rate_ml_per_h is not None else rate
            running_since = event.at if was_running else None
    still_running = running_since is not None
    if still_running:
        run_to(until)
        # still running at `until` unless the VTBI went in before it
        still_running = until is not None and not vtbi_reached
    running_micro = sum((s.end - s.start) // dt.timedelta(microseconds=1) for s in segments)
    running_min = Decimal(running_micro) / Decimal(60_000_000)
    delivered_ml = delivered.quantize(ML_STEP, rounding=ROUND_HALF_EVEN)
    return Delivery(
        delivered_ml=delivered_ml,
        delivered_mg=(delivered * concentration_mg_per_ml).quantize(
            MG_STEP, rounding=ROUND_HALF_EVEN
        ),
        running_min=running_min,
        segments=tuple(segments),
        started_at=origin,
        running=still_running,
        rate_ml_per_h=rate,
        vtbi_reached=vtbi_reached,
    )


def is_complete(
    delivered_ml: Decimal, ordered_ml: Decimal, *, min_share: Decimal, tolerance_ml: Decimal
) -> bool:
    """Whether ``delivered_ml`` counts as the whole ``ordered_ml``: at least ``min_share`` of it,
    or short of it by at most ``tolerance_ml`` (both settings; see docs/infusions.md)."""
    if ordered_ml <= 0:
        return True
    return delivered_ml >= ordered_ml * min_share or ordered_ml - delivered_ml <= tolerance_ml
