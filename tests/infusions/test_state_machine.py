"""The session state machine: every state × every step, in the table and through the services."""

from __future__ import annotations

import pytest

from kitclinic.infusions.services import corrections, orders, scheduling
from kitclinic.infusions.services.infusion import observations, pump, stop
from kitclinic.infusions.services.sessions.check_in import session_check_in
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.signoff import addendum_write, session_sign
from kitclinic.infusions.states import (
    COURSE_TRANSITIONS,
    NASAL_ONLY_STEPS,
    CourseStatus,
    SessionState,
    Step,
    StepOutOfOrder,
    allowed,
    next_state,
)
from tests.infusions.helpers import ALDRETE_READY, NORMAL, ORDER, advance, check_in_data
from tests.support.rows import row_counts

S = SessionState
# Written out independently of TRANSITIONS: (step, state) -> next state ("same": stays).
EXPECTED = {
    (Step.CHECK_IN, S.SCHEDULED): S.CHECKED_IN,
    (Step.CORRECT_CHECK_IN, S.CHECKED_IN): "same",
    (Step.CANCEL, S.SCHEDULED): S.CANCELLED,
    (Step.CANCEL, S.CHECKED_IN): S.CANCELLED,
    (Step.NO_SHOW, S.SCHEDULED): S.NO_SHOW,
    (Step.SEND_BACK, S.ORDERED): S.CHECKED_IN,
    (Step.WITHDRAW, S.ORDERED): S.CHECKED_IN,
    (Step.WITHDRAW, S.VERIFIED): S.CHECKED_IN,
    (Step.ORDER, S.CHECKED_IN): S.ORDERED,
    (Step.DOUBLE_CHECK, S.ORDERED): S.VERIFIED,
    (Step.START, S.VERIFIED): S.RUNNING,
    (Step.PAUSE, S.RUNNING): S.PAUSED,
    (Step.RESUME, S.PAUSED): S.RUNNING,
    (Step.RATE_CHANGE, S.RUNNING): "same",
    (Step.STOP, S.RUNNING): S.RECOVERING,
    (Step.STOP, S.PAUSED): S.RECOVERING,
    (Step.VITALS, S.RUNNING): "same",
    (Step.VITALS, S.PAUSED): "same",
    (Step.VITALS, S.RECOVERING): "same",
    (Step.SCORE, S.RUNNING): "same",
    (Step.SCORE, S.PAUSED): "same",
    (Step.SCORE, S.RECOVERING): "same",
    (Step.ADVERSE_EVENT, S.CHECKED_IN): "same",
    (Step.ADVERSE_EVENT, S.ORDERED): "same",
    (Step.ADVERSE_EVENT, S.VERIFIED): "same",
    (Step.ADVERSE_EVENT, S.RUNNING): "same",
    (Step.ADVERSE_EVENT, S.PAUSED): "same",
    (Step.ADVERSE_EVENT, S.RECOVERING): "same",
    (Step.DISCHARGE, S.RECOVERING): S.DISCHARGED,
    (Step.SIGN, S.DISCHARGED): S.SIGNED,
    (Step.ADDENDUM, S.SIGNED): "same",
    (Step.WASTE, S.RECOVERING): "same",
    (Step.WASTE, S.DISCHARGED): "same",
    # esketamine nasal spray
    (Step.NASAL_ORDER, S.CHECKED_IN): S.VERIFIED,
    (Step.PREDOSE_BP, S.VERIFIED): "same",
    (Step.DEVICE, S.VERIFIED): S.RUNNING,
    (Step.DEVICE, S.RUNNING): "same",
    (Step.POST_DOSE_BP, S.RECOVERING): "same",
}


@pytest.mark.parametrize("state", list(SessionState))
@pytest.mark.parametrize("step", list(Step))
def test_every_state_and_step_is_allowed_or_refused_as_specified(step, state):
    expected = EXPECTED.get((step, state))
    assert allowed(step, state) is (expected is not None)
    if expected is None:
        with pytest.raises(StepOutOfOrder) as error:
            next_state(step, state)
        assert error.value.state == state
    else:
        assert next_state(step, state) == (state if expected == "same" else expected)


def test_a_signed_session_refuses_everything_but_an_addendum_with_a_clear_message():
    for step in Step:
        if step is Step.ADDENDUM:
            continue
        with pytest.raises(StepOutOfOrder, match="signed and cannot be changed"):
            next_state(step, S.SIGNED)


