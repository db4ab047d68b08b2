"""The payment pages for each persona: what they show, what they write, 403 for a role that may
not, 404 across organizations, 422 with nothing written on bad input; receipts and takings as
PDF and CSV."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.payments.models import Kind, PackageType, Payment
from kitclinic.payments.services.packages import package_buy
from tests.payments.helpers import pay

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_the_front_desk_records_a_payment_from_the_chart_and_sees_its_receipt(
    world, patient, login
):
    client = login("front_desk")
    chart = client.get(f"/patients/{patient.pk}/").content.decode()
    assert f"/patients/{patient.pk}/payments/new/" in chart
    response = client.post(
        f"/patients/{patient.pk}/payments/new/",
        {"amount": "450.00", "method": "cash", "purpose": "account", "reference": ""},
    )
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/payments/{payment.pk}/"
    page = client.get(f"/payments/{payment.pk}/").content.decode()
    assert "Receipt 000001" in page and "450.00 USD" in page
    listing = client.get(f"/patients/{patient.pk}/payments/").content.decode()
    assert "000001" in listing and "Refund" not in listing.split("Payments and refunds")[1]


def test_a_bad_amount_shows_the_form_again_with_422_and_writes_nothing(world, patient, login):
    client = login("front_desk")
    events = AuditEvent.objects.count()
    response = client.post(
        f"/patients/{patient.pk}/payments/new/",
        {"amount": "12.345", "method": "cash", "purpose": "account"},
    )
    assert response.status_code == 422
    assert "decimal" in response.content.decode().lower()
    assert not Payment.objects.exists() and AuditEvent.objects.count() == events


def test_the_clinic_admin_refunds_and_voids_on_the_pages(world, patient, login):
    payment = pay(world, patient, "100.00")
    client = login("clinic_admin")
    over = client.post(
        f"/payments/{payment.pk}/refund/", {"amount": "100.01", "method": "card", "reason": "x"}
    )
    assert over.status_code == 422 and "Must be at most 100.00" in over.content.decode()
    ok = client.post(
        f"/payments/{payment.pk}/refund/", {"amount": "30.00", "method": "card", "reason": "Late"}
    )
    assert ok.status_code == 302
    void = client.post(f"/payments/{payment.pk}/void/", {"reason": "Wrong patient"})
    assert void.status_code == 302
    assert sorted(Payment.objects.values_list("kind", "amount")) == [
        (Kind.PAYMENT, Decimal("100.00")),
        (Kind.REFUND, Decimal("30.00")),
        (Kind.VOID, Decimal("70.00")),
    ]


@pytest.mark.parametrize("persona", ["front_desk", "physician", "nurse", "auditor"])
def test_only_the_clinic_admin_reaches_refund_and_void(world, patient, login, persona):
    payment = pay(world, patient, "100.00")
    client = login(persona)
    assert client.get(f"/payments/{payment.pk}/refund/").status_code == 403
    assert client.post(f"/payments/{payment.pk}/void/", {"reason": "x"}).status_code == 403
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("persona", ["physician", "nurse"])
def test_physicians_and_nurses_do_not_see_payments(world, patient, login, persona):
    payment = pay(world, patient)
    client = login(persona)
    assert client.get(f"/patients/{patient.pk}/payments/").status_code == 403
    assert client.get(f"/payments/{payment.pk}/receipt.pdf").status_code == 403
    assert client.get("/payments/takings/").status_code == 403
    assert (
        f"/patients/{patient.pk}/payments/"
        not in client.get(f"/patients/{patient.pk}/").content.decode()
    )


def test_another_organizations_payment_is_404(world, patient, login):
    payment = pay(world, patient)
    client = login("other_org")
    for url in (
        f"/payments/{payment.pk}/",
        f"/payments/{payment.pk}/receipt.pdf",
        f"/payments/{payment.pk}/refund/",
        f"/patients/{patient.pk}/payments/",
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(f"/payments/{payment.pk}/").status_code == 404


def test_the_receipt_pdf_says_in_plain_words_what_was_paid_and_is_audited(world, patient, login):
    payment = pay(world, patient, "450.00", reference="slip 42")
    response = login("front_desk").get(f"/payments/{payment.pk}/receipt.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for words in (
        "Receipt",
        "000001",
        "450.00 USD",
        "Card",
        "slip 42",
        patient.display_name,
        "Payment on account",
    ):
        assert words in text, words
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_id=str(payment.pk), patient_id=patient.pk
    ).exists()


def test_the_takings_page_csv_and_pdf_show_the_days_entries_and_totals(world, patient, login):
    payment = pay(world, patient, "450.00", method="cash")
    pay(world, patient, "50.00", method="card")
    from kitclinic.payments.services.ledger import payment_refund

    payment_refund(actor=world.actor("clinic_admin"), payment=payment, amount="20.00", reason="r")
    day = timezone.localdate(timezone=world.clinic.zone).isoformat()
    client = login("front_desk")
    page = client.get(f"/payments/takings/?day={day}").content.decode()
    assert "Net USD" in page and "480.00" in page
    csv = client.get(f"/payments/takings/?day={day}&format=csv").content.decode()
    assert "net,,USD,,,480.00," in csv
    pdf = client.get(f"/payments/takings/?day={day}&format=pdf")
    assert "480.00" in pdf_text(pdf.content)
    assert client.get("/payments/takings/?day=notaday").status_code == 400
    assert client.get("/payments/takings/?day=3000-01-01").status_code == 400


def test_the_clinic_admin_sets_the_currency_and_defines_and_retires_packages(world, patient, login):
    client = login("clinic_admin")
    assert client.get("/payments/setup/").status_code == 200
    bad = client.post(
        "/payments/setup/", {"form": "package", "name": "Six", "sessions": "0", "price": "10"}
    )
    assert bad.status_code == 422 and not PackageType.objects.exists()
    client.post(
        "/payments/setup/", {"form": "package", "name": "Six", "sessions": "6", "price": "2400"}
    )
    package = PackageType.objects.get()
    buy = login("front_desk").post(
        f"/patients/{patient.pk}/packages/buy/", {"package_type": package.pk, "method": "card"}
    )
    assert buy.status_code == 302
    listing = login("front_desk").get(f"/patients/{patient.pk}/payments/").content.decode()
    assert "Six" in listing and "2400.00" in listing
    client.post("/payments/setup/", {"form": "retire", "package_type": package.pk})
    package.refresh_from_db()
    assert not package.is_active
    client.post(
        "/payments/setup/", {"form": "settings", "currency": "EUR", "package_refund_rule": "none"}
    )
    assert pay(world, patient, "1.00").currency == "EUR"
    assert login("front_desk").get("/payments/setup/").status_code == 403


def test_a_package_refund_on_the_page_gives_back_the_unused_sessions(
    world, patient, login, six_pack
):
    paid = package_buy(
        actor=world.actor("front_desk"), patient=patient, package_type=six_pack, method="card"
    )
    client = login("clinic_admin")
    page = client.get(f"/payments/{paid.pk}/refund/").content.decode()
    assert "0 of 6 sessions used" in page
    assert (
        client.post(
            f"/payments/{paid.pk}/refund/", {"method": "card", "reason": "Moving"}
        ).status_code
        == 302
    )
    assert Payment.objects.get(kind=Kind.REFUND).amount == Decimal("2400.00")


def test_reading_a_patients_payments_or_a_receipt_is_audited_as_a_view_of_the_patient(
    world, patient, login
):
    payment = pay(world, patient)
    client = login("auditor")
    for url in (f"/patients/{patient.pk}/payments/", f"/payments/{payment.pk}/"):
        last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        assert client.get(url).status_code == 200
        views = AuditEvent.objects.filter(
            id__gt=last, action=AuditAction.VIEW, actor=world.users["auditor"]
        )
        assert [e.patient_id for e in views] == [patient.pk], url
