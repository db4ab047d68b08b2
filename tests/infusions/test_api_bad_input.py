"""Bad input and out-of-order steps over the infusion API: 400 naming the field, 409 naming the
session's state, and nothing written either way (every infusion, substance and audit table)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kitclinic.infusions.models import VitalSign
from kitclinic.infusions.states import SessionState
from tests.infusions.api_support import (
    DISCHARGE_BODY,
    ORDER_BODY,
    VITALS_BODY,
    check_in_body,
    walk,
)
from tests.infusions.helpers import book, slot_time
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
S = SessionState


def _refused(client, url: str, body: dict[str, Any], status: int, **headers: str) -> dict:  # type: ignore[no-untyped-def]
    before = row_counts()
    response = client.post(url, body, format="json", **headers)
    assert response.status_code == status, response.content[:500]
    assert row_counts() == before
    return response.json()


def _url(session, step: str) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/sessions/{session.pk}/{step}/"


# --- 400: the field and the reason ------------------------------------------------------------


def test_a_dose_above_the_hard_limit_is_refused_on_the_dose_field(world, session, physician2):
    session = walk(world, session, S.CHECKED_IN, physician2)
    body = _refused(
        api_client(world, "physician"), _url(session, "order"), {**ORDER_BODY, "dose": "1.2"}, 400
    )
    assert "hard upper limit of 1 mg/kg" in " ".join(body["errors"]["dose"])
    session.refresh_from_db()
    assert session.state == S.CHECKED_IN


def test_the_preview_shows_a_hard_finding_without_a_pk_curve_and_writes_nothing(
    world, session, physician2
):
    session = walk(world, session, S.CHECKED_IN, physician2)
    before = row_counts()
    response = api_client(world, "physician").post(
        _url(session, "order-preview"), {**ORDER_BODY, "dose": "1.2"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "hard" and body["pk"] is None
    assert any(f["severity"] == "hard" and f["rule"] == "dose" for f in body["findings"])
    assert row_counts() == before


def test_a_pound_value_in_the_kg_field_is_refused_naming_the_weight(world, course, chair):
    earlier = book(world, course, chair, slot_time(9, 0, days=-3))
    walk(world, earlier, S.SIGNED, world.actor("physician"))
    today = book(world, course, chair, slot_time(9, 0))
    nurse = api_client(world, "nurse")
    body = _refused(nurse, _url(today, "check-in"), check_in_body(weight_kg="154"), 400)
    # a soft finding: re-weigh, then a reason and a second clinician's co-signature
    assert "entered in lb" in " ".join(body["errors"]["override_weight_change_above_soft_max"])
    assert "cosigner" in body["errors"]
    body = _refused(nurse, _url(today, "check-in"), check_in_body(weight_kg="154 lb"), 400)
    assert list(body["errors"]) == ["weight_kg"]


def test_a_concentration_not_in_the_library_is_refused(world, session, physician2):
    session = walk(world, session, S.CHECKED_IN, physician2)
    body = _refused(
        api_client(world, "physician"),
        _url(session, "order"),
        {**ORDER_BODY, "concentration_mg_per_ml": "5"},
        400,
    )
    assert "not a standard concentration" in " ".join(body["errors"]["concentration_mg_per_ml"])


def test_unknown_fields_and_wrong_types_are_named(world, session, physician2):
    session = walk(world, session, S.RUNNING, physician2)
    nurse = api_client(world, "nurse")
    body = _refused(nurse, _url(session, "vitals"), {**VITALS_BODY, "hr": "72", "temp_c": 37}, 400)
    assert body["errors"] == {"temp_c": ["Unknown field."], "hr": ["Must be an integer."]}
    body = _refused(nurse, _url(session, "vitals"), {**VITALS_BODY, "spo2": 101}, 400)
    assert "(1–100)" in body["errors"]["spo2"][0]


def test_double_check_by_the_orderer_is_refused(world, session, physician2):
    session = walk(world, session, S.ORDERED, physician2)
    client = APIClient()
    client.force_authenticate(physician2.user)
    body = _refused(
        client, _url(session, "double-check"), {"rate_ml_per_h": "52.5", "vtbi_ml": "35"}, 400
    )
    assert "second clinician" in str(body["errors"])


def test_a_read_back_that_does_not_match_the_order_is_refused(world, session, physician2):
    session = walk(world, session, S.ORDERED, physician2)
    body = _refused(
        api_client(world, "nurse"),
        _url(session, "double-check"),
        {"rate_ml_per_h": "35", "vtbi_ml": "35"},
        400,
    )
    assert "does not match the order's 52.5 mL/h" in body["errors"]["rate_ml_per_h"][0]


# --- 409: the session's state -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "step", "body", "message"),
    [
        (S.CHECKED_IN, "start", {}, "Cannot start the infusion: the session is checked in"),
        (S.SCHEDULED, "order", ORDER_BODY, "Cannot place the order: the session is scheduled"),
        (S.SCHEDULED, "order-preview", ORDER_BODY, "the session is scheduled"),
        (S.VERIFIED, "vitals", VITALS_BODY, "Cannot record vitals: the session is double-checked"),
        (S.RUNNING, "discharge", DISCHARGE_BODY, "Cannot discharge: the session is infusing"),
        (S.RECOVERING, "resume", {}, "Cannot resume the infusion: the session is recovering"),
    ],
)
def test_a_step_out_of_order_is_409_naming_the_state(
    world, session, physician2, state, step, body, message
):
    session = walk(world, session, state, physician2)
    answer = _refused(api_client(world, "physician"), _url(session, step), body, 409)
    assert message in answer["detail"]
    assert answer["state"] == state.value


@pytest.mark.parametrize(
    ("step", "body"),
    [
        ("vitals", VITALS_BODY),
        ("scores", {"kind": "moaas", "level": 4}),
        ("stop", {}),
        ("sign", {}),
        ("adverse-events", {"description": "x", "severity": "mild", "action_taken": "y"}),
    ],
)
def test_writes_to_a_signed_session_are_409(world, session, physician2, step, body):
    session = walk(world, session, S.SIGNED, physician2)
    answer = _refused(api_client(world, "physician"), _url(session, step), body, 409)
    assert "signed and cannot be changed; write an addendum instead" in answer["detail"]
    assert answer["state"] == "signed"


def test_an_addendum_before_signing_is_409(world, session, physician2):
    session = walk(world, session, S.DISCHARGED, physician2)
    answer = _refused(api_client(world, "nurse"), _url(session, "addenda"), {"text": "x"}, 409)
    assert answer["state"] == "discharged"


# --- vitals: slots and idempotency ------------------------------------------------------------


def test_a_slot_recorded_by_someone_else_is_409_naming_who_and_when(world, session, physician2):
    session = walk(world, session, S.RUNNING, physician2)
    first = api_client(world, "nurse").post(_url(session, "vitals"), VITALS_BODY, format="json")
    assert first.status_code == 201
    answer = _refused(
        api_client(world, "physician"), _url(session, "vitals"), {**VITALS_BODY, "hr": 90}, 409
    )
    reading = VitalSign.objects.get(session=session, slot_minute=10)
    when = timezone.localtime(reading.taken_at).strftime("%H:%M")
    assert f"already recorded by {world.users['nurse']} at {when}" in answer["detail"]
    assert "slot_minute" in answer["errors"]
    assert reading.hr == VITALS_BODY["hr"]  # the first reading is kept


def test_a_retried_post_returns_the_same_reading_with_200_and_writes_nothing(
    world, session, physician2
):
    session = walk(world, session, S.RUNNING, physician2)
    nurse = api_client(world, "nurse")
    first = nurse.post(
        _url(session, "vitals"), VITALS_BODY, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert first.status_code == 201
    before = row_counts()
    again = nurse.post(
        _url(session, "vitals"), VITALS_BODY, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert row_counts() == before


def test_a_key_reused_for_another_reading_is_409(world, session, physician2):
    session = walk(world, session, S.RUNNING, physician2)
    nurse = api_client(world, "nurse")
    headers = {"HTTP_IDEMPOTENCY_KEY": "k2"}
    assert (
        nurse.post(_url(session, "vitals"), VITALS_BODY, format="json", **headers).status_code
        == 201
    )
    answer = _refused(
        nurse, _url(session, "vitals"), {**VITALS_BODY, "slot_minute": 20}, 409, **headers
    )
    assert "already used for the 10-min reading" in answer["errors"]["idempotency_key"][0]


def test_a_header_and_body_key_that_differ_are_refused(world, session, physician2):
    session = walk(world, session, S.RUNNING, physician2)
    body = _refused(
        api_client(world, "nurse"),
        _url(session, "vitals"),
        {**VITALS_BODY, "idempotency_key": "a"},
        400,
        HTTP_IDEMPOTENCY_KEY="b",
    )
    assert "idempotency_key" in body["errors"]


@pytest.mark.parametrize(
    "field, value",
    [("sbp", 32768), ("sbp", 2147483648), ("hr", 0), ("rr", -1), ("slot_minute", 32768)],
)
def test_vitals_outside_what_can_be_entered_are_a_400_naming_the_range(
    world, session, physician2, field, value
):
    """Once a server error ('smallint out of range'); now refused on the field, nothing written."""
    session = walk(world, session, S.RUNNING, physician2)
    body = _refused(
        api_client(world, "nurse"), _url(session, "vitals"), {**VITALS_BODY, field: value}, 400
    )
    assert field in body["errors"]
    assert "–" in body["errors"][field][0]


@pytest.mark.parametrize("value", [32767, 2147483648])
def test_a_check_in_blood_pressure_past_any_reading_is_a_400(world, session, value):
    body = _refused(
        api_client(world, "nurse"), _url(session, "check-in"), check_in_body(sbp=value), 400
    )
    assert "(1–400)" in body["errors"]["sbp"][0]