def test_out_of_order_message_says_what_must_come_first():
    with pytest.raises(StepOutOfOrder, match="needs it to be double-checked"):
        next_state(Step.START, S.ORDERED)


@pytest.mark.parametrize("status", list(CourseStatus))
@pytest.mark.parametrize("to", list(CourseStatus))
def test_course_transitions(status, to):
    closed = {CourseStatus.COMPLETED, CourseStatus.STOPPED}
    expected = {
        CourseStatus.PLANNED: {CourseStatus.INDUCTION, CourseStatus.STOPPED},
        CourseStatus.INDUCTION: {CourseStatus.MAINTENANCE, CourseStatus.PAUSED} | closed,
        CourseStatus.MAINTENANCE: {CourseStatus.PAUSED} | closed,
        CourseStatus.PAUSED: {CourseStatus.INDUCTION, CourseStatus.MAINTENANCE} | closed,
    }.get(status, set())
    assert (to in COURSE_TRANSITIONS[status]) is (to in expected)


def _call(world, session, step: Step) -> None:  # type: ignore[no-untyped-def]
    doctor = world.actor("physician")
    calls = {
        Step.CHECK_IN: lambda: session_check_in(
            actor=doctor, session=session, data=check_in_data()
        ),
        Step.CORRECT_CHECK_IN: lambda: corrections.check_in_correct(
            actor=doctor, session=session, reason="re-weighed", weight_kg="71"
        ),
        Step.ORDER: lambda: orders.order_place(actor=doctor, session=session, **ORDER),
        Step.DOUBLE_CHECK: lambda: orders.order_double_check(
            actor=doctor, session=session, rate_ml_per_h="52.5", vtbi_ml="35"
        ),
        Step.START: lambda: pump.infusion_start(actor=doctor, session=session),
        Step.PAUSE: lambda: pump.infusion_pause(actor=doctor, session=session, reason="x"),
        Step.RESUME: lambda: pump.infusion_resume(actor=doctor, session=session),
        Step.RATE_CHANGE: lambda: pump.infusion_rate_change(
            actor=doctor, session=session, rate_ml_per_h="40", reason="x"
        ),
        Step.STOP: lambda: stop.infusion_stop(actor=doctor, session=session),
        Step.VITALS: lambda: observations.vitals_record(
            actor=doctor, session=session, slot_minute=10, **NORMAL
        ),
        Step.SCORE: lambda: observations.score_record(
            actor=doctor, session=session, kind="moaas", level=4
        ),
        Step.ADVERSE_EVENT: lambda: observations.adverse_event_record(
            actor=doctor,
            session=session,
            description="nausea",
            severity="mild",
            action_taken="observed",
        ),
        Step.DISCHARGE: lambda: session_discharge(
            actor=doctor,
            session=session,
            aldrete_answers=ALDRETE_READY,
            escort_present=True,
            instructions_given=True,
        ),
        Step.SIGN: lambda: session_sign(actor=doctor, session=session),
        Step.ADDENDUM: lambda: addendum_write(actor=doctor, session=session, text="x"),
        Step.CANCEL: lambda: scheduling.appointment_cancel(
            actor=doctor, appointment=session.appointment, reason="x"
        ),
        Step.WASTE: lambda: stop.remainder_waste(
            actor=doctor, session=session, witness=world.users["nurse"]
        ),
        Step.NO_SHOW: lambda: scheduling.session_no_show(actor=doctor, session=session),
        Step.SEND_BACK: lambda: orders.order_send_back(actor=doctor, session=session, reason="x"),
        Step.WITHDRAW: lambda: orders.order_withdraw(actor=doctor, session=session, reason="x"),
    }
    calls[step]()


@pytest.mark.django_db
@pytest.mark.parametrize("state", [s for s in SessionState])
def test_every_refused_step_through_the_services_writes_nothing(world, session, state):
    session = advance(world, session, state)
    for step in Step:
        # the nasal-spray steps are refused for an infusion by kind (tests/infusions/
        # test_nasal_sessions.py)
        if allowed(step, state) or step in NASAL_ONLY_STEPS:
            continue
        before = row_counts()
        with pytest.raises(StepOutOfOrder):
            _call(world, session, step)
        assert row_counts() == before, step
        session.refresh_from_db()
        assert session.state == state
