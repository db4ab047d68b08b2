"""Payments, refunds and voids: every path of the ledger, its receipt numbers, and that nothing in
it can be changed or deleted (model, queryset and database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from kitclinic.audit.models import AuditEvent
from kitclinic.payments.models import AppendOnlyError, Kind, Payment, Purpose
from kitclinic.payments.selectors import (
    MixedCurrencies,
    paid_total,
    payments_for_patient,
    refundable_amount,
)
from kitclinic.payments.services.ledger import payment_record, payment_refund, payment_void
from kitclinic.payments.services.setup import payment_settings_set
from tests.payments.helpers import pay

pytestmark = pytest.mark.django_db


def test_the_front_desk_records_a_payment_with_a_receipt_number_and_an_audit_event(world, patient):
    payment = pay(world, patient, "450.00", reference="slip 0042")
    assert (payment.kind, payment.amount, payment.net_amount) == (
        Kind.PAYMENT,
        Decimal("450.00"),
        Decimal("450.00"),
    )
    assert payment.currency == "USD" and payment.purpose == Purpose.ACCOUNT
    assert payment.receipt_number == 1 and payment.receipt_label == "000001"
    event = AuditEvent.objects.get(object_type="payments.payment", object_id=str(payment.pk))
    assert event.patient_id == patient.pk and event.changes["amount"] == [None, "450.00"]
    assert pay(world, patient, "10.00").receipt_number == 2


def test_a_payment_for_a_session_names_one_of_the_patients_sessions(world, patient, sess):
    payment = pay(world, patient, "300.00", purpose=Purpose.SESSION, session=sess)
    assert payment.session == sess
    assert paid_total(patient.pk, session_id=sess.pk) == Decimal("300.00")
    with pytest.raises(ValidationError) as exc:
        pay(world, patient, "300.00", purpose=Purpose.SESSION)
    assert "session" in exc.value.message_dict


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        ("0", "amount"),
        ("-5", "amount"),
        ("12.345", "amount"),
        ("100000.01", "amount"),
        ("NaN", "amount"),
        ("Infinity", "amount"),
        ("twelve", "amount"),
    ],
)
def test_a_bad_amount_is_refused_naming_the_field_and_writes_nothing(
    world, patient, unchanged, amount, field
):
    with pytest.raises(ValidationError) as exc:
        payment_record(
            actor=world.actor("front_desk"), patient=patient, amount=amount, method="card"
        )
    assert field in exc.value.message_dict


def test_a_bad_method_reference_or_time_is_refused_and_writes_nothing(world, patient, unchanged):
    actor = world.actor("front_desk")
    for kwargs, field in [
        ({"method": "bitcoin"}, "method"),
        ({"method": "cash", "reference": "x" * 101}, "reference"),
        ({"method": "cash", "reference": "a\x00b"}, "reference"),
        ({"method": "cash", "received_at": timezone.now() + dt.timedelta(hours=1)}, "received_at"),
        ({"method": "cash", "received_at": dt.datetime(2026, 1, 1, 9)}, "received_at"),
        ({"method": "cash", "purpose": "package"}, "purpose"),
        ({"method": "cash", "purpose": "gift"}, "purpose"),
    ]:
        with pytest.raises(ValidationError) as exc:
            payment_record(actor=actor, patient=patient, amount="10.00", **kwargs)
        assert field in exc.value.message_dict, kwargs


@pytest.mark.parametrize("persona", ["physician", "nurse", "auditor"])
def test_only_the_front_desk_and_clinic_admin_record_payments(world, patient, persona, unchanged):
    with pytest.raises(PermissionDenied):
        payment_record(actor=world.actor(persona), patient=patient, amount="10", method="cash")


def test_another_organizations_patient_is_refused(world, other_org_patient, unchanged):
    with pytest.raises(ValidationError) as exc:
        pay(world, other_org_patient)
    assert "patient" in exc.value.message_dict


def test_a_refund_gives_back_at_most_what_remains_and_needs_a_reason(world, patient):
    payment = pay(world, patient, "450.00")
    admin = world.actor("clinic_admin")
    refund = payment_refund(
        actor=admin, payment=payment, amount="150.00", reason="Session cut short"
    )
    assert (refund.kind, refund.net_amount, refund.refund_of, refund.method) == (
        Kind.REFUND,
        Decimal("-150.00"),
        payment,
        "card",
    )
    assert refund.receipt_number == payment.receipt_number + 1
    assert refundable_amount(payment) == Decimal("300.00")
    assert paid_total(patient.pk) == Decimal("300.00")
    before = Payment.objects.count()
    with pytest.raises(ValidationError) as exc:
        payment_refund(actor=admin, payment=payment, amount="300.01", reason="too much")
    assert exc.value.message_dict["amount"] == ["Must be at most 300.00."]
    with pytest.raises(ValidationError) as exc:
        payment_refund(actor=admin, payment=payment, amount="10.00", reason="  ")
    assert "reason" in exc.value.message_dict
    assert Payment.objects.count() == before
    payment_refund(actor=admin, payment=payment, amount="300.00", reason="Rest", method="cash")
    with pytest.raises(ValidationError) as exc:
        payment_refund(actor=admin, payment=payment, amount="0.01", reason="more")
    assert "Nothing is left" in str(exc.value)


def test_a_refund_of_a_refund_or_of_a_void_is_refused(world, patient):
    payment = pay(world, patient, "100.00")
    admin = world.actor("clinic_admin")
    refund = payment_refund(actor=admin, payment=payment, amount="10.00", reason="partial")
    void = payment_void(actor=admin, payment=payment, reason="recorded twice")
    count = Payment.objects.count()
    for entry in (refund, void):
        with pytest.raises(ValidationError) as exc:
            payment_refund(actor=admin, payment=entry, amount="1.00", reason="again")
        assert "payment" in exc.value.message_dict
        with pytest.raises(ValidationError):
            payment_void(actor=admin, payment=entry, reason="again")
    assert Payment.objects.count() == count


def test_a_void_reverses_what_the_payment_still_has_in_full(world, patient):
    payment = pay(world, patient, "100.00")
    admin = world.actor("clinic_admin")
    payment_refund(actor=admin, payment=payment, amount="40.00", reason="partial")
    void = payment_void(actor=admin, payment=payment, reason="Wrong patient")
    assert (void.kind, void.amount, void.method) == (Kind.VOID, Decimal("60.00"), "card")
    assert paid_total(patient.pk) == Decimal("0.00")
    with pytest.raises(ValidationError) as exc:
        payment_void(actor=admin, payment=payment, reason="again")
    assert "already been given back" in str(exc.value)


@pytest.mark.parametrize("persona", ["front_desk", "physician", "nurse", "auditor"])
def test_only_the_clinic_admin_refunds_or_voids(world, patient, persona):
    payment = pay(world, patient, "100.00")
    count = Payment.objects.count()
    with pytest.raises(PermissionDenied):
        payment_refund(actor=world.actor(persona), payment=payment, amount="1", reason="r")
    with pytest.raises(PermissionDenied):
        payment_void(actor=world.actor(persona), payment=payment, reason="r")
    assert Payment.objects.count() == count


def test_a_refund_at_another_clinic_needs_a_role_there(world, patient):
    """A payment is refunded at its own clinic, with the role held there."""
    payment = pay(world, patient, "100.00")
    admin_elsewhere = world.actor(world.elsewhere("clinic_admin"))
    with pytest.raises(PermissionDenied):
        payment_refund(actor=admin_elsewhere, payment=payment, amount="1", reason="r")
    other = world.actor("other_org")
    with pytest.raises(ValidationError) as exc:
        payment_refund(actor=other, payment=payment, amount="1", reason="r")
    assert "payment" in exc.value.message_dict
    assert refundable_amount(payment) == Decimal("100.00")


def test_entries_cannot_be_changed_or_deleted_by_the_model_or_queryset(world, patient):
    payment = pay(world, patient)
    payment.amount = Decimal("1.00")
    with pytest.raises(AppendOnlyError):
        payment.save()
    with pytest.raises(AppendOnlyError):
        payment.delete()
    with pytest.raises(AppendOnlyError):
        Payment.objects.filter(pk=payment.pk).update(amount=Decimal("1.00"))
    with pytest.raises(AppendOnlyError):
        Payment.objects.filter(pk=payment.pk).delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE payments_payment SET amount = 1 WHERE id = %s",
        "DELETE FROM payments_payment WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(world, patient, sql):
    payment = pay(world, patient)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [payment.pk])
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("450.00")


def test_the_clinics_currency_is_used_from_the_next_entry_and_never_mixed_in_a_total(
    world, patient
):
    pay(world, patient, "100.00")
    payment_settings_set(
        actor=world.actor("clinic_admin"), currency="EUR", package_refund_rule="pro_rata"
    )
    euro = pay(world, patient, "50.00")
    assert euro.currency == "EUR"
    with pytest.raises(MixedCurrencies):
        paid_total(patient.pk)
    assert paid_total(patient.pk, currency="EUR") == Decimal("50.00")
    assert paid_total(patient.pk, currency="USD") == Decimal("100.00")


def test_paid_total_and_payments_for_patient_filter_by_time(world, patient):
    now = timezone.now()
    pay(world, patient, "10.00", received_at=now - dt.timedelta(days=3))
    pay(world, patient, "20.00", received_at=now - dt.timedelta(days=1))
    since = now - dt.timedelta(days=2)
    assert paid_total(patient.pk, start=since) == Decimal("20.00")
    assert paid_total(patient.pk, end=since) == Decimal("10.00")
    assert [p.amount for p in payments_for_patient(patient.pk)] == [
        Decimal("10.00"),
        Decimal("20.00"),
    ]
    assert paid_total(patient.pk + 999) == Decimal("0.00")
