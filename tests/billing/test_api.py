"""The billing API: the same services as the pages, JSON errors naming the field, nothing
written on bad input, 403 for a role and 404 across organizations."""

from __future__ import annotations

import datetime as dt

import pytest

from kitclinic.billing.models import FeeSchedule, GoodFaithEstimate, Superbill
from kitclinic.billing.selectors import clinic_today
from tests.support.clients import api_client

pytestmark = pytest.mark.django_db


def test_fee_schedules_list_and_publish(world, billing):
    admin = api_client(world, "clinic_admin")
    listed = admin.get("/api/v1/billing/fee-schedules/")
    assert listed.status_code == 200 and listed.json()[0]["items"][0]["code"] == "96365"
    today = clinic_today(world.clinic).isoformat()
    bad = admin.post(
        "/api/v1/billing/fee-schedules/",
        {"currency": "USD", "effective_from": today, "prices": {"96365": "1.001"}},
        format="json",
    )
    assert bad.status_code == 400 and "price_96365" in bad.content.decode()
    unknown = admin.post(
        "/api/v1/billing/fee-schedules/",
        {"currency": "USD", "effective_from": today, "prices": {}, "extra": 1},
        format="json",
    )
    assert unknown.status_code == 400
    assert FeeSchedule.objects.count() == 1
    done = admin.post(
        "/api/v1/billing/fee-schedules/",
        {"currency": "USD", "effective_from": today, "prices": {"96365": "460"}},
        format="json",
    )
    assert done.status_code == 201 and done.json()["version"] == 2
    front = api_client(world, "front_desk").post(
        "/api/v1/billing/fee-schedules/",
        {"currency": "USD", "effective_from": today, "prices": {"96365": "1"}},
        format="json",
    )
    assert front.status_code == 403


def test_estimates_issue_list_and_sign(world, patient, billing):
    today = clinic_today(world.clinic)
    client = api_client(world, "front_desk")
    body = {
        "kind": "iv_ketamine",
        "sessions": 6,
        "minutes": 100,
        "scheduled_on": today.isoformat(),
        "first_service_on": (today + dt.timedelta(days=2)).isoformat(),
        "last_service_on": (today + dt.timedelta(days=30)).isoformat(),
        "provider": world.users["physician"].pk,
    }
    url = f"/api/v1/billing/patients/{patient.pk}/estimates/"
    bad = client.post(url, {**body, "minutes": 2000}, format="json")
    assert bad.status_code == 400 and "minutes" in bad.content.decode()
    assert not GoodFaithEstimate.objects.exists()
    done = client.post(url, body, format="json")
    assert done.status_code == 201, done.content
    data = done.json()
    # 100 minutes: 96365 + 96366 per session, 6 sessions
    assert [(x["code"], x["units"]) for x in data["content"]["lines"]] == [
        ("96365", 6),
        ("96366", 6),
    ]
    assert data["total"] == "3600.00"
    assert client.get(url).json()[0]["id"] == data["id"]
    signature = f"/api/v1/billing/estimates/{data['id']}/signature/"
    assert api_client(world, "auditor").post(signature, {}, format="json").status_code == 403
    assert client.post(signature, {}, format="json").status_code == 200
    assert client.post(signature, {}, format="json").status_code == 400
    assert api_client(world, "other_org").get(url).status_code == 404
    assert api_client(world, "nurse").get(url).status_code == 403


def test_superbills_issue_and_list(world, patient, billing, signed):
    today = clinic_today(world.clinic)
    client = api_client(world, "front_desk")
    url = f"/api/v1/billing/patients/{patient.pk}/superbills/"
    bad = client.post(
        url, {"period_start": "not a date", "period_end": today.isoformat()}, format="json"
    )
    assert bad.status_code == 400 and not Superbill.objects.exists()
    done = client.post(
        url,
        {
            "period_start": (today - dt.timedelta(days=7)).isoformat(),
            "period_end": today.isoformat(),
        },
        format="json",
    )
    assert done.status_code == 201, done.content
    assert done.json()["total_charges"] == "450.00"
    assert [s["id"] for s in client.get(url).json()] == [done.json()["id"]]
