"""When a Good Faith Estimate is due, and what a planned course is expected to cost.

45 CFR 149.610(b)(1)(vi) ([nsa-gfe]): for an uninsured or self-pay patient, an item or service
scheduled at least 3 business days ahead needs the estimate within 1 business day of scheduling;
scheduled at least 10 business days ahead, within 3 business days of scheduling; an estimate
asked for (or a question about cost), within 3 business days of the request. Scheduled less than 3
business days ahead, the rule sets no deadline (the estimate may still be given).

Business days here are Monday to Friday; public holidays are not known to this function, so a
deadline falling after a holiday is one business day early, never late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .codes import BillingCodeError, CodeUnits, esketamine_code, infusion_codes

MAX_PLANNED_SESSIONS = 52  # a course estimate covers up to 12 months of recurring care


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5


def add_business_days(day: dt.date, count: int) -> dt.date:
    """The ``count``-th business day after ``day``."""
    current = day
    added = 0
    while added < count:
        current += dt.timedelta(days=1)
        if is_business_day(current):
            added += 1
    return current


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    days = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_business_day(current):
            days += 1
    return days


@dataclass(frozen=True)
class EstimateDeadline:
    due_by: dt.date | None  # None: the rule sets no deadline (scheduled < 3 business days ahead)
    rule: str  # which timing rule of 149.610(b)(1)(vi) applies, in words


def estimate_due(
    *, scheduled_on: dt.date, first_service_on: dt.date, requested: bool
) -> EstimateDeadline:
    """The last day to give the estimate ([nsa-gfe], 149.610(b)(1)(vi))."""
    if first_service_on < scheduled_on:
        raise BillingCodeError(
            "first_service_on", "the first service date cannot be before the date of scheduling"
        )
    ahead = business_days_between(scheduled_on, first_service_on)
    if requested:
        return EstimateDeadline(
            add_business_days(scheduled_on, 3), "requested: within 3 business days of the request"
        )
    if ahead >= 10:
        return EstimateDeadline(
            add_business_days(scheduled_on, 3),
            "scheduled at least 10 business days ahead: within 3 business days of scheduling",
        )
    if ahead >= 3:
        return EstimateDeadline(
            add_business_days(scheduled_on, 1),
            "scheduled at least 3 business days ahead: within 1 business day of scheduling",
        )
    return EstimateDeadline(None, "scheduled less than 3 business days ahead: no deadline set")


def planned_codes(
    *, kind: str, sessions: int, minutes: int | None = None, dose_mg: int | None = None
) -> tuple[CodeUnits, ...]:
    """The codes of ``sessions`` planned sessions of one kind, units added up over the sessions:
    ``iv_ketamine`` with ``minutes`` per infusion, ``esketamine_nasal`` with ``dose_mg``."""
    if (
        isinstance(sessions, bool)
        or not isinstance(sessions, int)
        or not (1 <= sessions <= MAX_PLANNED_SESSIONS)
    ):
        raise BillingCodeError(
            "sessions", f"a whole number from 1 to {MAX_PLANNED_SESSIONS} is required"
        )
    if kind == "iv_ketamine":
        if minutes is None:
            raise BillingCodeError("minutes", "the planned minutes of each infusion are required")
        per = infusion_codes(minutes)
    elif kind == "esketamine_nasal":
        if dose_mg is None:
            raise BillingCodeError("dose_mg", "the planned dose (56 or 84 mg) is required")
        per = (CodeUnits(esketamine_code(dose_mg), 1),)
    else:
        raise BillingCodeError("kind", "iv_ketamine or esketamine_nasal")
    return tuple(CodeUnits(c.code, c.units * sessions) for c in per)
