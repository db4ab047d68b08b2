"""An early stop is documented, the remainder drawn but not given is wasted with a witness before
sign-off, and the sign-off shows what was delivered — service, page and API.

The reported case: 82.4 kg × 0.5 mg/kg = 41.2 mg drawn from a lot at the start (1 mg/mL,
61.8 mL/h); stopped one minute in: 1.03 mL = 1.03 mg given, 40.17 mg to waste."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from kitclinic.infusions import delivery
from kitclinic.infusions.models import EventKind, InfusionSession, SessionEvent
from kitclinic.infusions.services.infusion import pump, stop
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.signoff import session_sign
from kitclinic.infusions.states import SessionState
from kitclinic.substances.models import EntryKind, SubstanceLogEntry
from kitclinic.substances.selectors import lot_balance_mg
from tests.infusions.helpers import ALDRETE_READY, advance, clock_at
from tests.substances.helpers import receive
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
S = SessionState


@pytest.fixture
def lot(world):
    return receive(world.actor("nurse"), occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
def drawn(world, session, lot):
    """Verified an hour ago (82.4 kg), started with the draw from ``lot`` 45 minutes ago."""
    verified = advance(world, session, S.VERIFIED, weight_kg=Decimal("82.4"))
    with clock_at(_now() - dt.timedelta(minutes=45)):
        pump.infusion_start(actor=world.actor("nurse"), session=verified, lot=lot)
    verified.refresh_from_db()
    return verified


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def _at(session: InfusionSession, minutes: float):  # type: ignore[no-untyped-def]
    return clock_at(session.started_at + dt.timedelta(minutes=minutes))


def _stop(world, session, minutes: float = 1, **kwargs):  # type: ignore[no-untyped-def]
    with _at(session, minutes):
        return stop.infusion_stop(actor=world.actor("nurse"), session=session, **kwargs)


def _discharge(world, session):  # type: ignore[no-untyped-def]
    return session_discharge(
        actor=world.actor("nurse"),
        session=session,
        aldrete_answers=ALDRETE_READY,
        escort_present=True,
        instructions_given=True,
    )


def test_an_early_stop_needs_a_reason_from_the_list_and_what_happened(world, drawn):
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        _stop(world, drawn)
    errors = refused.value.message_dict
    assert set(errors) == {"stop_reason", "reason"}
    assert "1.03 mL (1.03 mg) of the ordered 41.2 mL (41.2 mg), 2.5%" in errors["stop_reason"][0]
    with pytest.raises(ValidationError) as refused:
        _stop(world, drawn, stop_reason="bored", reason="x")
    assert "adverse_event (Adverse event)" in refused.value.message_dict["stop_reason"][0]
    assert row_counts() == before
    drawn.refresh_from_db()
    assert drawn.state == S.RUNNING and drawn.delivered_mg is None


def test_the_delivered_dose_is_stored_on_the_stop_and_the_session(world, drawn):
    event = _stop(world, drawn, stop_reason="patient_request", reason="wants to go home")
    assert event.reason == "wants to go home"
    assert event.detail["stop_reason"] == "patient_request" and not event.detail["complete"]
    assert (event.detail["delivered_ml"], event.detail["delivered_mg"]) == ("1.030", "1.030")
    assert (event.detail["ordered_ml"], event.detail["ordered_mg"]) == ("41.20", "41.20")
    drawn.refresh_from_db()
    assert (drawn.delivered_ml, drawn.delivered_mg) == (Decimal("1.030"), Decimal("1.030"))
    # the dispense still stands at the full draw until the remainder is wasted
    assert SubstanceLogEntry.objects.get(kind=EntryKind.DISPENSE).quantity_mg == Decimal("41.2")


def test_a_complete_stop_needs_no_reason_and_leaves_nothing_to_waste(world, drawn):
    event = _stop(world, drawn, minutes=40)
    assert (event.detail["stop_reason"], event.detail["complete"]) == ("completed", True)
    assert event.detail["delivered_mg"] == "41.200"
    drawn.refresh_from_db()
    assert delivery.remainder_outstanding_mg(drawn) == 0


@override_settings(KITCLINIC_STOP_COMPLETE_SHARE=Decimal("0.9"))
def test_the_stop_tolerance_is_a_setting(world, drawn):
    # 37 min of 40: 92.5 % is complete under a 90 % setting
    assert _stop(world, drawn, minutes=37).detail["complete"] is True


def test_signing_is_refused_until_the_remainder_is_wasted_then_allowed(world, drawn, lot):
    _stop(world, drawn, stop_reason="adverse_event", reason="vomiting")
    with _at(drawn, 40):
        _discharge(world, drawn)
    physician = world.actor("physician")
    before = row_counts()
    with _at(drawn, 45), pytest.raises(ValidationError, match="40.17 mg drawn for this session"):
        session_sign(actor=physician, session=drawn)
    assert row_counts() == before
    with _at(drawn, 46):
        event = stop.remainder_waste(
            actor=world.actor("nurse"), session=drawn, witness=world.users["physician"]
        )
    assert event.kind == EventKind.WASTE and event.detail["wasted_mg"] == "40.170"
    waste = SubstanceLogEntry.objects.get(kind=EntryKind.WASTE)
    back = SubstanceLogEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert (waste.quantity_mg, back.change_mg, waste.witness) == (
        Decimal("40.17"),
        Decimal("40.17"),
        world.users["physician"],
    )
    assert lot_balance_mg(lot) == Decimal("1000") - Decimal("41.2")
    drawn.refresh_from_db()
    assert delivery.remainder_outstanding_mg(drawn) == 0
    with _at(drawn, 47):
        session_sign(actor=physician, session=drawn)
    drawn.refresh_from_db()
    assert drawn.state == S.SIGNED


def test_the_remainder_can_be_wasted_at_the_stop(world, drawn):
    event = _stop(
        world,
        drawn,
        stop_reason="hemodynamic",
        reason="SBP 185",
        waste_witness=world.users["physician"],
    )
    assert event.detail["wasted_mg"] == "40.170"
    drawn.refresh_from_db()
    assert delivery.remainder_outstanding_mg(drawn) == 0


@pytest.mark.parametrize(
    ("witness", "message"),
    [("nurse", "another person"), ("front_desk", "physician or nurse"), (None, "required")],
)
def test_a_bad_witness_refuses_the_waste_and_writes_nothing(world, drawn, witness, message):
    _stop(world, drawn, stop_reason="other", reason="line tissued")
    before = row_counts()
    with _at(drawn, 5), pytest.raises(ValidationError, match=message) as refused:
        stop.remainder_waste(
            actor=world.actor("nurse"),
            session=drawn,
            witness=world.users[witness] if witness else None,
        )
    assert list(refused.value.message_dict) == ["witness"]
    assert row_counts() == before


def test_nothing_left_to_waste_is_refused(world, drawn):
    _stop(world, drawn, minutes=40)
    before = row_counts()
    with _at(drawn, 41), pytest.raises(ValidationError, match="Nothing drawn"):
        stop.remainder_waste(
            actor=world.actor("nurse"), session=drawn, witness=world.users["physician"]
        )
    assert row_counts() == before


# --- the API ----------------------------------------------------------------------------------


def test_the_api_stop_waste_summary_and_sign(world, drawn):
    nurse, doctor = api_client(world, "nurse"), api_client(world, "physician")
    base = f"/api/v1/sessions/{drawn.pk}/"
    before = row_counts()
    with _at(drawn, 1):
        refused = nurse.post(base + "stop/", {}, format="json")
        bad = nurse.post(base + "stop/", {"stop_reason": "bored", "reason": "x"}, format="json")
    assert refused.status_code == 400 and set(refused.json()["errors"]) == {"stop_reason", "reason"}
    assert bad.status_code == 400 and "stop_reason" in bad.json()["errors"]
    assert row_counts() == before
    with _at(drawn, 1):
        stopped = nurse.post(
            base + "stop/",
            {"stop_reason": "dissociation_sedation", "reason": "distressed"},
            format="json",
        )
    assert stopped.status_code == 201 and stopped.json()["detail"]["delivered_mg"] == "1.030"
    with _at(drawn, 35):
        assert nurse.post(base + "discharge/", _discharge_body(), format="json").status_code == 201
        summary = doctor.get(base + "summary/").json()
        assert (summary["outstanding_mg"], summary["signable"]) == ("40.1700", False)
        before = row_counts()
        refused = doctor.post(base + "sign/", {}, format="json")
        assert refused.status_code == 400
        assert "40.17 mg drawn for this session" in refused.json()["errors"]["detail"][0]
        assert row_counts() == before
        unknown = nurse.post(base + "waste/", {"witness": 999999}, format="json")
        assert unknown.status_code == 400 and "witness" in unknown.json()["errors"]
        assert row_counts() == before
        wasted = nurse.post(
            base + "waste/", {"witness": world.users["physician"].pk}, format="json"
        )
        assert wasted.status_code == 201 and wasted.json()["kind"] == "waste"
        summary = doctor.get(base + "summary/").json()
        assert (summary["wasted_mg"], summary["outstanding_mg"]) == ("40.1700", "0.0000")
        assert summary["stop_reason"] == "dissociation_sedation"
        assert doctor.post(base + "sign/", {}, format="json").status_code == 200


def _discharge_body():  # type: ignore[no-untyped-def]
    from tests.infusions.api_support import DISCHARGE_BODY

    return DISCHARGE_BODY


# --- the pages --------------------------------------------------------------------------------


def test_the_stop_page_shows_the_delivered_dose_and_asks_why(world, drawn, login):
    client = login("nurse")
    url = reverse("infusions-stop", args=[drawn.pk])
    with _at(drawn, 1):
        page = client.get(url).content.decode()
        assert "1.03 mg</strong> = 1.03 mL" in page and "The ordered dose is not in" in page
        before = row_counts()
        response = client.post(url, {})
        assert response.status_code == 422 and row_counts() == before
        assert set(response.context["form"].errors) == {"stop_reason", "reason"}
        response = client.post(url, {"stop_reason": "pump_line", "reason": "occlusion alarm"})
        assert response.status_code == 302
    event = SessionEvent.objects.get(session=drawn, kind=EventKind.STOP)
    assert event.detail["stop_reason"] == "pump_line"


def test_the_remainder_is_wasted_from_the_session_page_before_the_summary_signs(
    world, drawn, login
):
    _stop(world, drawn, stop_reason="patient_request", reason="asked")
    nurse, doctor = login("nurse"), login("physician")
    with _at(drawn, 35):
        _discharge(world, drawn)
    with _at(drawn, 36):
        session_page = nurse.get(reverse("infusions-session", args=[drawn.pk])).content.decode()
        assert "Waste the remainder (40.17 mg)" in session_page
        summary = doctor.get(reverse("infusions-sign", args=[drawn.pk])).content.decode()
        assert "40.17 mg not given and not wasted" in summary
        assert "Stopped early</strong>: Patient request — asked" in summary
        before = row_counts()
        refused = doctor.post(reverse("infusions-sign", args=[drawn.pk]))
        assert refused.status_code == 302 and refused["Location"].endswith("/sign/")
        assert row_counts() == before
        waste_url = reverse("infusions-waste", args=[drawn.pk])
        assert "<strong>40.17 mg</strong> was drawn" in nurse.get(waste_url).content.decode()
        response = nurse.post(waste_url, {"witness": str(world.users["physician"].pk)})
        assert response.status_code == 302
        assert doctor.post(reverse("infusions-sign", args=[drawn.pk])).status_code == 302
    drawn.refresh_from_db()
    assert drawn.state == S.SIGNED
