"""The esketamine REMS hard stop, pure: the facts in, the reasons for refusing in plain words out.

Esketamine nasal spray is given only in a healthcare setting certified in the REMS, to patients
enrolled in it ([spravato-rems-setting], docs/sources.md); the clinic also keeps the prescribers it
has enrolled for esketamine and requires one ([kitclinic-settings], docs/rems.md). An empty
list means the treatment may go ahead. There is no override: the caller refuses whenever a reason
is given. No Django, no database: ``kitclinic.rems.services.rems_gate`` gathers the facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# The REMS asks for the Patient Monitoring Form within 7 days of every treatment session
# ([spravato-rems-pmf]).
FORM_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Period:
    """What a record covers: from ``start`` (inclusive) until ``end``. For a certification ``end``
    is its expiry date, the last day it is valid; for an enrolment it is the day it ended, the
    first day it no longer holds. ``None``: open-ended."""

    start: dt.date
    end: dt.date | None = None
    end_is_last_day: bool = True

    def covers(self, day: dt.date) -> bool:
        if day < self.start:
            return False
        if self.end is None:
            return True
        return day <= self.end if self.end_is_last_day else day < self.end


def _day(day: dt.date) -> str:
    return day.isoformat()


def gate_reasons(
    on_date: dt.date,
    *,
    certification: Period | None,
    prescriber: Period | None,
    patient: Period | None,
    prescriber_name: str = "The prescriber",
    patient_name: str = "The patient",
) -> list[str]:
    """Why esketamine may not be given on ``on_date``: the setting's certification (the latest
    recorded), the prescriber's and the patient's enrolment (the one covering the day, if any).
    Each reason names what is missing and how to put it right."""
    reasons: list[str] = []
    if certification is None:
        reasons.append(
            "This clinic has no REMS certification on record. Esketamine is given only in a "
            "certified setting: the clinic admin records the certification first."
        )
    elif on_date < certification.start:
        reasons.append(
            f"This clinic's REMS certification starts on {_day(certification.start)}, after "
            f"{_day(on_date)}."
        )
    elif not certification.covers(on_date):
        assert certification.end is not None  # noqa: S101  # covers() is False only past an end
        reasons.append(
            f"This clinic's REMS certification expired on {_day(certification.end)}. Record the "
            "renewed certification before esketamine is given."
        )
    if prescriber is None or not prescriber.covers(on_date):
        reasons.append(
            f"{prescriber_name} is not enrolled as a REMS prescriber at this clinic on "
            f"{_day(on_date)}: a physician records the enrolment first."
        )
    if patient is None or not patient.covers(on_date):
        reasons.append(
            f"{patient_name} is not enrolled in the REMS on {_day(on_date)}: a physician records "
            "the patient's enrolment first."
        )
    return reasons


def form_due_on(session_date: dt.date, window_days: int = FORM_WINDOW_DAYS) -> dt.date:
    """The last day the Patient Monitoring Form of a session on ``session_date`` may be
    submitted: the session's date plus the REMS window, in calendar days."""
    return session_date + dt.timedelta(days=window_days)


def form_status(
    *, due_on: dt.date, submitted_on: dt.date | None, today: dt.date, due_soon_days: int
) -> str:
    """``submitted``, ``overdue`` (past its last day), ``due_soon`` (within ``due_soon_days`` of
    it) or ``open``."""
    if submitted_on is not None:
        return "submitted"
    if today > due_on:
        return "overdue"
    if (due_on - today).days <= due_soon_days:
        return "due_soon"
    return "open"
