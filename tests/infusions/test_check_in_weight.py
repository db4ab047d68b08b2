"""Weight plausibility where the weight is entered: the check-in compares today's weight with the
patient's last accepted weight and the median of the recent accepted ones. A change above the
protocol's 15% limit is a soft finding right there (a reason and a second clinician's
co-signature, the one soft-limit rule); such a weight is recorded but never silently becomes the
reference for later weights and dose checks. Service, page and API alike; every refusal writes
nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import CheckIn
from kitclinic.infusions.services import orders
from kitclinic.infusions.services.sessions.check_in import previous_weight_kg, session_check_in
from kitclinic.infusions.states import SessionState
from tests.infusions.api_support import check_in_body
from tests.infusions.helpers import advance, book, check_in_data, slot_time
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db

REWEIGHED = {"weight_change_above_soft_max": "Re-weighed twice: 180 kg on the clinic scale"}


def _checked_in_earlier(world, course, chair, weight: str, days: int) -> None:  # type: ignore[no-untyped-def]
    earlier = book(world, course, chair, slot_time(9, 0, days=-days))
    advance(world, earlier, SessionState.CHECKED_IN, weight_kg=weight)


@pytest.fixture
def today_at_82(world, course, chair):  # type: ignore[no-untyped-def]
    """Today's session of a patient whose last accepted weight is 82 kg."""
    _checked_in_earlier(world, course, chair, "82", days=7)
    return book(world, course, chair, slot_time(9, 0))


