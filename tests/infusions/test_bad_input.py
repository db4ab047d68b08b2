"""Bad input and out-of-order steps are refused with a clear message and write nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kitclinic.infusions.models import InfusionOrder, SessionEvent, SignedRecordError, VitalSign
from kitclinic.infusions.services import orders, scheduling
from kitclinic.infusions.services.infusion import observations, pump
from kitclinic.infusions.services.infusion.observations import VitalsSlotTaken
from kitclinic.infusions.services.sessions.check_in import session_check_in
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.signoff import addendum_write, session_sign
from kitclinic.infusions.states import SessionState, StepOutOfOrder
from tests.infusions.helpers import (
    ALDRETE_8,
    ALDRETE_READY,
    NORMAL,
    ORDER,
    advance,
    book,
    check_in_data,
    slot_time,
)
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _refused(call, match: str, exc=ValidationError):  # type: ignore[no-untyped-def]
    before = row_counts()
    with pytest.raises(exc, match=match):
        call()
    assert row_counts() == before


def test_dose_above_the_hard_limit_refuses_the_order(world, session):
    session = advance(world, session, SessionState.CHECKED_IN)
    _refused(
        lambda: orders.order_place(
            actor=world.actor("physician"),
            session=session,
            dose="1.2",
            duration_min="40",
            concentration_mg_per_ml="1",
        ),
        "above the hard upper limit of 1 mg/kg",
    )
    session.refresh_from_db()
    assert session.state == SessionState.CHECKED_IN


@pytest.mark.parametrize("weight", ["300", "25", "0", "-70", "abc", "70.123"])
def test_weight_outside_limits_or_malformed_refuses_check_in(world, session, weight):
    _refused(
        lambda: session_check_in(
            actor=world.actor("nurse"), session=session, data=check_in_data(weight_kg=weight)
        ),
        "weight_kg",
    )


def test_stated_weight_is_refused(world, session):
    _refused(
        lambda: session_check_in(
            actor=world.actor("nurse"),
            session=session,
            data=check_in_data(weight_method="stated"),
        ),
        "measured today",
    )


def _previous_session_at_70_kg(world, course, chair):  # type: ignore[no-untyped-def]
    earlier = book(world, course, chair, slot_time(9, 0, days=-3))
    advance(world, earlier, SessionState.SIGNED)
    return book(world, course, chair, slot_time(9, 0))


def test_a_pound_value_in_the_kg_field_is_caught(world, course, chair):
    """154 entered for a 70 kg patient ([kitclinic-dose-rules] W4): refused at check-in without a
    reason
    and a co-signer; overridden, the order is still a hard stop (77 mg above the 75 mg cap)."""
    today = _previous_session_at_70_kg(world, course, chair)
    nurse = world.actor("nurse")
    _refused(
        lambda: session_check_in(actor=nurse, session=today, data=check_in_data(weight_kg="154")),
        "entered in lb",
    )
    session_check_in(
        actor=nurse,
        session=today,
        data=check_in_data(
            weight_kg="154",
            override_reasons={"weight_change_above_soft_max": "re-weighed: 154 kg"},
            cosigner=world.users["physician"],
        ),
    )
    _refused(
        lambda: orders.order_place(
            actor=world.actor("physician"),
            session=today,
            **ORDER,
            override_reasons={"weight_change_above_soft_max": "re-weighed"},
        ),
        "Total dose 77 mg is above the hard upper limit of 75 mg",
    )


def test_concentration_not_in_the_library_is_refused(world, session):
    session = advance(world, session, SessionState.CHECKED_IN)
    _refused(
        lambda: orders.order_place(
            actor=world.actor("physician"),
            session=session,
            dose="0.5",
            duration_min="40",
            concentration_mg_per_ml="5",
        ),
        "not a standard concentration",
    )


def test_soft_finding_needs_a_reason_and_a_cosignature(world, session):
    session = advance(world, session, SessionState.CHECKED_IN)
    physician, nurse = world.actor("physician"), world.actor("nurse")
    soft = {"dose": "0.5", "duration_min": "35", "concentration_mg_per_ml": "1"}
    _refused(
        lambda: orders.order_place(actor=physician, session=session, **soft),
        "Give the reason for overriding",
    )
    order = orders.order_place(
        actor=physician,
        session=session,
        **soft,
        override_reasons={
            "duration_below_soft_min": "patient prefers shorter",
            "rate_above_soft_max": "shorter infusion",
        },
    )
    assert set(order.overrides) == {"duration_below_soft_min", "rate_above_soft_max"}
    _refused(
        lambda: orders.order_double_check(
            actor=nurse,
            session=session,
            rate_ml_per_h=order.rate_ml_per_h,
            vtbi_ml=order.volume_ml,
        ),
        "co-sign",
    )
    check = orders.order_double_check(
        actor=nurse,
        session=session,
        rate_ml_per_h=order.rate_ml_per_h,
        vtbi_ml=order.volume_ml,
        cosign_overrides=True,
    )
    assert check.overrides_cosigned


def test_order_before_check_in_and_start_before_double_check_are_refused(world, session):
    physician, nurse = world.actor("physician"), world.actor("nurse")
    _refused(
        lambda: orders.order_place(actor=physician, session=session, **ORDER),
        "the session is scheduled",
        StepOutOfOrder,
    )
    session = advance(world, session, SessionState.ORDERED)
    _refused(
        lambda: pump.infusion_start(actor=nurse, session=session),
        "needs it to be double-checked",
        StepOutOfOrder,
    )


def test_double_check_by_the_orderer_is_refused(world, session):
    session = advance(world, session, SessionState.ORDERED)
    _refused(
        lambda: orders.order_double_check(
            actor=world.actor("physician"), session=session, rate_ml_per_h="52.5", vtbi_ml="35"
        ),
        "second clinician",
    )


@pytest.mark.parametrize(("rate", "vtbi"), [("52", "35"), ("52.5", "3.5"), ("x", "35")])
def test_pump_read_back_must_match_the_order(world, session, rate, vtbi):
    session = advance(world, session, SessionState.ORDERED)
    _refused(
        lambda: orders.order_double_check(
            actor=world.actor("nurse"), session=session, rate_ml_per_h=rate, vtbi_ml=vtbi
        ),
        "Read",
    )


def test_discharge_with_aldrete_8_is_refused_and_only_a_physician_overrides(world, session):
    session = advance(world, session, SessionState.RECOVERING)
    nurse, physician = world.actor("nurse"), world.actor("physician")
    call = dict(aldrete_answers=ALDRETE_8, escort_present=True, instructions_given=True)
    _refused(
        lambda: session_discharge(actor=nurse, session=session, **call),
        "Not ready for discharge: Modified Aldrete 8/10",
    )
    reasons = {"discharge_aldrete_not_met": "baseline Aldrete 8 (chronic)"}
    _refused(
        lambda: session_discharge(actor=nurse, session=session, override_reasons=reasons, **call),
        "may not",
        PermissionDenied,
    )
    _refused(lambda: session_discharge(actor=physician, session=session, **call), "8/10")
    # the one rule: a reason is not enough, a second clinician co-signs
    _refused(
        lambda: session_discharge(
            actor=physician, session=session, override_reasons=reasons, **call
        ),
        "second clinician must co-sign",
    )
    discharge = session_discharge(
        actor=physician,
        session=session,
        override_reasons=reasons,
        cosigner=world.users["nurse"],
        **call,
    )
    assert discharge.overridden and not discharge.discharge_ready
    assert discharge.overrides["discharge_aldrete_not_met"]["cosigned_by"] == nurse.user.pk


def test_every_write_to_a_signed_session_is_refused(world, session):
    session = advance(world, session, SessionState.SIGNED)
    nurse = world.actor("nurse")
    for call in (
        lambda: observations.vitals_record(actor=nurse, session=session, slot_minute=90, **NORMAL),
        lambda: observations.adverse_event_record(
            actor=nurse, session=session, description="x", severity="mild", action_taken="x"
        ),
        lambda: session_discharge(
            actor=nurse,
            session=session,
            aldrete_answers=ALDRETE_READY,
            escort_present=True,
            instructions_given=True,
        ),
        lambda: session_sign(actor=world.actor("physician"), session=session),
    ):
        _refused(call, "signed and cannot be changed")
    # the model guards refuse what bypasses the services
    with pytest.raises(SignedRecordError):
        VitalSign.objects.create(
            session=session,
            slot_minute=99,
            taken_at=session.signed_at,
            recorded_by=world.users["nurse"],
            **NORMAL,
        )
    order = InfusionOrder.objects.get(session=session)
    order.dose_mg = Decimal("70")
    with pytest.raises(SignedRecordError):
        order.save()
    session.state = SessionState.DISCHARGED
    with pytest.raises(SignedRecordError):
        session.save()
    assert InfusionOrder.objects.get(session=session).dose_mg == Decimal("35")
    addendum = addendum_write(actor=nurse, session=session, text="Late entry: nausea")
    assert addendum.pk


def test_the_same_vitals_slot_twice_keeps_the_first_and_says_who(world, session):
    session = advance(world, session, SessionState.RUNNING)
    nurse, physician = world.actor("nurse"), world.actor("physician")
    first, created = observations.vitals_record(
        actor=nurse, session=session, slot_minute=10, idempotency_key="abc", **NORMAL
    )
    assert created
    again, created = observations.vitals_record(
        actor=nurse, session=session, slot_minute=10, idempotency_key="abc", **NORMAL
    )
    assert (again.pk, created) == (first.pk, False)
    before = row_counts()
    with pytest.raises(VitalsSlotTaken, match=r"already recorded by .* at \d\d:\d\d"):
        observations.vitals_record(
            actor=physician, session=session, slot_minute=10, **{**NORMAL, "hr": 99}
        )
    assert row_counts() == before
    assert VitalSign.objects.get(session=session, slot_minute=10).hr == NORMAL["hr"]


def test_vitals_alerts_on_absolute_value_and_change_from_baseline(world, session):
    session = advance(world, session, SessionState.RUNNING)
    nurse = world.actor("nurse")
    reading, _ = observations.vitals_record(
        actor=nurse, session=session, slot_minute=10, **{**NORMAL, "sbp": 166}
    )
    codes = {a["code"] for a in reading.alerts}
    # 166 is ≥165 (treatment-emergent hypertension flag) and 42 over the 124 baseline (≥40)
    assert codes == {"sbp_treatment_emergent_hypertension", "sbp_rise"}
    alerts = SessionEvent.objects.filter(session=session, kind="alert")
    assert sorted(e.detail["code"] for e in alerts) == sorted(codes)
    quiet, _ = observations.vitals_record(actor=nurse, session=session, slot_minute=20, **NORMAL)
    assert quiet.alerts == []


def test_check_in_gate_failure_is_a_soft_finding_of_the_order(world, session):
    """Each gate failure needs its reason at the order (``override_gate_<code>``), kept with the
    order's overrides, and the second clinician's co-signature at the double check."""
    nurse, physician = world.actor("nurse"), world.actor("physician")
    check_in = session_check_in(actor=nurse, session=session, data=check_in_data(sbp=182, dbp=96))
    assert [g["code"] for g in check_in.gate_failures] == [
        "sbp_pause",
        "sbp_treatment_emergent_hypertension",
    ]
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        orders.order_place(
            actor=physician,
            session=session,
            **ORDER,
            override_reasons={"gate_sbp_pause": "Repeat BP 150/90"},
        )
    assert row_counts() == before
    assert list(refused.value.message_dict) == ["override_gate_sbp_treatment_emergent_hypertension"]
    assert (
        "Check-in gate: SBP 182 mmHg"
        in refused.value.message_dict["override_gate_sbp_treatment_emergent_hypertension"][0]
    )
    reasons = {
        "gate_sbp_pause": "Repeat BP 150/90",
        "gate_sbp_treatment_emergent_hypertension": "Repeat BP 150/90",
    }
    order = orders.order_place(actor=physician, session=session, **ORDER, override_reasons=reasons)
    assert order.overrides == reasons
    assert {f["code"] for f in order.findings} >= set(reasons)
    _refused(
        lambda: orders.order_double_check(
            actor=nurse,
            session=session,
            rate_ml_per_h=order.rate_ml_per_h,
            vtbi_ml=order.volume_ml,
        ),
        "co-sign them",
    )
    check = orders.order_double_check(
        actor=nurse,
        session=session,
        rate_ml_per_h=order.rate_ml_per_h,
        vtbi_ml=order.volume_ml,
        cosign_overrides=True,
    )
    assert check.overrides_cosigned


def test_the_gate_override_reason_of_older_clients_answers_every_gate_finding(world, session):
    session_check_in(
        actor=world.actor("nurse"), session=session, data=check_in_data(sbp=182, dbp=96)
    )
    order = orders.order_place(
        actor=world.actor("physician"),
        session=session,
        **ORDER,
        gate_override_reason="Repeat BP 150/90",
    )
    assert order.overrides == {
        "gate_sbp_pause": "Repeat BP 150/90",
        "gate_sbp_treatment_emergent_hypertension": "Repeat BP 150/90",
    }


def test_pregnancy_status_is_required_for_a_woman_of_46(world, session):
    _refused(
        lambda: session_check_in(
            actor=world.actor("nurse"),
            session=session,
            data=check_in_data(pregnancy_status="not_applicable"),
        ),
        "Required for this patient",
    )


def test_rating_answers_are_scored_and_wrong_counts_refused(world, session):
    _refused(
        lambda: session_check_in(
            actor=world.actor("nurse"), session=session, data=check_in_data(rating_answers=[1, 2])
        ),
        "PHQ9",
    )


def test_rate_change_above_the_hard_limit_is_refused(world, session):
    session = advance(world, session, SessionState.RUNNING, elapsed_min=10)
    nurse = world.actor("nurse")
    # 1 mg/mL at 70 kg: 80 mL/h = 1.143 mg/kg/h > 1 mg/kg/h hard
    _refused(
        lambda: pump.infusion_rate_change(
            actor=nurse, session=session, rate_ml_per_h="80", reason="faster"
        ),
        "above the hard upper limit",
    )
    # 45 mL/h = 0.643 mg/kg/h; 26.25 mL left take 35 min: 45 min in all, within every limit
    event = pump.infusion_rate_change(
        actor=nurse, session=session, rate_ml_per_h="45", reason="patient comfortable"
    )
    assert event.detail["finding"]["severity"] == "ok" and event.detail["overrides"] == {}


def test_double_booking_a_chair_or_a_patient_is_refused(
    world, course, chair, chair2, other_eligible
):
    from tests.infusions.helpers import plan

    book(world, course, chair, slot_time(9, 0, days=1))
    other_course = plan(world, other_eligible)
    front = world.actor("front_desk")
    _refused(
        lambda: scheduling.appointment_book(
            actor=front, course=other_course, chair=chair, starts_at=slot_time(10, 30, days=1)
        ),
        "Chair 1 is already booked",
    )
    _refused(
        lambda: scheduling.appointment_book(
            actor=front, course=course, chair=chair2, starts_at=slot_time(9, 30, days=1)
        ),
        "The patient already has an appointment",
    )
    # chair time is 40 min infusion + 60 min recovery: 10:40 is free again
    later = scheduling.appointment_book(
        actor=front, course=other_course, chair=chair, starts_at=slot_time(10, 40, days=1)
    )
    assert later.ends_at - later.starts_at == dt.timedelta(minutes=100)
