"""What the payment services share: errors collected by field, the checks of amounts, times and
text, the receipt counter, and writing an entry with its audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.lib.bounds import date_in_window, has_control_characters
from kitclinic.lib.field_errors import Errors
from kitclinic.patients.models import Patient
from kitclinic.payments.models import Method, Payment, ReceiptCounter
from kitclinic.payments.rules import AmountError, parse_amount

# Entries may be written a little after the fact, never ahead of the clock.
CLOCK_SKEW = dt.timedelta(minutes=5)
REFERENCE_MAX = Payment._meta.get_field("reference").max_length or 100
REASON_MAX = 500

ENTRY_FIELDS = (
    "clinic",
    "patient",
    "kind",
    "amount",
    "net_amount",
    "currency",
    "method",
    "reference",
    "purpose",
    "session",
    "package",
    "refund_of",
    "package_units",
    "reason",
    "received_at",
    "received_by",
    "receipt_number",
)


def amount_of(
    errors: Errors, field: str, value: object, *, limit: Decimal | None = None
) -> Decimal:
    try:
        return parse_amount(value) if limit is None else parse_amount(value, limit=limit)
    except AmountError as exc:
        errors.add(field, str(exc))
        return Decimal(0)


def method_of(errors: Errors, value: str) -> str:
    if value not in Method.values:
        errors.add("method", f"Must be one of: {', '.join(Method.values)}.")
    return value


def text_of(errors: Errors, field: str, value: str, *, limit: int, required: str = "") -> str:
    """``value`` stripped; an error when empty and ``required`` (its message), too long or
    holding control characters."""
    text = (value or "").strip()
    if required and not text:
        errors.add(field, required)
    elif len(text) > limit:
        errors.add(field, f"At most {limit} characters.")
    elif has_control_characters(text):
        errors.add(field, "Control characters (such as NUL or ESC) are not allowed.")
    return text


def received_when(errors: Errors, received_at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if received_at is None:
        return now
    if timezone.is_naive(received_at):
        errors.add("received_at", "Give the time with its time zone.")
        return now
    if not date_in_window(received_at):
        errors.add("received_at", "Give a date between 1900 and 2200.")
        return now
    if received_at > now + CLOCK_SKEW:
        errors.add("received_at", "Cannot be in the future.")
    return received_at


def patient_of_organization(actor: Actor, patient: Patient) -> None:
    """Access functions give 404 for another organization's patient; a service called directly
    names the field."""
    if patient.organization_id != actor.organization_id:
        raise ValidationError({"patient": ["No such patient in your organization."]})


def next_receipt_number(clinic_id: int) -> int:
    """The clinic's next receipt number, taken under the counter row's lock: a concurrent entry
    waits until this transaction ends, and a rolled-back entry gives its number back."""
    ReceiptCounter.objects.get_or_create(clinic_id=clinic_id)
    counter = ReceiptCounter.objects.select_for_update().get(clinic_id=clinic_id)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def write_entry(actor: Actor, entry: Payment, *, detail: str) -> Payment:
    entry.receipt_number = next_receipt_number(entry.clinic_id)
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=entry,
        patient=entry.patient,
        changes=changes_between({}, snapshot(entry, ENTRY_FIELDS)),
        detail=f"{detail}, receipt {entry.receipt_label}",
        clinic_id=entry.clinic_id,
    )
    return entry
