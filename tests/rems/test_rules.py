"""The pure hard-stop rule and the form's deadline (kitclinic.rems.rules)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kitclinic.rems.rules import FORM_WINDOW_DAYS, Period, form_due_on, form_status, gate_reasons

DAY = dt.date(2026, 3, 10)
OPEN = Period(dt.date(2025, 1, 1))


def test_everything_in_place_gives_no_reason():
    assert gate_reasons(DAY, certification=OPEN, prescriber=OPEN, patient=OPEN) == []


def test_each_missing_piece_is_named():
    reasons = gate_reasons(
        DAY,
        certification=None,
        prescriber=None,
        patient=None,
        prescriber_name="Dr Lee",
        patient_name="Sam Rivera",
    )
    assert len(reasons) == 3
    assert "no REMS certification" in reasons[0]
    assert reasons[1].startswith("Dr Lee is not enrolled as a REMS prescriber")
    assert reasons[2].startswith("Sam Rivera is not enrolled in the REMS on 2026-03-10")


def test_an_expired_certification_names_its_last_day():
    expired = Period(dt.date(2024, 1, 1), dt.date(2026, 3, 9))
    (reason,) = gate_reasons(DAY, certification=expired, prescriber=OPEN, patient=OPEN)
    assert "expired on 2026-03-09" in reason


def test_the_expiry_day_itself_is_still_valid():
    last_day = Period(dt.date(2024, 1, 1), DAY)
    assert gate_reasons(DAY, certification=last_day, prescriber=OPEN, patient=OPEN) == []


def test_a_certification_not_yet_started_refuses():
    later = Period(dt.date(2026, 4, 1))
    (reason,) = gate_reasons(DAY, certification=later, prescriber=OPEN, patient=OPEN)
    assert "starts on 2026-04-01" in reason


def test_an_enrolment_ended_on_the_day_no_longer_holds():
    ended = Period(dt.date(2025, 1, 1), DAY, end_is_last_day=False)
    (reason,) = gate_reasons(DAY, certification=OPEN, prescriber=OPEN, patient=ended)
    assert "not enrolled in the REMS" in reason
    day_before = DAY - dt.timedelta(days=1)
    assert gate_reasons(day_before, certification=OPEN, prescriber=OPEN, patient=ended) == []


def test_the_form_is_due_seven_calendar_days_after_the_session():
    """[spravato-rems-pmf]: within 7 days; a Friday session's form is due the next Friday."""
    assert FORM_WINDOW_DAYS == 7
    friday = dt.date(2026, 3, 13)
    assert form_due_on(friday) == dt.date(2026, 3, 20)


def test_form_states():
    due = dt.date(2026, 3, 20)
    state = lambda today, submitted=None: form_status(  # noqa: E731
        due_on=due, submitted_on=submitted, today=today, due_soon_days=2
    )
    assert state(dt.date(2026, 3, 14)) == "open"
    assert state(dt.date(2026, 3, 18)) == "due_soon"
    assert state(due) == "due_soon"
    assert state(dt.date(2026, 3, 21)) == "overdue"
    assert state(dt.date(2026, 3, 25), dt.date(2026, 3, 22)) == "submitted"


@given(
    start=st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)),
    length=st.integers(0, 400),
    day=st.dates(dt.date(2019, 1, 1), dt.date(2031, 1, 1)),
)
def test_a_reason_is_given_exactly_when_the_patient_is_not_covered(start, length, day):
    patient = Period(start, start + dt.timedelta(days=length), end_is_last_day=False)
    always = Period(dt.date(2000, 1, 1))
    reasons = gate_reasons(day, certification=always, prescriber=always, patient=patient)
    assert bool(reasons) == (not start <= day < start + dt.timedelta(days=length))
