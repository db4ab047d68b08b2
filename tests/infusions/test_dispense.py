"""The controlled-substance draw from the session workflow: the start logs the ordered amount as
a dispense from the chosen lot in the same transaction; an early stop with a witness books the
part not given back against that dispense and wastes it, so the lot's balance drops by exactly
the amount drawn and the session's net dispense is what the pump delivered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from kitclinic.infusions.models import EventKind, SessionEvent
from kitclinic.infusions.services.infusion import pump, stop
from kitclinic.infusions.states import SessionState
from kitclinic.substances.models import EntryKind, SubstanceLogEntry
from kitclinic.substances.selectors import lot_balance_mg
from tests.infusions.api_support import walk
from tests.substances.helpers import receive
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
S = SessionState
T0 = timezone.now().replace(microsecond=0)


@pytest.fixture
def lot(world):
    """Two vials of 500 mg (1000 mg) received a day before T0."""
    return receive(world.actor("nurse"), occurred_at=T0 - dt.timedelta(days=1))


@pytest.fixture
def verified(world, session, physician2):
    return walk(world, session, S.VERIFIED, physician2)


def _at(minutes: float):  # type: ignore[no-untyped-def]
    return mock.patch.object(timezone, "now", return_value=T0 + dt.timedelta(minutes=minutes))


def _start(world, session, lot, persona: str = "nurse"):  # type: ignore[no-untyped-def]
    with _at(0):
        return pump.infusion_start(actor=world.actor(persona), session=session, lot=lot)


# --- the draw at the start --------------------------------------------------------------------


def test_start_with_a_lot_dispenses_the_ordered_amount_to_the_session(world, verified, lot):
    event = _start(world, verified, lot)
    draw = SubstanceLogEntry.objects.get(kind=EntryKind.DISPENSE)
    assert (draw.session_id, draw.lot_id, draw.quantity_mg) == (verified.pk, lot.pk, Decimal(35))
    assert draw.recorded_by == world.users["nurse"] and draw.occurred_at == T0
    assert lot_balance_mg(lot) == Decimal(965)
    assert event.detail["draw_entry_id"] == draw.pk and event.detail["lot_number"] == "KX-1001"
    verified.refresh_from_db()
    assert verified.state == S.RUNNING


def test_start_without_a_lot_logs_no_draw(world, verified, lot):
    _start(world, verified, None)
    assert not SubstanceLogEntry.objects.filter(kind=EntryKind.DISPENSE).exists()


def test_a_lot_too_short_for_the_order_refuses_the_start_and_writes_nothing(world, verified):
    from kitclinic.substances.services.dispensing import substance_dispense

    short = receive(world.actor("nurse"), vials=1, occurred_at=T0 - dt.timedelta(days=1))
    with _at(-60):
        substance_dispense(
            actor=world.actor("nurse"), lot=short, quantity_mg=Decimal(480), session=verified
        )
    before = row_counts()
    with pytest.raises(Exception, match="Only 20 mg remain") as refused:
        _start(world, verified, short)
    assert list(refused.value.message_dict) == ["lot"]
    assert row_counts() == before
    verified.refresh_from_db()
    assert verified.state == S.VERIFIED


def test_the_api_start_takes_a_lot_and_refuses_another_clinics_lot(world, verified, lot):
    from tests.factories import MembershipFactory

    MembershipFactory(user=world.users["nurse"], clinic=world.other_clinic, role="nurse")
    elsewhere = receive(
        world.actor("nurse").__class__(
            user=world.users["nurse"],
            membership=world.users["nurse"].memberships.get(clinic=world.other_clinic),
        ),
        lot_number="FAR-1",
        occurred_at=T0 - dt.timedelta(days=1),
    )
    nurse = api_client(world, "nurse")
    url = f"/api/v1/sessions/{verified.pk}/start/"
    before = row_counts()
    assert nurse.post(url, {"lot": elsewhere.pk}, format="json").status_code == 404
    assert nurse.post(url, {"lot": "1"}, format="json").status_code == 400
    assert row_counts() == before
    response = nurse.post(url, {"lot": lot.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["detail"]["drawn_mg"] == "35.000"
    assert lot_balance_mg(lot) == Decimal(965)


def test_the_session_page_start_form_draws_from_the_chosen_lot(world, verified, lot, login):
    client = login("nurse")
    page = client.get(reverse("infusions-session", args=[verified.pk]))
    assert f'<option value="{lot.pk}">KX-1001' in page.content.decode()
    response = client.post(
        reverse("infusions-pump", args=[verified.pk]), {"op": "start", "lot": lot.pk}
    )
    assert response.status_code == 302
    assert SubstanceLogEntry.objects.get(kind=EntryKind.DISPENSE).session_id == verified.pk


# --- the remainder at an early stop -----------------------------------------------------------


def test_an_early_stop_wastes_the_remainder_witnessed_and_the_balance_counts_the_draw_once(
    world, verified, lot
):
    _start(world, verified, lot)
    draw = SubstanceLogEntry.objects.get(kind=EntryKind.DISPENSE)
    with _at(20):  # 20 min at 52.5 mL/h of 1 mg/mL: 17.5 mg given of the 35 mg drawn
        event = stop.infusion_stop(
            actor=world.actor("nurse"),
            session=verified,
            stop_reason="patient_request",
            reason="patient asked",
            waste_witness=world.users["physician"],
        )
    back = SubstanceLogEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    waste = SubstanceLogEntry.objects.get(kind=EntryKind.WASTE)
    assert (back.change_mg, back.corrects_id, back.witness) == (
        Decimal("17.5"),
        draw.pk,
        world.users["physician"],
    )
    assert (waste.quantity_mg, waste.session_id, waste.witness) == (
        Decimal("17.5"),
        verified.pk,
        world.users["physician"],
    )
    assert "17.5 mg of the 35 mg drawn not given" in waste.reason
    assert lot_balance_mg(lot) == Decimal(965)  # 1000 − 35 drawn, whatever was wasted
    assert draw.quantity_mg - back.change_mg == Decimal("17.5")  # net given to the patient
    assert (event.detail["waste_entry_id"], event.detail["wasted_mg"]) == (waste.pk, "17.500")
    assert (event.detail["delivered_mg"], event.detail["complete"]) == ("17.500", False)
    verified.refresh_from_db()
    assert verified.state == S.RECOVERING


def test_a_completed_infusion_has_nothing_to_waste(world, verified, lot):
    _start(world, verified, lot)
    with _at(45):
        stop.infusion_stop(
            actor=world.actor("nurse"), session=verified, waste_witness=world.users["physician"]
        )
    assert not SubstanceLogEntry.objects.filter(kind__in=["waste", "adjustment"]).exists()
    assert lot_balance_mg(lot) == Decimal(965)


@pytest.mark.parametrize(
    ("witness", "message"),
    [("nurse", "another person"), ("front_desk", "physician or nurse")],
)
def test_a_bad_witness_refuses_the_stop_and_writes_nothing(world, verified, lot, witness, message):
    _start(world, verified, lot)
    before = row_counts()
    with _at(10), pytest.raises(Exception, match=message) as refused:
        stop.infusion_stop(
            actor=world.actor("nurse"),
            session=verified,
            stop_reason="patient_request",
            reason="asked to stop",
            waste_witness=world.users[witness],
        )
    assert list(refused.value.message_dict) == ["waste_witness"]
    assert row_counts() == before
    verified.refresh_from_db()
    assert verified.state == S.RUNNING


def test_a_waste_witness_without_a_logged_draw_is_refused(world, verified, lot):
    _start(world, verified, None)
    client = api_client(world, "nurse")
    before = row_counts()
    with _at(10):
        response = client.post(
            f"/api/v1/sessions/{verified.pk}/stop/",
            {
                "stop_reason": "patient_request",
                "reason": "asked",
                "waste_witness": world.users["physician"].pk,
            },
            format="json",
        )
    assert response.status_code == 400
    assert "No draw was logged" in response.json()["errors"]["waste_witness"][0]
    assert row_counts() == before


def test_the_api_stop_with_a_witness_records_the_waste(world, verified, lot):
    _start(world, verified, lot)
    client = api_client(world, "nurse")
    with _at(10):
        response = client.post(
            f"/api/v1/sessions/{verified.pk}/stop/",
            {
                "stop_reason": "hemodynamic",
                "reason": "hypertension",
                "waste_witness": world.users["physician"].pk,
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    # 10 min at 52.5 mL/h = 8.75 mg given; 26.25 mg wasted
    assert response.json()["detail"]["wasted_mg"] == "26.250"
    assert SessionEvent.objects.get(session=verified, kind=EventKind.STOP).detail["wasted_mg"]
    assert lot_balance_mg(lot) == Decimal(965)
