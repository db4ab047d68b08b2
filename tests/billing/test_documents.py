"""Good Faith Estimates ([nsa-gfe]) and superbills: contents, timing, versions, signatures;
priced from the fee schedule in force; bad input writes nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from kitclinic.audit.models import AuditEvent
from kitclinic.billing import reports
from kitclinic.billing.models import GoodFaithEstimate, Superbill
from kitclinic.billing.selectors import clinic_today
from kitclinic.billing.services.estimates import estimate_issue, estimate_signature_record
from kitclinic.billing.services.superbills import superbill_issue
from kitclinic.billing_codes.estimates import add_business_days
from tests.billing.helpers import PHYSICIAN_NPI, PRICES, publish

pytestmark = pytest.mark.django_db


def _issue(world, patient, **change):  # type: ignore[no-untyped-def]
    today = clinic_today(world.clinic)
    values = {
        "kind": "iv_ketamine",
        "sessions": 6,
        "minutes": 40,
        "scheduled_on": today,
        "first_service_on": today + dt.timedelta(days=21),
        "last_service_on": today + dt.timedelta(days=35),
        "provider_id": world.users["physician"].pk,
        **change,
    }
    return estimate_issue(actor=world.actor("front_desk"), patient=patient, **values)


def _pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_an_estimate_itemizes_codes_prices_and_says_what_the_rule_requires(world, patient, billing):
    estimate = _issue(world, patient)
    doc = estimate.content
    # 6 infusions of 40 minutes: 96365 x6 at 450.00
    assert doc["lines"] == [
        {
            "code": "96365",
            "description": doc["lines"][0]["description"],
            "units": 6,
            "unit_price": "450.00",
            "amount": "2700.00",
        }
    ]
    assert estimate.total == Decimal("2700.00") and estimate.currency == "USD"
    assert doc["provider"]["npi"] == PHYSICIAN_NPI
    assert doc["facility"]["npi"] and doc["facility"]["tax_id"] == "12-3456789"
    assert doc["patient"]["date_of_birth"] == patient.date_of_birth.isoformat()
    today = clinic_today(world.clinic)
    # 21 days ahead is at least 10 business days: due within 3 business days of scheduling
    assert estimate.due_by == add_business_days(today, 3)
    assert "dispute" in doc["dispute_notice"] and "$400" in doc["dispute_notice"]
    assert len(doc["disclaimers"]) == 4
    text = _pdf_text(reports.estimate_pdf(estimate))
    for words in ("Good Faith Estimate", "96365", "2700.00", PHYSICIAN_NPI, "Patient's signature"):
        assert words in text, words
    event = AuditEvent.objects.get(object_type="billing.goodfaithestimate")
    assert event.patient_id == patient.pk and event.action == "create"


def test_a_second_estimate_supersedes_the_first(world, patient, billing):
    first = _issue(world, patient)
    second = _issue(world, patient, sessions=4)
    assert second.number == 2 and second.supersedes_id == first.pk
    assert second.total == Decimal("1800.00")
    first.refresh_from_db()
    assert first.superseded_by.pk == second.pk


def test_an_esketamine_estimate_prices_the_visit_code(world, patient, billing):
    estimate = _issue(world, patient, kind="esketamine_nasal", minutes=None, dose_mg=84, sessions=8)
    assert [(line["code"], line["units"]) for line in estimate.content["lines"]] == [("G2083", 8)]
    assert estimate.total == Decimal("6000.00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sessions": 0}, "sessions"),
        ({"sessions": 53}, "sessions"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": None}, "minutes"),
        ({"kind": "esketamine_nasal", "dose_mg": 28}, "dose_mg"),
        ({"kind": "other"}, "kind"),
        ({"provider_id": None}, "provider"),
        ({"scheduled_on": "tomorrow"}, "scheduled_on"),
        ({"last_service_on": "before first"}, "last_service_on"),
    ],
)
def test_bad_estimate_input_names_the_field_and_writes_nothing(
    world, patient, billing, change, field
):
    today = clinic_today(world.clinic)
    if change.get("scheduled_on") == "tomorrow":
        change["scheduled_on"] = today + dt.timedelta(days=1)
    if change.get("last_service_on") == "before first":
        change["last_service_on"] = today + dt.timedelta(days=20)
    with pytest.raises(ValidationError) as caught:
        _issue(world, patient, **change)
    assert field in caught.value.message_dict
    assert not GoodFaithEstimate.objects.exists()
    assert not AuditEvent.objects.filter(object_type="billing.goodfaithestimate").exists()


def test_a_provider_without_npi_is_refused(world, patient, billing):
    from kitclinic.billing.services import setup

    setup.provider_npi_set(
        actor=world.actor("clinic_admin"), user_id=world.users["physician"].pk, npi=""
    )
    with pytest.raises(ValidationError) as caught:
        _issue(world, patient)
    assert "NPI" in caught.value.message_dict["provider"][0]


def test_an_estimate_needs_a_price_for_each_code(world, patient, billing):
    publish(world, {"96365": "450.00"})  # today's version prices 96365 only
    with pytest.raises(ValidationError, match="no price for G2082"):
        _issue(world, patient, kind="esketamine_nasal", minutes=None, dose_mg=56)
    assert not GoodFaithEstimate.objects.exists()


@pytest.mark.parametrize("persona", ["nurse", "auditor"])
def test_nurses_and_auditors_do_not_issue(world, patient, billing, persona):
    with pytest.raises(PermissionDenied):
        estimate_issue(
            actor=world.actor(persona),
            patient=patient,
            kind="iv_ketamine",
            sessions=1,
            minutes=40,
            scheduled_on=clinic_today(world.clinic),
            first_service_on=clinic_today(world.clinic),
            last_service_on=clinic_today(world.clinic),
            provider_id=world.users["physician"].pk,
        )


def test_the_patients_signature_is_recorded_once(world, patient, billing):
    estimate = _issue(world, patient)
    signed = estimate_signature_record(actor=world.actor("front_desk"), estimate=estimate)
    assert signed.signed_at is not None
    assert signed.signature_recorded_by == world.users["front_desk"]
    with pytest.raises(ValidationError):
        estimate_signature_record(actor=world.actor("front_desk"), estimate=estimate)
    assert (
        AuditEvent.objects.filter(action="sign", object_type="billing.goodfaithestimate").count()
        == 1
    )
    assert "Signature recorded" in _pdf_text(reports.estimate_pdf(signed))


def test_a_superbill_prices_signed_sessions_from_the_schedule_of_their_date(
    world, patient, billing, signed
):
    today = clinic_today(world.clinic)
    # a later version changes nothing for sessions before its date
    publish(world, {**PRICES, "96365": "999.00"}, on=today + dt.timedelta(days=3))
    bill = superbill_issue(
        actor=world.actor("front_desk"),
        patient=patient,
        period_start=today - dt.timedelta(days=7),
        period_end=today,
    )
    doc = bill.content
    assert [s["session"] for s in doc["services"]] == [signed.pk]
    assert doc["services"][0]["lines"][0]["code"] == "96365"
    assert doc["services"][0]["provider"]["npi"] == PHYSICIAN_NPI
    assert bill.total_charges == Decimal("450.00")
    assert bill.total_paid == Decimal("0.00")
    assert [d["code"] for d in doc["diagnoses"]]  # the patient's ICD-10-CM codes
    text = _pdf_text(reports.superbill_pdf(bill))
    for words in (
        "Superbill",
        "96365",
        "450.00",
        "12-3456789",
        PHYSICIAN_NPI,
        doc["diagnoses"][0]["code"],
    ):
        assert words in text, words
    assert AuditEvent.objects.get(object_type="billing.superbill").patient_id == patient.pk


def test_a_superbill_without_signed_sessions_is_refused(world, patient, billing, course, chair):
    from kitclinic.infusions.states import SessionState
    from tests.infusions.helpers import advance, book, slot_time

    advance(world, book(world, course, chair, slot_time(days=-1)), SessionState.DISCHARGED)
    today = clinic_today(world.clinic)
    with pytest.raises(ValidationError) as caught:
        superbill_issue(
            actor=world.actor("front_desk"),
            patient=patient,
            period_start=today - dt.timedelta(days=7),
            period_end=today,
        )
    assert "period_start" in caught.value.message_dict
    assert not Superbill.objects.exists()


@pytest.mark.parametrize("days", [(-1, -2), (0, 1), (-400, 0)])
def test_a_bad_period_is_refused(world, patient, billing, days):
    today = clinic_today(world.clinic)
    with pytest.raises(ValidationError):
        superbill_issue(
            actor=world.actor("front_desk"),
            patient=patient,
            period_start=today + dt.timedelta(days=days[0]),
            period_end=today + dt.timedelta(days=days[1]),
        )
    assert not Superbill.objects.exists()


def test_billing_needs_the_clinics_details(world, patient):
    from kitclinic.billing.services import setup

    publish(world)
    setup.provider_npi_set(
        actor=world.actor("clinic_admin"), user_id=world.users["physician"].pk, npi=PHYSICIAN_NPI
    )
    with pytest.raises(ValidationError, match="billing name, NPI"):
        _issue(world, patient)


def test_a_superbill_shows_what_was_paid_for_its_sessions(world, patient, billing, signed):
    from kitclinic.payments.services.ledger import payment_record

    front = world.actor("front_desk")
    payment_record(
        actor=front,
        patient=patient,
        amount="300.00",
        method="card",
        purpose="session",
        session=signed,
    )
    payment_record(actor=front, patient=patient, amount="50.00", method="cash")  # on account
    today = clinic_today(world.clinic)
    bill = superbill_issue(
        actor=front, patient=patient, period_start=today - dt.timedelta(days=7), period_end=today
    )
    assert bill.total_paid == Decimal("300.00")
    assert bill.content["balance"] == "150.00"
