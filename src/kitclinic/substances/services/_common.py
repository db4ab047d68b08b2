"""What the controlled-substance services share: collecting errors by field, the checks of amounts,
times, witnesses and stock order, locking a lot, and writing an entry or a lot with its audit
event.

The balance of a lot is the sum of its entries. A service that takes stock out locks the lot row
(``select_for_update``) before reading the balance, so two concurrent dispenses cannot both see
the same stock and overdraw it; the balance is checked at the entry's time and at every later
entry, so a back-dated entry cannot make a past balance negative either.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, User
from kitclinic.accounts.roles import Action
from kitclinic.accounts.selectors import clinicians
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.lib.field_errors import Errors
from kitclinic.substances.models import MG_STEP, SubstanceLogEntry, SubstanceLot
from kitclinic.substances.selectors import clinic_zone

MAX_QUANTITY_MG = Decimal("999999999.999")  # what the column holds (12 digits, 3 decimals)
# Entries may be written a little after the fact, never ahead of the clock.
CLOCK_SKEW = dt.timedelta(minutes=5)

ENTRY_FIELDS = (
    "clinic",
    "lot",
    "kind",
    "quantity_mg",
    "change_mg",
    "vials",
    "occurred_at",
    "recorded_by",
    "witness",
    "reason",
    "session",
    "corrects",
    "transfer_pair",
    "resolves",
)
LOT_FIELDS = (
    "clinic",
    "drug",
    "strength_mg_per_ml",
    "vial_volume_ml",
    "supplier",
    "lot_number",
    "expiry_date",
    "received_vials",
    "received_from_clinic",
)


def fmt_mg(mg: Decimal) -> str:
    return f"{mg.normalize():f}"


def positive_amount(errors: Errors, field: str, value: object, unit: str = "mg") -> Decimal:
    """``value`` as a Decimal > 0 with at most 3 decimals, else an error on ``field``."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(field, f"Enter a number of {unit}.")
        return Decimal(0)
    if not amount.is_finite() or amount <= 0:
        errors.add(field, f"Must be more than 0 {unit}.")
    elif amount > MAX_QUANTITY_MG:
        errors.add(field, f"Must be at most {fmt_mg(MAX_QUANTITY_MG)} {unit}.")
    elif amount != amount.quantize(MG_STEP):
        errors.add(field, f"At most 3 decimals (0.001 {unit}).")
    return amount


def occurred_when(errors: Errors, occurred_at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if occurred_at is None:
        return now
    if timezone.is_naive(occurred_at):
        errors.add("occurred_at", "Give the time with its time zone.")
        return now
    if occurred_at > now + CLOCK_SKEW:
        errors.add("occurred_at", "Cannot be in the future.")
    return occurred_at


def local_date(clinic: Clinic, when: dt.datetime) -> dt.date:
    return when.astimezone(clinic_zone(clinic)).date()


def acting_at_lot(actor: Actor, lot: SubstanceLot, action: Action) -> Actor:
    """The actor with the role held at the lot's own clinic (the registered location whose
    records these are), who may do ``action`` there; its entries are audited at that clinic.
    Access functions give 404 for another organization's lot; a service called directly names
    the lot."""
    if lot.clinic.organization_id != actor.organization_id:
        raise ValidationError({"lot": ["No such lot in your organization."]})
    return actor.require_at(lot.clinic_id, action)


def check_witness(errors: Errors, actor: Actor, clinic: Clinic, witness: User | None) -> None:
    if witness is None:
        errors.add("witness", "A witness is required.")
        return
    if witness.pk == actor.user.pk:
        errors.add("witness", "The witness must be another person than the one recording.")
        return
    # the same people the co-signer of a soft-limit override is chosen from
    if not clinicians(clinic).filter(pk=witness.pk).exists():
        errors.add(
            "witness", f"The witness must be a physician or nurse with an active role at {clinic}."
        )


def lock_lot(lot: SubstanceLot) -> SubstanceLot:
    lot_row = SubstanceLot.objects.select_for_update(of=("self",))
    return lot_row.select_related("clinic").get(pk=lot.pk)


def check_not_before_lot(errors: Errors, lot: SubstanceLot, when: dt.datetime) -> None:
    first = SubstanceLogEntry.objects.filter(lot=lot).order_by("occurred_at", "id").first()
    if first is not None and when < first.occurred_at:
        errors.add("occurred_at", "Cannot be before the lot was received.")


# Entries and lots are audited at their own clinic: the same as the actor's but for the receiving
# side of a transfer, written by the sending clinic's staff.


def write_entry(actor: Actor, entry: SubstanceLogEntry, *, detail: str = "") -> SubstanceLogEntry:
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=entry,
        changes=changes_between({}, snapshot(entry, ENTRY_FIELDS)),
        detail=detail or f"{entry.get_kind_display()} of {fmt_mg(entry.quantity_mg)} mg",
        clinic_id=entry.clinic_id,
    )
    return entry


def write_lot(actor: Actor, lot: SubstanceLot) -> SubstanceLot:
    lot.full_clean()
    lot.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=lot,
        changes=changes_between({}, snapshot(lot, LOT_FIELDS)),
        clinic_id=lot.clinic_id,
    )
    return lot
