"""The payments API: the same rules as the pages, JSON errors naming the field, 403 and 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from kitclinic.payments.models import Payment
from tests.payments.helpers import pay

pytestmark = pytest.mark.django_db


def test_the_front_desk_records_and_lists_payments(world, patient, client_for):
    client = client_for("front_desk")
    url = f"/api/v1/patients/{patient.pk}/payments/"
    created = client.post(url, {"amount": "120.50", "method": "card"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["receipt_number"] == "000001"
    assert created.json()["net_amount"] == "120.50"
    listed = client.get(url).json()
    assert [p["amount"] for p in listed] == ["120.50"]


def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(world, patient, client_for):
    client = client_for("front_desk")
    url = f"/api/v1/patients/{patient.pk}/payments/"
    for body, field in [
        ({"amount": "0", "method": "card"}, "amount"),
        ({"amount": "1.001", "method": "card"}, "amount"),
        ({"amount": "10", "method": "gold"}, "method"),
        ({"amount": "10", "method": "card", "colour": "red"}, "colour"),
        ({"amount": "10", "method": "card", "purpose": "session", "session": 999999}, "session"),
    ]:
        response = client.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.content.decode(), body
    assert not Payment.objects.exists()


def test_refund_and_void_through_the_api(world, patient, client_for):
    payment = pay(world, patient, "100.00")
    admin = client_for("clinic_admin")
    over = admin.post(
        f"/api/v1/payments/{payment.pk}/refunds/",
        {"amount": "100.01", "reason": "x"},
        format="json",
    )
    assert over.status_code == 400 and "amount" in over.json()["errors"]
    ok = admin.post(
        f"/api/v1/payments/{payment.pk}/refunds/",
        {"amount": "40.00", "reason": "Late"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["net_amount"] == "-40.00"
    void = admin.post(f"/api/v1/payments/{payment.pk}/void/", {"reason": "Wrong"}, format="json")
    assert void.status_code == 201 and void.json()["amount"] == "60.00"
    desk = client_for("front_desk")
    assert (
        desk.post(
            f"/api/v1/payments/{payment.pk}/void/", {"reason": "x"}, format="json"
        ).status_code
        == 403
    )
    other = client_for("other_org")
    assert other.get(f"/api/v1/patients/{patient.pk}/payments/").status_code == 404
    assert (
        other.post(
            f"/api/v1/payments/{payment.pk}/void/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )


def test_takings_and_packages(world, patient, client_for):
    pay(world, patient, "100.00", method="cash")
    day = timezone.localdate(timezone=world.clinic.zone).isoformat()
    body = client_for("auditor").get(f"/api/v1/payments/takings/?day={day}").json()
    assert body["net"] == {"USD": "100.00"} and len(body["entries"]) == 1
    assert client_for("nurse").get(f"/api/v1/payments/takings/?day={day}").status_code == 403
    assert client_for("front_desk").get("/api/v1/payments/takings/?day=x").status_code == 400
    assert client_for("front_desk").get(f"/api/v1/patients/{patient.pk}/packages/").json() == []
    assert Decimal(body["totals"][0]["received"]) == Decimal("100.00")
