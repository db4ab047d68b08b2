"""Payments received, refunds and voids.

A refund gives money back: up to what the payment still has (its amount less its earlier refunds
and voids), with a reason, by the clinic admin at the payment's own clinic. A void reverses a
payment recorded in error, in full (what it still has), with a reason. Neither can be refunded
or voided itself. The payment row is locked while its refunds are summed, so two concurrent
refunds cannot together give back more than was paid. A package's payment is given back through
its unused sessions (``packages.package_refund``) or voided while no session was used.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.infusions.models import InfusionSession
from kitclinic.lib.field_errors import Errors
from kitclinic.patients.models import Patient
from kitclinic.payments.models import Kind, Payment, Purpose
from kitclinic.payments.selectors import package_balance, payment_settings, refundable_amount
from kitclinic.payments.services._common import (
    REASON_MAX,
    REFERENCE_MAX,
    amount_of,
    method_of,
    patient_of_organization,
    received_when,
    text_of,
    write_entry,
)


@transaction.atomic
def payment_record(
    *,
    actor: Actor,
    patient: Patient,
    amount: object,
    method: str,
    purpose: str = Purpose.ACCOUNT,
    session: InfusionSession | None = None,
    reference: str = "",
    received_at: dt.datetime | None = None,
    is_synthetic: bool = False,
) -> Payment:
    """A payment received from ``patient`` at the acting clinic, for one of their sessions or on
    account (a package is bought through ``packages.package_buy``), with its receipt number."""
    actor.require(Action.PAYMENT_RECORD)
    patient_of_organization(actor, patient)
    errors = Errors()
    value = amount_of(errors, "amount", amount)
    method_of(errors, method)
    when = received_when(errors, received_at)
    ref = text_of(errors, "reference", reference, limit=REFERENCE_MAX)
    if purpose == Purpose.SESSION:
        if session is None:
            errors.add("session", "Choose the session this pays for.")
        elif session.patient_id != patient.pk or session.clinic_id != actor.clinic.pk:
            errors.add("session", "Choose one of this patient's sessions at this clinic.")
    elif purpose == Purpose.ACCOUNT:
        if session is not None:
            errors.add("session", "A payment on account names no session.")
    elif purpose == Purpose.PACKAGE:
        errors.add("purpose", "A package is bought on its own page (Buy a package).")
    else:
        errors.add("purpose", "Must be session or account.")
    errors.raise_if_any()
    return write_entry(
        actor,
        Payment(
            clinic=actor.clinic,
            patient=patient,
            kind=Kind.PAYMENT,
            amount=value,
            net_amount=value,
            currency=payment_settings(actor.clinic).currency,
            method=method,
            reference=ref,
            purpose=purpose,
            session=session if purpose == Purpose.SESSION else None,
            received_at=when,
            received_by=actor.user,
            is_synthetic=is_synthetic,
        ),
        detail=f"Payment of {value} by {method}",
    )


def locked_payment(actor: Actor, payment: Payment, action: Action) -> tuple[Actor, Payment]:
    """The actor acting at the payment's own clinic (403 without ``action`` there) and the
    payment row, locked until the transaction ends. Another organization's payment names the
    field (access functions give 404 before a service is called)."""
    if payment.clinic.organization_id != actor.organization_id:
        raise ValidationError({"payment": ["No such payment in your organization."]})
    actor = actor.require_at(payment.clinic_id, action)
    locked = Payment.objects.select_for_update(of=("self",)).select_related(
        "clinic", "patient", "package"
    )
    return actor, locked.get(pk=payment.pk)


def _not_a_refund(errors: Errors, payment: Payment) -> None:
    if payment.kind != Kind.PAYMENT:
        errors.add(
            "payment",
            f"This entry is itself a {payment.get_kind_display().lower()}: only a payment can "
            "be given back.",
        )


def give_back(
    actor: Actor,
    payment: Payment,
    *,
    kind: Kind,
    amount: Decimal,
    method: str,
    reason: str,
    received_at: dt.datetime,
    package_units: int | None = None,
    detail: str,
) -> Payment:
    """Write a refund or void of ``payment`` (locked, checked by the caller)."""
    return write_entry(
        actor,
        Payment(
            clinic=payment.clinic,
            patient=payment.patient,
            kind=kind,
            amount=amount,
            net_amount=-amount,
            currency=payment.currency,
            method=method,
            purpose=payment.purpose,
            session=payment.session,
            package=payment.package,
            refund_of=payment,
            package_units=package_units,
            reason=reason,
            received_at=received_at,
            received_by=actor.user,
            is_synthetic=payment.is_synthetic,
        ),
        detail=detail,
    )


@transaction.atomic
def payment_refund(
    *,
    actor: Actor,
    payment: Payment,
    amount: object,
    reason: str,
    method: str = "",
    received_at: dt.datetime | None = None,
) -> Payment:
    """Money given back on ``payment``: at most what it still has, with a reason; by the same
    method as the payment unless another is named."""
    actor, payment = locked_payment(actor, payment, Action.PAYMENT_REFUND)
    errors = Errors()
    _not_a_refund(errors, payment)
    if payment.purpose == Purpose.PACKAGE and not errors:
        errors.add(
            "payment",
            "A package is refunded through its unused sessions (Refund unused sessions), "
            "or voided if it was recorded in error.",
        )
    errors.raise_if_any()
    left = refundable_amount(payment)
    if left <= 0:
        raise ValidationError({"amount": ["Nothing is left to refund on this payment."]})
    value = amount_of(errors, "amount", amount, limit=left)
    why = text_of(errors, "reason", reason, limit=REASON_MAX, required="Give the reason.")
    how = method_of(errors, method or payment.method)
    when = received_when(errors, received_at)
    errors.raise_if_any()
    return give_back(
        actor,
        payment,
        kind=Kind.REFUND,
        amount=value,
        method=how,
        reason=why,
        received_at=when,
        detail=f"Refund of {value} on receipt {payment.receipt_label}",
    )


@transaction.atomic
def payment_void(
    *, actor: Actor, payment: Payment, reason: str, received_at: dt.datetime | None = None
) -> Payment:
    """A payment recorded in error, reversed in full (what it still has after any refund). A
    package's payment is voided only while none of its sessions was used; its sessions close."""
    actor, payment = locked_payment(actor, payment, Action.PAYMENT_REFUND)
    errors = Errors()
    _not_a_refund(errors, payment)
    errors.raise_if_any()
    left = refundable_amount(payment)
    if left <= 0:
        raise ValidationError({"payment": ["This payment has already been given back in full."]})
    units = None
    if payment.package is not None:
        balance = package_balance(payment.package)
        if balance.used:
            errors.add(
                "payment",
                f"{balance.used} session(s) of this package were used: refund the unused "
                "sessions instead.",
            )
        units = balance.remaining
    why = text_of(errors, "reason", reason, limit=REASON_MAX, required="Give the reason.")
    when = received_when(errors, received_at)
    errors.raise_if_any()
    return give_back(
        actor,
        payment,
        kind=Kind.VOID,
        amount=left,
        method=payment.method,
        reason=why,
        received_at=when,
        package_units=units,
        detail=f"Void of receipt {payment.receipt_label} ({left})",
    )