def _refused(call, *fields: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        call()
    assert row_counts() == before
    assert set(fields) <= set(refused.value.message_dict), refused.value.message_dict
    return refused.value.message_dict


def test_180_kg_for_an_82_kg_patient_is_refused_without_a_reason_and_a_cosigner(world, today_at_82):
    nurse = world.actor("nurse")

    def check_in(**kwargs):  # type: ignore[no-untyped-def]
        return lambda: session_check_in(
            actor=nurse, session=today_at_82, data=check_in_data(weight_kg="180", **kwargs)
        )

    errors = _refused(check_in(), "override_weight_change_above_soft_max", "cosigner")
    assert (
        "differs from the last accepted 82 kg" in errors["override_weight_change_above_soft_max"][0]
    )
    _refused(check_in(override_reasons=REWEIGHED), "cosigner")
    errors = _refused(
        check_in(override_reasons=REWEIGHED, cosigner=world.users["nurse"]), "cosigner"
    )
    assert "not the one overriding" in errors["cosigner"][0]
    errors = _refused(
        check_in(override_reasons=REWEIGHED, cosigner=world.users["front_desk"]), "cosigner"
    )
    assert "physician or nurse" in errors["cosigner"][0]
    _refused(check_in(cosigner=world.users["physician"]), "override_weight_change_above_soft_max")
    today_at_82.refresh_from_db()
    assert today_at_82.state == SessionState.SCHEDULED


def test_180_kg_overridden_is_recorded_but_is_not_a_reference(world, course, chair, today_at_82):
    check_in = session_check_in(
        actor=world.actor("nurse"),
        session=today_at_82,
        data=check_in_data(
            weight_kg="180", override_reasons=REWEIGHED, cosigner=world.users["physician"]
        ),
    )
    assert check_in.weight_kg == Decimal("180")
    assert check_in.previous_weight_kg == Decimal("82")
    assert check_in.weight_is_reference is False
    override = check_in.weight_overrides["weight_change_above_soft_max"]
    assert override["reason"] == REWEIGHED["weight_change_above_soft_max"]
    assert override["cosigned_by"] == world.users["physician"].pk
    audit = AuditEvent.objects.get(
        object_type="infusions.checkin", object_id=str(check_in.pk), action="create"
    )
    assert "weight_change_above_soft_max" in audit.detail
    # the next visit is compared with 82 kg, the last accepted weight, not with 180
    later = book(world, course, chair, slot_time(9, 0, days=3))
    assert previous_weight_kg(later) == Decimal("82")


def test_the_order_at_an_overridden_180_kg_does_not_pass_every_check(world, today_at_82):
    """0.4 mg/kg at 180 kg is 72 mg (0.87 mg/kg of the real 82 kg): the dose check compares with
    the last accepted 82 kg and asks again for a reason."""
    session = today_at_82
    session_check_in(
        actor=world.actor("nurse"),
        session=session,
        data=check_in_data(
            weight_kg="180", override_reasons=REWEIGHED, cosigner=world.users["physician"]
        ),
    )
    preview = orders.order_preview(
        session=session,
        check_in=CheckIn.objects.get(session=session),
        dose="0.4",
        duration_min="40",
        concentration_mg_per_ml="1",
        with_pk=False,
    )
    assert preview.check.dose_mg == Decimal("72.00")
    assert "weight_change_above_soft_max" in preview.soft_codes


def test_a_weight_within_the_limit_needs_nothing_and_is_a_reference(world, today_at_82):
    check_in = session_check_in(
        actor=world.actor("nurse"), session=today_at_82, data=check_in_data(weight_kg="84.5")
    )
    assert check_in.weight_is_reference and check_in.weight_overrides == {}


def test_outside_the_hard_limits_the_weight_is_refused_whatever_the_override(world, today_at_82):
    errors = _refused(
        lambda: session_check_in(
            actor=world.actor("nurse"),
            session=today_at_82,
            data=check_in_data(
                weight_kg="300", override_reasons=REWEIGHED, cosigner=world.users["physician"]
            ),
        ),
        "weight_kg",
    )
    assert "hard upper limit of 250 kg" in errors["weight_kg"][0]


def test_the_median_of_recent_accepted_weights_is_compared_too(world, course, chair, settings):
    """Accepted 80, 80, then 92 (within 15% of 80): 104 is within 15% of the last (92) but 30%
    above the median of the last three (80)."""
    for days, weight in ((30, "80"), (20, "80"), (10, "92")):
        _checked_in_earlier(world, course, chair, weight, days)
    today = book(world, course, chair, slot_time(9, 0))
    errors = _refused(
        lambda: session_check_in(
            actor=world.actor("nurse"), session=today, data=check_in_data(weight_kg="104")
        ),
        "override_weight_change_above_soft_max",
    )
    assert (
        "median 80 kg of the last 3 accepted" in errors["override_weight_change_above_soft_max"][0]
    )
    # with the median over the last accepted weight only, 104 passes
    settings.KITCLINIC_WEIGHT_REFERENCE_COUNT = 1
    check_in = session_check_in(
        actor=world.actor("nurse"), session=today, data=check_in_data(weight_kg="104")
    )
    assert check_in.weight_is_reference


def test_a_real_change_is_confirmed_by_the_next_visit(world, course, chair):
    """82 accepted; 100 overridden (not a reference); 99 at the next visit is overridden again
    against 82 but agrees with 100: it becomes the reference, and 100 kg then needs nothing."""
    _checked_in_earlier(world, course, chair, "82", days=20)
    nurse, cosign = world.actor("nurse"), {"cosigner": world.users["physician"]}
    reasons = {"override_reasons": {"weight_change_above_soft_max": "lost weight, re-weighed"}}
    second = book(world, course, chair, slot_time(9, 0, days=-10))
    first_override = session_check_in(
        actor=nurse, session=second, data=check_in_data(weight_kg="100", **reasons, **cosign)
    )
    assert not first_override.weight_is_reference
    third = book(world, course, chair, slot_time(9, 0, days=-5))
    confirmed = session_check_in(
        actor=nurse, session=third, data=check_in_data(weight_kg="99", **reasons, **cosign)
    )
    assert confirmed.weight_is_reference and confirmed.previous_weight_kg == Decimal("82")
    today = book(world, course, chair, slot_time(9, 0))
    plain = session_check_in(actor=nurse, session=today, data=check_in_data(weight_kg="100"))
    assert plain.weight_is_reference and plain.previous_weight_kg == Decimal("99")


# --- the page ----------------------------------------------------------------------------------


def _form(**changes: str) -> dict[str, str]:
    data = {
        "identity_confirmed": "on",
        "consent_on_file": "on",
        "fasting_confirmed": "on",
        "escort_confirmed": "on",
        "escort_name": "Lee Rivera",
        "weight_kg": "70",
        "weight_method": "measured",
        "pregnancy_status": "not_pregnant",
        "sbp": "124",
        "dbp": "78",
        "hr": "72",
        "rr": "14",
        "spo2": "98",
        "rating_answers": "1,1,2,2,1,2,2,2,0",
    }
    data.update(changes)
    return data


def test_the_page_shows_the_finding_and_asks_for_a_reason_and_a_cosigner(world, login, today_at_82):
    client = login("nurse")
    url = reverse("infusions-check-in", args=[today_at_82.pk])
    before = row_counts()
    response = client.post(url, _form(weight_kg="180"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "data-weight-findings" in page
    assert "Soft limit — reason and co-signature needed" in page
    assert 'name="override_weight_change_above_soft_max"' in page
    assert 'name="cosigner"' in page
    assert row_counts() == before
    physician = world.users["physician"]
    response = client.post(
        url,
        _form(
            weight_kg="180",
            override_weight_change_above_soft_max="Re-weighed: 180 kg",
            cosigner=str(physician.pk),
        ),
    )
    assert response.status_code == 302
    check_in = CheckIn.objects.get(session=today_at_82)
    assert not check_in.weight_is_reference
    assert check_in.weight_overrides["weight_change_above_soft_max"]["cosigned_by"] == physician.pk


# --- the API ------------------------------------------------------------------------------------


def test_the_api_refuses_180_kg_without_override_and_accepts_it_with_one(world, today_at_82):
    client = api_client(world, "nurse")
    url = f"/api/v1/sessions/{today_at_82.pk}/check-in/"
    before = row_counts()
    response = client.post(url, check_in_body(weight_kg="180"), format="json")
    assert response.status_code == 400
    assert {"override_weight_change_above_soft_max", "cosigner"} <= set(response.json()["errors"])
    response = client.post(
        url,
        check_in_body(weight_kg="180", override_reasons=REWEIGHED, cosigner=999999),
        format="json",
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["cosigner"]
    assert row_counts() == before
    response = client.post(
        url,
        check_in_body(
            weight_kg="180", override_reasons=REWEIGHED, cosigner=world.users["physician"].pk
        ),
        format="json",
    )
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert body["weight_is_reference"] is False
    assert body["previous_weight_kg"] == "82.00"
    assert body["weight_overrides"]["weight_change_above_soft_max"]["cosigned_by"] == (
        world.users["physician"].pk
    )
