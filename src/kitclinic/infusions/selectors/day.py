"""The clinic day: each chair's booked appointments and each session's next step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.infusions.models import Appointment, Chair, InfusionSession, OpeningHours
from kitclinic.infusions.models.courses import AppointmentStatus
from kitclinic.infusions.selectors.library import opening_hours
from kitclinic.infusions.states import STEP_WORDS, SessionState, Step, next_step_of


@dataclass(frozen=True)
class DayEntry:
    appointment: Appointment
    session: InfusionSession
    next_step: str


@dataclass(frozen=True)
class ChairDay:
    chair: Chair
    entries: list[DayEntry]


def next_step_text(session: InfusionSession, kind: str | None = None) -> str:
    step = next_step_of(SessionState(session.state), kind)
    if step is None:
        return ""
    if step is Step.VITALS:
        return "record vitals, stop when done"
    return STEP_WORDS[step]


def clinic_day(actor: Actor, day: dt.date) -> list[ChairDay]:
    """The acting clinic's chairs and that day's booked appointments (3 queries)."""
    actor.require(Action.PATIENT_VIEW)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    chairs = list(Chair.objects.filter(clinic_id=actor.membership.clinic_id, is_active=True))
    appointments = (
        Appointment.objects.filter(
            clinic_id=actor.membership.clinic_id,
            status=AppointmentStatus.BOOKED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("patient", "session", "course")
        .order_by("starts_at")
    )
    by_chair: dict[int, list[DayEntry]] = {c.pk: [] for c in chairs}
    for a in appointments:
        if a.chair_id in by_chair:
            by_chair[a.chair_id].append(
                DayEntry(
                    appointment=a,
                    session=a.session,
                    next_step=next_step_text(a.session, a.course.kind),
                )
            )
    return [ChairDay(chair=c, entries=by_chair[c.pk]) for c in chairs]


@dataclass(frozen=True)
class DayHours:
    """The clinic's hours on one day: ``hours`` None when it is closed that weekday; ``known``
    False when the clinic has set no hours at all (nothing to show)."""

    known: bool
    hours: OpeningHours | None


def day_hours(clinic_id: int, day: dt.date) -> DayHours:
    rows = {h.weekday: h for h in opening_hours(clinic_id)}
    return DayHours(known=bool(rows), hours=rows.get(day.weekday()))


def week_hours_text(clinic_id: int) -> str:
    """The clinic's opening hours over the week in words, consecutive days with the same hours
    together ("Monday–Friday 08:00–18:00; Saturday 09:00–13:00; closed Sunday"); "" when the
    clinic has set none (bookings are then not limited to hours)."""
    rows = {h.weekday: h for h in opening_hours(clinic_id)}
    if not rows:
        return ""
    names = OpeningHours.WEEKDAYS

    def hours_of(day: int) -> str | None:
        row = rows.get(day)
        return f"{row.opens_at:%H:%M}–{row.closes_at:%H:%M}" if row else None

    runs: list[tuple[int, int, str | None]] = []
    for day in range(7):
        hours = hours_of(day)
        if runs and runs[-1][2] == hours:
            runs[-1] = (runs[-1][0], day, hours)
        else:
            runs.append((day, day, hours))
    parts = []
    for first, last, hours in runs:
        days = names[first] if first == last else f"{names[first]}–{names[last]}"
        parts.append(f"{days} {hours}" if hours else f"closed {days}")
    return "; ".join(parts)
