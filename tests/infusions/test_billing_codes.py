"""A session's billable codes come from the minutes the pump ran ([cpt-infusion]), not from the
wall clock or the order: a pause is not billed, and only signed sessions are billed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kitclinic.billing_codes import CodeUnits
from kitclinic.infusions.selectors.billing import session_billable_codes, signed_sessions_billed
from kitclinic.infusions.services.infusion import pump, stop
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.signoff import session_sign
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import ALDRETE_READY, advance, clock_at

pytestmark = pytest.mark.django_db


def _minutes(start: dt.datetime, minutes: float) -> dt.datetime:
    return start + dt.timedelta(minutes=minutes)


def _run(world, session, *, pause_at=None, resume_at=None, stop_at=40.0):  # type: ignore[no-untyped-def]
    """Start 300 minutes ago, optionally pause and resume, stop, discharge and sign."""
    nurse, physician = world.actor("nurse"), world.actor("physician")
    advance(world, session, SessionState.VERIFIED)
    start = timezone.now() - dt.timedelta(minutes=300)
    with clock_at(start):
        pump.infusion_start(actor=nurse, session=session)
    if pause_at is not None:
        with clock_at(_minutes(start, pause_at)):
            pump.infusion_pause(actor=nurse, session=session, reason="patient asked")
        with clock_at(_minutes(start, resume_at)):
            pump.infusion_resume(actor=nurse, session=session)
    with clock_at(_minutes(start, stop_at)):
        stop.infusion_stop(actor=nurse, session=session)
    with clock_at(_minutes(start, stop_at + 40)):
        session_discharge(
            actor=nurse,
            session=session,
            aldrete_answers=ALDRETE_READY,
            escort_present=True,
            instructions_given=True,
        )
    with clock_at(_minutes(start, stop_at + 45)):
        session_sign(actor=physician, session=session)
    session.refresh_from_db()
    return session, start


def test_a_signed_40_minute_infusion_is_96365_once(world, session):
    signed = advance(world, session, SessionState.SIGNED)
    billed = session_billable_codes(signed)
    assert billed.running_min == 40
    assert billed.codes == (CodeUnits("96365", 1),)


def test_a_pause_is_not_billed(world, session):
    """Started, paused 20 min in for 60 minutes, stopped when the VTBI was in: 100 minutes on
    the wall clock (which would be 96365 + 96366), 40 minutes of infusion: 96365 only."""
    signed, start = _run(world, session, pause_at=20, resume_at=80, stop_at=100)
    assert signed.ended_at - signed.started_at == dt.timedelta(minutes=100)
    billed = session_billable_codes(signed)
    assert billed.running_min == 40
    assert billed.codes == (CodeUnits("96365", 1),)


def test_the_time_after_the_vtbi_was_in_is_not_billed(world, session):
    """Stopped 70 minutes after a start whose VTBI ran in at 40: 40 minutes billed."""
    signed, _start = _run(world, session, stop_at=70)
    assert session_billable_codes(signed).running_min == 40


@pytest.mark.parametrize("state", [SessionState.RECOVERING, SessionState.DISCHARGED])
def test_an_unsigned_session_is_not_billed(world, session, state):
    unsigned = advance(world, session, state)
    with pytest.raises(ValidationError) as caught:
        session_billable_codes(unsigned)
    assert "session" in caught.value.message_dict


def test_the_period_read_lists_only_signed_sessions_of_the_patient(world, session, course, chair):
    from tests.infusions.helpers import book, slot_time

    signed = advance(world, session, SessionState.SIGNED)
    other = book(world, course, chair, slot_time(days=1))
    advance(world, other, SessionState.DISCHARGED, elapsed_min=200)
    now = timezone.now()
    rows = signed_sessions_billed(
        clinic_id=world.clinic.pk,
        patient_id=signed.patient_id,
        start=now - dt.timedelta(days=2),
        end=now + dt.timedelta(days=1),
    )
    assert [r.session.pk for r in rows] == [signed.pk]
    assert rows[0].codes == (CodeUnits("96365", 1),)
