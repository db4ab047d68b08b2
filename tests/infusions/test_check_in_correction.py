"""Correcting a check-in before the order: a correction, not an edit. The check-in stays as
recorded; the correction (values, reason, who, when) is added beside it and audited, and the
order is checked against it. A corrected weight goes through the same plausibility rule. Only
while checked in; every refusal writes nothing. Service, page and API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import CheckIn, CheckInCorrection
from kitclinic.infusions.services import orders
from kitclinic.infusions.services.corrections import check_in_correct, effective_check_in
from kitclinic.infusions.services.sessions.check_in import session_check_in
from kitclinic.infusions.states import SessionState, StepOutOfOrder
from tests.infusions.helpers import advance, book, check_in_data, slot_time
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db

REASON = "Entered 180 for 82: scale read in lb; re-weighed 82 kg"
OVERRIDDEN = {"weight_change_above_soft_max": "Re-weighed: 180 kg"}
LOW_DOSE = {"dose": "0.4", "duration_min": "40", "concentration_mg_per_ml": "1"}


@pytest.fixture
def at_180(world, course, chair):  # type: ignore[no-untyped-def]
    """Today's session checked in at 180 kg (overridden, co-signed) for an 82 kg patient."""
    earlier = book(world, course, chair, slot_time(9, 0, days=-7))
    advance(world, earlier, SessionState.CHECKED_IN, weight_kg="82")
    session = book(world, course, chair, slot_time(9, 0))
    session_check_in(
        actor=world.actor("nurse"),
        session=session,
        data=check_in_data(
            weight_kg="180", override_reasons=OVERRIDDEN, cosigner=world.users["physician"]
        ),
    )
    session.refresh_from_db()
    return session


def _refused(call, match: str | None = None, exc=ValidationError):  # type: ignore[no-untyped-def]
    before = row_counts()
    with pytest.raises(exc, match=match):
        call()
    assert row_counts() == before


def test_the_82_to_180_case_corrected_orders_32_8_mg(world, at_180):
    """The wrong 180 kg is corrected to 82 kg: 0.4 mg/kg is then 32.8 mg, with no weight
    finding, and the check-in still shows what was entered."""
    correction = check_in_correct(
        actor=world.actor("nurse"), session=at_180, reason=REASON, weight_kg="82"
    )
    assert correction.weight_kg == Decimal("82")
    assert correction.weight_is_reference is True and correction.weight_overrides == {}
    assert correction.previous_weight_kg == Decimal("82")
    assert correction.corrected_by == world.users["nurse"]
    check_in = CheckIn.objects.get(session=at_180)
    assert check_in.weight_kg == Decimal("180")  # the original stays as recorded
    assert effective_check_in(check_in).weight_kg == Decimal("82")
    audit = AuditEvent.objects.get(
        object_type="infusions.checkincorrection", object_id=str(correction.pk)
    )
    assert audit.actor == world.users["nurse"] and REASON in audit.detail
    assert audit.changes["weight_kg"] == ["180.00", "82.00"]
    assert audit.changes["weight_is_reference"] == [False, True]
    order = orders.order_place(actor=world.actor("physician"), session=at_180, **LOW_DOSE)
    assert order.weight_kg == Decimal("82")
    assert order.dose_mg == Decimal("32.80")
    assert order.overrides == {}
    at_180.refresh_from_db()
    assert at_180.state == SessionState.ORDERED


def test_a_corrected_weight_goes_through_the_same_rule(world, course, chair):
    session = book(world, course, chair, slot_time(9, 0))
    earlier = book(world, course, chair, slot_time(9, 0, days=-7))
    advance(world, earlier, SessionState.CHECKED_IN, weight_kg="82")
    session_check_in(
        actor=world.actor("nurse"), session=session, data=check_in_data(weight_kg="83")
    )
    nurse = world.actor("nurse")
    _refused(
        lambda: check_in_correct(actor=nurse, session=session, reason="typo", weight_kg="180"),
        "Give the reason for overriding",
    )
    _refused(
        lambda: check_in_correct(actor=nurse, session=session, reason="typo", weight_kg="300"),
        "hard upper limit of 250 kg",
    )
    correction = check_in_correct(
        actor=nurse,
        session=session,
        reason="re-weighed",
        weight_kg="180",
        override_reasons=OVERRIDDEN,
        cosigner=world.users["physician"],
    )
    assert correction.weight_is_reference is False
    assert correction.weight_overrides["weight_change_above_soft_max"]["cosigned_by"] == (
        world.users["physician"].pk
    )


def test_refusals_name_the_field_and_write_nothing(world, at_180):
    nurse = world.actor("nurse")
    _refused(
        lambda: check_in_correct(actor=nurse, session=at_180, reason="", weight_kg="82"),
        "Give the reason for the correction",
    )
    _refused(
        lambda: check_in_correct(actor=nurse, session=at_180, reason="x", weight_kg="abc"),
        "as a number",
    )
    _refused(
        lambda: check_in_correct(actor=nurse, session=at_180, reason="x", weight_kg="180"),
        "Nothing to correct",
    )
    _refused(
        lambda: check_in_correct(
            actor=nurse, session=at_180, reason="x", pregnancy_status="not_applicable"
        ),
        "Required for this patient",
    )
    _refused(
        lambda: check_in_correct(
            actor=world.actor("front_desk"), session=at_180, reason="x", weight_kg="82"
        ),
        exc=PermissionDenied,
    )


