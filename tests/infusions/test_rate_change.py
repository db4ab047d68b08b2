"""A rate change under the one soft-limit rule, for the service, the page and the API alike.

The reported case: a 0.5 mg/kg order for 82.4 kg (41.2 mg over 40 min at 1 mg/mL: 61.8 mL/h,
VTBI 41.2 mL). Ten minutes in, 10.3 mL are in. 80 mL/h is 0.971 mg/kg/h (above the 0.75 soft
rate limit, below the 1 hard limit) and runs the 30.9 mL left in 23.175 min: 33.2 min in all,
below the 40-min soft minimum duration (above the 30-min hard one). Two soft findings, so two
reasons and a second clinician."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import EventKind, SessionEvent
from kitclinic.infusions.services.infusion import pump
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import advance, clock_at
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
S = SessionState
SOFT = {"rate_above_soft_max": "agitation settled, clinician asked", "duration_below_soft_min": "x"}


@pytest.fixture
def running(world, session):
    return advance(world, session, S.RUNNING, elapsed_min=10, weight_kg=Decimal("82.4"))


def _ten(session):  # type: ignore[no-untyped-def]
    return clock_at(session.started_at + dt.timedelta(minutes=10))


def _change(world, session, rate: str = "80", **kwargs):  # type: ignore[no-untyped-def]
    with _ten(session):
        return pump.infusion_rate_change(
            actor=world.actor("nurse"),
            session=session,
            rate_ml_per_h=rate,
            reason=kwargs.pop("reason", "patient asked to finish sooner"),
            **kwargs,
        )


def _refused(call) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        call()
    assert row_counts() == before
    return refused.value.message_dict


def test_a_soft_rate_needs_a_reason_per_finding_and_a_second_clinician(world, running):
    errors = _refused(lambda: _change(world, running))
    assert set(errors) == {
        "override_rate_above_soft_max",
        "override_duration_below_soft_min",
        "cosigner",
    }
    assert (
        "Rate 0.971 mg/kg/h is above the soft upper limit"
        in (errors["override_rate_above_soft_max"][0])
    )
    assert (
        "Total infusion time 33.2 min is below the soft lower limit of 40 min"
        in (errors["override_duration_below_soft_min"][0])
    )
    # a reason is not enough, and the one overriding cannot co-sign
    errors = _refused(
        lambda: _change(world, running, override_reasons=SOFT, cosigner=world.users["nurse"])
    )
    assert list(errors) == ["cosigner"] and "second clinician" in errors["cosigner"][0]
    errors = _refused(
        lambda: _change(world, running, override_reasons=SOFT, cosigner=world.users["front_desk"])
    )
    assert "physician or nurse" in errors["cosigner"][0]


def test_a_co_signed_soft_rate_is_recorded_with_its_findings_overrides_and_plan(world, running):
    event = _change(world, running, override_reasons=SOFT, cosigner=world.users["physician"])
    assert (event.kind, event.rate_ml_per_h) == (EventKind.RATE_CHANGE, Decimal(80))
    detail = event.detail
    assert detail["from_ml_per_h"] == "61.80"
    assert (detail["delivered_ml"], detail["remaining_ml"]) == ("10.300", "30.900")
    assert detail["projected_total_min"] == "33.2"
    assert {f["code"] for f in detail["findings"]} == set(SOFT)
    assert set(detail["overrides"]) == set(SOFT)
    assert detail["overrides"]["rate_above_soft_max"]["cosigned_by"] == world.users["physician"].pk
    assert AuditEvent.objects.filter(object_id=str(event.pk), action="create").exists()


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("90", "Rate 1.092 mg/kg/h is above the hard upper limit"),
        # slower: the 30.9 mL left at 20 mL/h take 92.7 min, 102.7 min in all
        ("20", "Total infusion time 102.7 min is above the hard upper limit of 100 min"),
    ],
)
def test_a_hard_finding_refuses_the_change_on_the_rate_whatever_is_offered(
    world, running, rate, message
):
    errors = _refused(
        lambda: _change(
            world,
            running,
            rate=rate,
            override_reasons={"rate_above_hard_max": "x", "duration_above_hard_max": "x"},
            cosigner=world.users["physician"],
        )
    )
    assert message in errors["rate_ml_per_h"][0]


def test_a_rate_within_every_limit_needs_no_override(world, running):
    # 45 mL/h = 0.546 mg/kg/h; 30.9 mL take 41.2 min: 51.2 min in all
    event = _change(world, running, rate="45")
    assert event.detail["overrides"] == {} and event.detail["projected_total_min"] == "51.2"


def test_once_the_ordered_volume_is_in_the_rate_cannot_be_changed(world, session):
    full = advance(world, session, S.RUNNING, weight_kg=Decimal("82.4"))  # 40 min ago
    errors = _refused(
        lambda: pump.infusion_rate_change(
            actor=world.actor("nurse"), session=full, rate_ml_per_h="30", reason="slower"
        )
    )
    assert "must not deliver more than ordered" in errors["rate_ml_per_h"][0]


def test_the_reason_for_the_change_is_always_required(world, running):
    errors = _refused(lambda: _change(world, running, rate="45", reason=" "))
    assert list(errors) == ["reason"]


@pytest.mark.parametrize("rate", ["0", "-5", "abc", "45.001", "1e9"])
def test_a_malformed_rate_is_refused_on_the_rate(world, running, rate):
    errors = _refused(lambda: _change(world, running, rate=rate))
    assert list(errors) == ["rate_ml_per_h"]


# --- the API ----------------------------------------------------------------------------------


def test_the_api_names_each_override_and_the_cosigner_and_writes_nothing(world, running):
    client = api_client(world, "nurse")
    url = f"/api/v1/sessions/{running.pk}/rate/"
    body = {"rate_ml_per_h": "80", "reason": "asked"}
    before = row_counts()
    with _ten(running):
        refused = client.post(url, body, format="json")
        unknown = client.post(
            url, {**body, "override_reasons": SOFT, "cosigner": 99999}, format="json"
        )
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {
        "override_rate_above_soft_max",
        "override_duration_below_soft_min",
        "cosigner",
    }
    assert unknown.status_code == 400 and "cosigner" in unknown.json()["errors"]
    assert row_counts() == before
    with _ten(running):
        done = client.post(
            url,
            {**body, "override_reasons": SOFT, "cosigner": world.users["physician"].pk},
            format="json",
        )
    assert done.status_code == 201, done.json()
    overrides = done.json()["detail"]["overrides"]
    assert overrides["duration_below_soft_min"]["cosigned_by_name"]


# --- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_findings_and_asks_for_reasons_and_a_cosigner(world, running, login):
    client = login("nurse")
    url = reverse("infusions-rate-change", args=[running.pk])
    with _ten(running):
        page = client.get(url).content.decode()
    assert "61.8 mL/h" in page and "10.3 mL = 10.3 mg" in page
    before = row_counts()
    with _ten(running):
        response = client.post(url, {"rate_ml_per_h": "80", "reason": "asked"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Soft limit — reason and co-signature needed" in page
    assert 'name="override_rate_above_soft_max"' in page and 'name="cosigner"' in page
    assert "VTBI <strong>30.9 mL</strong>" in page
    assert row_counts() == before
    with _ten(running):
        response = client.post(
            url,
            {
                "rate_ml_per_h": "80",
                "reason": "asked",
                "override_rate_above_soft_max": "settled",
                "override_duration_below_soft_min": "short session tolerated before",
                "cosigner": str(world.users["physician"].pk),
            },
        )
    assert response.status_code == 302
    event = SessionEvent.objects.get(session=running, kind=EventKind.RATE_CHANGE)
    assert set(event.detail["overrides"]) == set(SOFT)


def test_the_page_refuses_a_hard_rate_on_the_rate_field(world, running, login):
    client = login("nurse")
    before = row_counts()
    with _ten(running):
        response = client.post(
            reverse("infusions-rate-change", args=[running.pk]),
            {"rate_ml_per_h": "90", "reason": "asked"},
        )
    assert response.status_code == 422
    assert "Hard limit — refused" in response.content.decode()
    assert response.context["form"].errors["rate_ml_per_h"]
    assert row_counts() == before
