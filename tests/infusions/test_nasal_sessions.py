"""Esketamine nasal-spray sessions through the services: the fixed-dose order, the blood pressure
before dosing (a soft stop a physician answers), the devices (the rest between them enforced,
each device drawn from the controlled-substance log), the blood pressure after dosing, and the
label's observation before discharge. Every refusal names what is missing and writes nothing;
the pump's steps are refused for a nasal session and the nasal steps for an infusion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kitclinic.infusions.models import (
    InfusionOrder,
    NasalBloodPressure,
    NasalDevice,
    SessionEvent,
)
from kitclinic.infusions.services import nasal, orders
from kitclinic.infusions.services.infusion import pump
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.states import SessionState, StepNotForKind
from kitclinic.substances.models import EntryKind, SubstanceLogEntry
from kitclinic.substances.selectors import lot_balance_mg
from tests.infusions.helpers import ALDRETE_READY, ORDER, book, clock_at, plan
from tests.infusions.nasal_support import (
    BP_HIGH,
    BP_OK,
    device_lot,
    minutes,
    plan_nasal,
    walk_nasal,
)
from tests.substances.helpers import receive
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
S = SessionState
T0 = timezone.now().replace(microsecond=0) - dt.timedelta(hours=4)


@pytest.fixture
def nasal_course(world, library, eligible):
    return plan_nasal(world, eligible)


@pytest.fixture
def nasal_session(world, nasal_course, chair):
    return book(world, nasal_course, chair)


def test_a_course_on_the_esketamine_protocol_is_an_esketamine_course(nasal_course, nasal_session):
    assert (nasal_course.kind, nasal_course.planned_infusions) == ("esketamine_nasal", 8)
    # the chair is held for the label's two hours of observation
    assert nasal_session.appointment.recovery_minutes == 120
    assert nasal_session.appointment.infusion_minutes == 10


def test_the_order_is_a_fixed_dose_in_devices_ready_to_give(world, nasal_session):
    session = walk_nasal(world, nasal_session, until="ordered", t0=T0)
    order = InfusionOrder.objects.get(session=session)
    assert (order.dose_mg, order.dose_unit, order.devices) == (Decimal(56), "mg", 2)
    assert (order.rate_ml_per_h, order.volume_ml, order.pk_model) == (0, 0, "")
    assert session.state == S.VERIFIED


@pytest.mark.parametrize(
    ("dose", "message"),
    [("70", "not one of this protocol's fixed doses"), ("84", "starts at 56 mg"), ("x", "number")],
)
def test_a_dose_the_protocol_does_not_allow_is_refused_on_the_dose_and_writes_nothing(
    world, nasal_session, dose, message
):
    walk_nasal(world, nasal_session, until="checked_in", t0=T0)
    before = row_counts()
    with clock_at(minutes(T0, -20)), pytest.raises(ValidationError) as caught:
        nasal.nasal_order_place(actor=world.actor("physician"), session=nasal_session, dose_mg=dose)
    assert message in str(caught.value.message_dict["dose_mg"])
    assert row_counts() == before


def test_a_nurse_cannot_order(world, nasal_session):
    walk_nasal(world, nasal_session, until="checked_in", t0=T0)
    with pytest.raises(PermissionDenied):
        nasal.nasal_order_place(actor=world.actor("nurse"), session=nasal_session, dose_mg="56")


def test_no_device_before_the_blood_pressure_before_dosing(world, nasal_session):
    session = walk_nasal(world, nasal_session, until="ordered", t0=T0)
    before = row_counts()
    with clock_at(T0), pytest.raises(ValidationError, match="blood pressure before dosing first"):
        nasal.nasal_device_give(actor=world.actor("nurse"), session=session)
    assert row_counts() == before


def test_a_raised_pressure_before_dosing_waits_for_a_physicians_reason(world, nasal_session):
    session = walk_nasal(world, nasal_session, until="ordered", t0=T0)
    nurse, physician = world.actor("nurse"), world.actor("physician")
    with clock_at(minutes(T0, -5)):
        row = nasal.nasal_predose_bp_record(actor=nurse, session=session, **BP_HIGH)
    assert row.finding["severity"] == "soft" and row.needs_physician
    before = row_counts()
    with clock_at(T0), pytest.raises(ValidationError, match="a physician must record the reason"):
        nasal.nasal_device_give(actor=nurse, session=session)
    assert row_counts() == before
    with pytest.raises(PermissionDenied):
        nasal.nasal_predose_override(actor=nurse, session=session, reason="benefit outweighs")
    with pytest.raises(ValidationError) as caught:
        nasal.nasal_predose_override(actor=physician, session=session, reason="  ")
    assert "reason" in caught.value.message_dict
    nasal.nasal_predose_override(actor=physician, session=session, reason="stable, rechecked")
    with clock_at(T0):
        device = nasal.nasal_device_give(actor=nurse, session=session)
    assert device.number == 1


def test_bad_readings_name_the_field_and_write_nothing(world, nasal_session):
    session = walk_nasal(world, nasal_session, until="ordered", t0=T0)
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        nasal.nasal_predose_bp_record(
            actor=world.actor("nurse"), session=session, sbp=80, dbp=90, hr=70, spo2=140
        )
    assert set(caught.value.message_dict) == {"dbp", "spo2"}
    assert row_counts() == before


def test_the_devices_are_five_minutes_apart_and_the_last_one_starts_recovery(world, nasal_session):
    session = walk_nasal(world, nasal_session, until="predose", t0=T0)
    nurse = world.actor("nurse")
    with clock_at(T0):
        nasal.nasal_device_give(actor=nurse, session=session)
    session.refresh_from_db()
    assert (session.state, session.started_at) == (S.RUNNING, T0)
    before = row_counts()
    with clock_at(minutes(T0, 4)), pytest.raises(ValidationError) as caught:
        nasal.nasal_device_give(actor=nurse, session=session)
    local = timezone.localtime(minutes(T0, 5)).strftime("%H:%M")
    assert f"Device 2 can be given from {local}" in caught.value.messages[0]
    assert row_counts() == before
    with clock_at(minutes(T0, 5)):
        nasal.nasal_device_give(actor=nurse, session=session)
    session.refresh_from_db()
    assert session.state == S.RECOVERING
    assert (session.ended_at, session.delivered_mg) == (minutes(T0, 5), Decimal(56))
    numbers = NasalDevice.objects.filter(session=session).values_list("number", flat=True)
    assert list(numbers) == [1, 2]
    kinds = list(SessionEvent.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == ["start", "stop"]
    with clock_at(minutes(T0, 20)), pytest.raises(ValidationError):
        nasal.nasal_device_give(actor=nurse, session=session)


def test_each_device_is_drawn_from_the_log_in_mg(world, nasal_session):
    lot = device_lot(world)
    session = walk_nasal(world, nasal_session, until="dosed", t0=T0, lot=lot)
    draws = SubstanceLogEntry.objects.filter(session_id=session.pk, kind=EntryKind.DISPENSE)
    assert sorted(d.quantity_mg for d in draws) == [Decimal(28), Decimal(28)]
    assert lot_balance_mg(lot) == Decimal(28 * 4)
    assert [d.draw_entry_id for d in NasalDevice.objects.filter(session=session)] == sorted(
        d.pk for d in draws
    )


def test_a_ketamine_vial_lot_is_refused_for_a_nasal_device(world, nasal_session):
    vials = receive(world.actor("nurse"), occurred_at=T0 - dt.timedelta(days=1))
    session = walk_nasal(world, nasal_session, until="predose", t0=T0)
    before = row_counts()
    with clock_at(T0), pytest.raises(ValidationError) as caught:
        nasal.nasal_device_give(actor=world.actor("nurse"), session=session, lot=vials)
    assert "ketamine hydrochloride" in str(caught.value.message_dict["lot"])
    assert row_counts() == before


def test_discharge_waits_two_hours_after_the_last_device_naming_the_time(world, nasal_session):
    session = walk_nasal(world, nasal_session, until="post_dose", t0=T0)
    last = minutes(T0, 5)
    before = row_counts()
    with clock_at(minutes(last, 90)), pytest.raises(ValidationError) as caught:
        session_discharge(
            actor=world.actor("physician"),
            session=session,
            aldrete_answers=ALDRETE_READY,
            escort_present=True,
            instructions_given=True,
            override_reasons={"discharge_observation_short": "wants to go"},
        )
    ready = timezone.localtime(minutes(last, 120)).strftime("%H:%M")
    assert f"discharge is possible from {ready}" in caught.value.messages[0]
    assert row_counts() == before


def test_discharge_needs_the_blood_pressure_after_dosing(world, nasal_session):
    session = walk_nasal(world, nasal_session, until="dosed", t0=T0)
    last = minutes(T0, 5)
    before = row_counts()
    with clock_at(minutes(last, 130)), pytest.raises(ValidationError, match="after dosing"):
        session_discharge(
            actor=world.actor("nurse"),
            session=session,
            aldrete_answers=ALDRETE_READY,
            escort_present=True,
            instructions_given=True,
        )
    assert row_counts() == before


def test_the_blood_pressure_after_dosing_is_not_taken_before_it_is_due(world, nasal_session):
    session = walk_nasal(world, nasal_session, until="dosed", t0=T0)
    before = row_counts()
    with clock_at(minutes(T0, 20)), pytest.raises(ValidationError) as caught:
        nasal.nasal_post_dose_bp_record(actor=world.actor("nurse"), session=session, **BP_OK)
    due = timezone.localtime(minutes(T0, 45)).strftime("%H:%M")
    assert f"due at {due}" in str(caught.value.message_dict["sbp"])
    assert row_counts() == before


def test_a_whole_session_is_signed_with_its_records(world, nasal_session):
    lot = device_lot(world)
    session = walk_nasal(world, nasal_session, until="signed", t0=T0, lot=lot)
    assert session.state == S.SIGNED
    moments = NasalBloodPressure.objects.filter(session=session).values_list("moment", flat=True)
    assert sorted(moments) == ["post_dose", "predose"]


def test_pump_steps_are_refused_for_a_nasal_session_and_nasal_steps_for_an_infusion(
    world, nasal_session, other_eligible, chair2
):
    session = book(world, plan(world, other_eligible), chair2)
    walk_nasal(world, nasal_session, until="checked_in", t0=T0)
    with pytest.raises(StepNotForKind, match="nasal-spray session"):
        orders.order_place(actor=world.actor("physician"), session=nasal_session, **ORDER)
    with clock_at(minutes(T0, -20)):
        nasal.nasal_order_place(actor=world.actor("physician"), session=nasal_session, dose_mg=56)
    with pytest.raises(StepNotForKind):
        pump.infusion_start(actor=world.actor("nurse"), session=nasal_session)
    with pytest.raises(StepNotForKind, match="IV ketamine infusion"):
        nasal.nasal_predose_bp_record(actor=world.actor("nurse"), session=session, **BP_OK)