def test_no_correction_once_the_order_is_placed(world, session):
    session = advance(world, session, SessionState.ORDERED)
    _refused(
        lambda: check_in_correct(
            actor=world.actor("nurse"), session=session, reason="typo", weight_kg="71"
        ),
        "Cannot correct the check-in: the session is ordered",
        exc=StepOutOfOrder,
    )


def test_a_corrected_pregnancy_status_recomputes_the_gate(world, session):
    session = advance(world, session, SessionState.CHECKED_IN, pregnancy_status="unknown")
    assert [g["code"] for g in CheckIn.objects.get(session=session).gate_failures] == ["pregnancy"]
    correction = check_in_correct(
        actor=world.actor("nurse"),
        session=session,
        reason="Test result came back negative",
        pregnancy_status="not_pregnant",
    )
    assert correction.gate_failures == []
    assert correction.weight_kg == Decimal("70")
    # the gate no longer asks for a reason at the order
    order = orders.order_place(actor=world.actor("physician"), session=session, **LOW_DOSE)
    assert order.overrides == {}


def test_a_correction_is_never_edited(world, at_180):
    correction = check_in_correct(
        actor=world.actor("nurse"), session=at_180, reason=REASON, weight_kg="82"
    )
    correction.reason = "something else"
    with pytest.raises(ValueError, match="cannot be edited"):
        correction.save()


def test_a_later_correction_supersedes_the_earlier_one(world, at_180):
    nurse = world.actor("nurse")
    check_in_correct(actor=nurse, session=at_180, reason="first re-weigh", weight_kg="82")
    check_in_correct(actor=nurse, session=at_180, reason="scale recalibrated", weight_kg="81.6")
    effective = effective_check_in(CheckIn.objects.get(session=at_180))
    assert effective.weight_kg == Decimal("81.6")
    assert CheckInCorrection.objects.filter(session=at_180).count() == 2


# --- the page ----------------------------------------------------------------------------------


def test_the_session_page_offers_the_correction_and_shows_the_original_struck_through(
    world, login, at_180
):
    url = reverse("infusions-session", args=[at_180.pk])
    correct = reverse("infusions-check-in-correct", args=[at_180.pk])
    assert f'href="{correct}"' in login("nurse").get(url).content.decode()
    assert f'href="{correct}"' not in login("front_desk").get(url).content.decode()
    client = login("nurse")
    before = row_counts()
    refused = client.post(correct, {"weight_kg": "82", "reason": ""})
    assert refused.status_code == 422 and row_counts() == before
    response = client.post(correct, {"weight_kg": "82", "reason": REASON})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "<del data-original-weight" in page and ">180 kg</del>" in page
    assert "<ins data-corrected-weight>82 kg</ins>" in page
    assert REASON in page and "Check-in corrected" in page


def test_the_correction_page_asks_for_an_override_of_an_implausible_weight(world, login, at_180):
    client = login("nurse")
    url = reverse("infusions-check-in-correct", args=[at_180.pk])
    before = row_counts()
    response = client.post(url, {"weight_kg": "150", "reason": "re-weighed"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "data-weight-findings" in page and "differs from the last accepted 82 kg" in page
    assert 'name="override_weight_change_above_soft_max"' in page and 'name="cosigner"' in page
    assert row_counts() == before
    response = client.post(
        url,
        {
            "weight_kg": "150",
            "reason": "re-weighed",
            "override_weight_change_above_soft_max": "Re-weighed on two scales",
            "cosigner": str(world.users["physician"].pk),
        },
    )
    assert response.status_code == 302
    correction = CheckInCorrection.objects.get(session=at_180)
    assert correction.weight_kg == Decimal("150") and not correction.weight_is_reference


# --- the API ------------------------------------------------------------------------------------


def test_the_api_corrects_the_check_in_and_the_preview_uses_the_correction(
    world, at_180, physician2
):
    nurse = api_client(world, "nurse")
    url = f"/api/v1/sessions/{at_180.pk}/check-in/correct/"
    before = row_counts()
    response = nurse.post(url, {"weight_kg": "82"}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["reason"]
    response = nurse.post(url, {"weight_kg": "82", "reason": "x", "oops": 1}, format="json")
    assert response.status_code == 400 and "oops" in response.json()["errors"]
    assert row_counts() == before
    response = nurse.post(url, {"weight_kg": "82", "reason": REASON}, format="json")
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert body["weight_kg"] == "82.00" and body["weight_is_reference"] is True
    assert body["corrected_by"]["id"] == world.users["nurse"].pk
    preview = api_client(world, "physician").post(
        f"/api/v1/sessions/{at_180.pk}/order-preview/", LOW_DOSE, format="json"
    )
    assert preview.status_code == 200
    assert Decimal(preview.json()["dose_mg"]) == Decimal("32.8")
    detail = api_client(world, "physician").get(f"/api/v1/sessions/{at_180.pk}/").json()
    assert detail["check_in"]["weight_kg"] == "180.00"
    assert [c["weight_kg"] for c in detail["check_in_corrections"]] == ["82.00"]


def test_the_api_refuses_a_correction_after_the_order_with_409(world, session, physician2):
    from tests.infusions.api_support import walk

    session = walk(world, session, SessionState.ORDERED, physician2)
    before = row_counts()
    response = api_client(world, "nurse").post(
        f"/api/v1/sessions/{session.pk}/check-in/correct/",
        {"weight_kg": "71", "reason": "typo"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["state"] == "ordered"
    assert row_counts() == before
