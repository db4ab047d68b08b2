"""Writes to the controlled-substance log. Each service checks the rules, locks the lot row, writes
one or more append-only entries and audits them, all in one transaction; bad input raises
ValidationError naming the field and writes nothing.

The balance of a lot is the sum of its entries. A service that takes stock out locks the lot row
(``select_for_update``) before reading the balance, so two concurrent dispenses cannot both see
the same stock and overdraw it; the balance is checked at the entry's time and at every later
entry, so a back-dated entry cannot make a past balance negative either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, User
from kitclinic.accounts.roles import Action
from kitclinic.accounts.selectors import clinicians
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.states import NOT_HELD_STATES
from kitclinic.substances.models import (
    MG_STEP,
    Drug,
    EntryKind,
    Reconciliation,
    ReconciliationLine,
    SubstanceLogEntry,
    SubstanceLot,
)
from kitclinic.substances.selectors import (
    clinic_zone,
    lot_balance_mg,
    lowest_balance_from,
)

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


class _Errors(dict[str, list[str]]):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _fmt(mg: Decimal) -> str:
    return f"{mg.normalize():f}"


def _positive_amount(errors: _Errors, field: str, value: object, unit: str = "mg") -> Decimal:
    """``value`` as a Decimal > 0 with at most 3 decimals, else an error on ``field``."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(field, f"Enter a number of {unit}.")
        return Decimal(0)
    if not amount.is_finite() or amount <= 0:
        errors.add(field, f"Must be more than 0 {unit}.")
    elif amount > MAX_QUANTITY_MG:
        errors.add(field, f"Must be at most {_fmt(MAX_QUANTITY_MG)} {unit}.")
    elif amount != amount.quantize(MG_STEP):
        errors.add(field, f"At most 3 decimals (0.001 {unit}).")
    return amount


def _positive_vials(errors: _Errors, field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        errors.add(field, "Must be a whole number of vials, at least 1.")
        return 0
    return value


def _when(errors: _Errors, occurred_at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if occurred_at is None:
        return now
    if timezone.is_naive(occurred_at):
        errors.add("occurred_at", "Give the time with its time zone.")
        return now
    if occurred_at > now + CLOCK_SKEW:
        errors.add("occurred_at", "Cannot be in the future.")
    return occurred_at


def _local_date(clinic: Clinic, when: dt.datetime) -> dt.date:
    return when.astimezone(clinic_zone(clinic)).date()


def _acting_at_lot(actor: Actor, lot: SubstanceLot, action: Action) -> Actor:
    """The actor with the role held at the lot's own clinic (the registered location whose
    records these are), who may do ``action`` there; its entries are audited at that clinic.
    Access functions give 404 for another organization's lot; a service called directly names
    the lot."""
    if lot.clinic.organization_id != actor.organization_id:
        raise ValidationError({"lot": ["No such lot in your organization."]})
    return actor.require_at(lot.clinic_id, action)


def _check_witness(errors: _Errors, actor: Actor, clinic: Clinic, witness: User | None) -> None:
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


def _check_session(errors: _Errors, lot: SubstanceLot, session: InfusionSession) -> None:
    if session.clinic_id != lot.clinic_id:
        errors.add("session", "This session is not at the clinic holding the lot.")
    elif session.state in NOT_HELD_STATES:
        errors.add(
            "session", f"This session did not take place ({session.get_state_display().lower()})."
        )


def _lock(lot: SubstanceLot) -> SubstanceLot:
    lot_row = SubstanceLot.objects.select_for_update(of=("self",))
    return lot_row.select_related("clinic").get(pk=lot.pk)


def _check_not_before_lot(errors: _Errors, lot: SubstanceLot, when: dt.datetime) -> None:
    first = SubstanceLogEntry.objects.filter(lot=lot).order_by("occurred_at", "id").first()
    if first is not None and when < first.occurred_at:
        errors.add("occurred_at", "Cannot be before the lot was received.")


def _check_stock(errors: _Errors, lot: SubstanceLot, when: dt.datetime, take_mg: Decimal) -> None:
    """``take_mg`` may leave the lot at ``when`` only if no balance from then on goes negative."""
    if "quantity_mg" in errors or take_mg <= 0:
        return
    available = lowest_balance_from(lot, when)
    if take_mg > available:
        balance = lot_balance_mg(lot)
        if available == balance:
            message = f"Only {_fmt(balance)} mg remain in lot {lot.lot_number}."
        else:
            message = (
                f"Lot {lot.lot_number} holds {_fmt(balance)} mg now, but taking "
                f"{_fmt(take_mg)} mg at that time would leave a later balance below zero "
                f"(at most {_fmt(max(available, Decimal(0)))} mg can be taken then)."
            )
        errors.add("quantity_mg", message)


# Entries and lots are audited at their own clinic: the same as the actor's but for the receiving
# side of a transfer, written by the sending clinic's staff.


def _write(actor: Actor, entry: SubstanceLogEntry, *, detail: str = "") -> SubstanceLogEntry:
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=entry,
        changes=changes_between({}, snapshot(entry, ENTRY_FIELDS)),
        detail=detail or f"{entry.get_kind_display()} of {_fmt(entry.quantity_mg)} mg",
        clinic_id=entry.clinic_id,
    )
    return entry


def _write_lot(actor: Actor, lot: SubstanceLot) -> SubstanceLot:
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


def _mg_per_vial(errors: _Errors, strength: Decimal, volume: Decimal) -> Decimal:
    mg = strength * volume
    if mg != mg.quantize(MG_STEP):
        errors.add("vial_volume_ml", "Strength × volume must come to whole thousandths of a mg.")
    return mg.quantize(MG_STEP)


@transaction.atomic
def substance_receive(
    *,
    actor: Actor,
    strength_mg_per_ml: Decimal,
    vial_volume_ml: Decimal,
    supplier: str,
    lot_number: str,
    expiry_date: dt.date,
    vials: int,
    drug: str = Drug.KETAMINE_HCL,
    occurred_at: dt.datetime | None = None,
    reason: str = "",
    is_synthetic: bool = False,
) -> SubstanceLogEntry:
    """Stock received from a supplier: a new lot at the acting clinic and its receipt entry."""
    actor.require(Action.SUBSTANCE_RECEIVE)
    errors = _Errors()
    when = _when(errors, occurred_at)
    strength = _positive_amount(errors, "strength_mg_per_ml", strength_mg_per_ml, "mg/mL")
    volume = _positive_amount(errors, "vial_volume_ml", vial_volume_ml, "mL")
    count = _positive_vials(errors, "vials", vials)
    if not supplier.strip():
        errors.add("supplier", "Name the supplier.")
    if not lot_number.strip():
        errors.add("lot_number", "Enter the lot number printed on the vials.")
    if drug not in Drug.values:
        errors.add("drug", f"Must be one of: {', '.join(Drug.values)}.")
    if expiry_date < _local_date(actor.clinic, when):
        errors.add("expiry_date", f"This lot expired on {expiry_date}; expired stock is refused.")
    quantity = Decimal(0)
    if not errors:
        quantity = _mg_per_vial(errors, strength, volume) * count
        if quantity > MAX_QUANTITY_MG:
            errors.add("vials", "Too many vials for one receipt.")
    errors.raise_if_any()
    lot = _write_lot(
        actor,
        SubstanceLot(
            clinic=actor.clinic,
            drug=drug,
            strength_mg_per_ml=strength,
            vial_volume_ml=volume,
            supplier=supplier.strip(),
            lot_number=lot_number.strip(),
            expiry_date=expiry_date,
            received_vials=count,
            created_by=actor.user,
            is_synthetic=is_synthetic,
        ),
    )
    return _write(
        actor,
        SubstanceLogEntry(
            clinic=actor.clinic,
            lot=lot,
            kind=EntryKind.RECEIPT,
            quantity_mg=quantity,
            change_mg=quantity,
            vials=count,
            occurred_at=when,
            recorded_by=actor.user,
            reason=reason.strip(),
        ),
    )


@transaction.atomic
def substance_dispense(
    *,
    actor: Actor,
    lot: SubstanceLot,
    quantity_mg: Decimal,
    session: InfusionSession | None,
    occurred_at: dt.datetime | None = None,
    reason: str = "",
) -> SubstanceLogEntry:
    """``quantity_mg`` of ``lot`` given in the infusion ``session`` (of the lot's clinic). Refused beyond
    the lot's balance and from an expired lot. What was drawn but not given is recorded with
    ``substance_waste`` (witnessed); a session's draw is its dispenses plus its waste."""
    actor = _acting_at_lot(actor, lot, Action.SUBSTANCE_DISPENSE)
    lot = _lock(lot)
    errors = _Errors()
    when = _when(errors, occurred_at)
    quantity = _positive_amount(errors, "quantity_mg", quantity_mg)
    if session is None:
        errors.add("session", "Choose the infusion session the drug is given in.")
    else:
        _check_session(errors, lot, session)
    if lot.expiry_date < _local_date(lot.clinic, when):
        errors.add("lot", f"Lot {lot.lot_number} expired on {lot.expiry_date}; do not dispense it.")
    _check_not_before_lot(errors, lot, when)
    _check_stock(errors, lot, when, quantity)
    errors.raise_if_any()
    return _write(
        actor,
        SubstanceLogEntry(
            clinic=lot.clinic,
            lot=lot,
            kind=EntryKind.DISPENSE,
            quantity_mg=quantity,
            change_mg=-quantity,
            occurred_at=when,
            recorded_by=actor.user,
            session=session,
            reason=reason.strip(),
        ),
    )


@transaction.atomic
def substance_waste(
    *,
    actor: Actor,
    lot: SubstanceLot,
    quantity_mg: Decimal,
    witness: User | None,
    reason: str,
    session: InfusionSession | None = None,
    occurred_at: dt.datetime | None = None,
) -> SubstanceLogEntry:
    """Drug drawn or opened but not given, discarded in front of a witness: another person with
    an active physician or nurse role at the lot's clinic ([waste-witness]: two licensed staff)."""
    actor = _acting_at_lot(actor, lot, Action.SUBSTANCE_DISPENSE)
    lot = _lock(lot)
    errors = _Errors()
    when = _when(errors, occurred_at)
    quantity = _positive_amount(errors, "quantity_mg", quantity_mg)
    _check_witness(errors, actor, lot.clinic, witness)
    if not reason.strip():
        errors.add("reason", "Say why the drug is wasted (for example: remainder of the vial).")
    if session is not None:
        _check_session(errors, lot, session)
    _check_not_before_lot(errors, lot, when)
    _check_stock(errors, lot, when, quantity)
    errors.raise_if_any()
    return _write(
        actor,
        SubstanceLogEntry(
            clinic=lot.clinic,
            lot=lot,
            kind=EntryKind.WASTE,
            quantity_mg=quantity,
            change_mg=-quantity,
            occurred_at=when,
            recorded_by=actor.user,
            witness=witness,
            reason=reason.strip(),
            session=session,
        ),
    )


@transaction.atomic
def substance_transfer(
    *,
    actor: Actor,
    lot: SubstanceLot,
    to_clinic: Clinic,
    vials: int,
    occurred_at: dt.datetime | None = None,
    reason: str = "",
) -> tuple[SubstanceLogEntry, SubstanceLogEntry]:
    """Whole vials of ``lot`` moved to another clinic of the organization: a transfer out here,
    a new lot with a transfer in there, together or not at all."""
    actor = _acting_at_lot(actor, lot, Action.SUBSTANCE_RECEIVE)
    lot = _lock(lot)
    errors = _Errors()
    when = _when(errors, occurred_at)
    count = _positive_vials(errors, "vials", vials)
    if to_clinic.organization_id != actor.organization_id:
        errors.add("to_clinic", "Stock can only be transferred to a clinic of your organization.")
    elif to_clinic.pk == lot.clinic_id:
        errors.add("to_clinic", "Choose another clinic than the one holding the lot.")
    quantity = lot.mg_per_vial * count
    if count:
        _check_not_before_lot(errors, lot, when)
        if quantity > lowest_balance_from(lot, when):
            errors.add(
                "vials",
                f"Lot {lot.lot_number} holds {_fmt(lot_balance_mg(lot))} mg; {count} vial(s) "
                f"are {_fmt(quantity)} mg.",
            )
    errors.raise_if_any()
    out = _write(
        actor,
        SubstanceLogEntry(
            clinic=lot.clinic,
            lot=lot,
            kind=EntryKind.TRANSFER_OUT,
            quantity_mg=quantity,
            change_mg=-quantity,
            vials=count,
            occurred_at=when,
            recorded_by=actor.user,
            reason=reason.strip() or f"Transfer to {to_clinic}",
        ),
    )
    received = _write_lot(
        actor,
        SubstanceLot(
            clinic=to_clinic,
            drug=lot.drug,
            strength_mg_per_ml=lot.strength_mg_per_ml,
            vial_volume_ml=lot.vial_volume_ml,
            supplier=lot.supplier,
            lot_number=lot.lot_number,
            expiry_date=lot.expiry_date,
            received_vials=count,
            received_from_clinic=lot.clinic,
            created_by=actor.user,
            is_synthetic=lot.is_synthetic,
        ),
    )
    into = _write(
        actor,
        SubstanceLogEntry(
            clinic=to_clinic,
            lot=received,
            kind=EntryKind.TRANSFER_IN,
            quantity_mg=quantity,
            change_mg=quantity,
            vials=count,
            occurred_at=when,
            recorded_by=actor.user,
            transfer_pair=out,
            reason=reason.strip() or f"Transfer from {lot.clinic}",
        ),
    )
    return out, into


@transaction.atomic
def substance_adjust(
    *,
    actor: Actor,
    lot: SubstanceLot,
    change_mg: Decimal,
    witness: User | None,
    reason: str,
    occurred_at: dt.datetime | None = None,
    corrects: SubstanceLogEntry | None = None,
    resolves: ReconciliationLine | None = None,
) -> SubstanceLogEntry:
    """A count correction after reconciliation: ``change_mg`` (signed) brings the book to what
    is physically there. Needs a reason and a witness. Resolving a count line, the change must
    be that line's discrepancy; correcting an entry, it must be of the same lot."""
    actor = _acting_at_lot(actor, lot, Action.SUBSTANCE_RECONCILE)
    lot = _lock(lot)
    errors = _Errors()
    when = _when(errors, occurred_at)
    try:
        change = change_mg if isinstance(change_mg, Decimal) else Decimal(str(change_mg))
    except (InvalidOperation, ValueError):
        change = Decimal("NaN")
    if not change.is_finite() or change == 0:
        errors.add("change_mg", "Must be a number of mg other than 0 (negative removes stock).")
        change = Decimal(0)
    else:
        _positive_amount(errors, "change_mg", abs(change))
    _check_witness(errors, actor, lot.clinic, witness)
    if not reason.strip():
        errors.add("reason", "Give the reason for the adjustment (what the count found and why).")
    if corrects is not None and corrects.lot_id != lot.pk:
        errors.add("corrects", "The corrected entry must be of the same lot.")
    if resolves is not None:
        if resolves.lot_id != lot.pk:
            errors.add("resolves", "This count line is of another lot.")
        elif resolves.discrepancy_mg == 0:
            errors.add("resolves", "This count line has no discrepancy.")
        elif SubstanceLogEntry.objects.filter(resolves=resolves).exists():
            errors.add("resolves", "This discrepancy is already resolved.")
        elif change != resolves.discrepancy_mg:
            errors.add(
                "change_mg",
                f"Must be the counted discrepancy, {_fmt(resolves.discrepancy_mg)} mg.",
            )
    _check_not_before_lot(errors, lot, when)
    if change < 0:
        if "change_mg" not in errors and -change > lowest_balance_from(lot, when):
            errors.add(
                "change_mg",
                f"Lot {lot.lot_number} holds {_fmt(lot_balance_mg(lot))} mg; the balance "
                "cannot go below zero.",
            )
    errors.raise_if_any()
    detail = f"Adjustment of {_fmt(change)} mg"
    if resolves is not None:
        detail += f", resolving the discrepancy of count line {resolves.pk}"
    return _write(
        actor,
        SubstanceLogEntry(
            clinic=lot.clinic,
            lot=lot,
            kind=EntryKind.ADJUSTMENT,
            quantity_mg=abs(change),
            change_mg=change,
            occurred_at=when,
            recorded_by=actor.user,
            witness=witness,
            reason=reason.strip(),
            corrects=corrects,
            resolves=resolves,
        ),
        detail=detail,
    )


@transaction.atomic
def reconciliation_record(
    *,
    actor: Actor,
    counts_mg: Mapping[SubstanceLot, Decimal],
    witness: User | None = None,
    notes: str = "",
    counted_at: dt.datetime | None = None,
) -> Reconciliation:
    """A physical count: every lot of the acting clinic with a book balance must be counted.
    Each line keeps the book balance at ``counted_at``, the count and the discrepancy; non-zero
    discrepancies stay open until ``substance_adjust(resolves=line)``."""
    actor.require(Action.SUBSTANCE_RECONCILE)
    errors = _Errors()
    when = _when(errors, counted_at)
    clinic = actor.clinic
    lots = list(
        SubstanceLot.objects.select_for_update()
        .filter(clinic_id=actor.membership.clinic_id)
        .order_by("expiry_date", "id")
    )
    by_pk = {lot.pk: lot for lot in lots}
    counted: dict[int, Decimal] = {}
    for lot, value in counts_mg.items():
        if lot.pk not in by_pk:
            errors.add("counts_mg", f"Lot {lot.lot_number} is not kept at {clinic}.")
            continue
        try:
            amount = value if isinstance(value, Decimal) else Decimal(str(value))
        except (InvalidOperation, ValueError):
            amount = Decimal("NaN")
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(MG_STEP):
            errors.add(
                f"lot_{lot.pk}",
                f"Lot {lot.lot_number}: the count must be 0 mg or more, to 0.001 mg.",
            )
            continue
        counted[lot.pk] = amount
    book = {lot.pk: lot_balance_mg(lot, at=when) for lot in lots}
    for pk, balance in book.items():
        if balance != 0 and pk not in counted and f"lot_{pk}" not in errors:
            errors.add(f"lot_{pk}", f"Lot {by_pk[pk].lot_number} holds stock: count it.")
    if witness is not None:
        _check_witness(errors, actor, clinic, witness)
    if not counted and not errors:
        errors.add("counts_mg", "There is nothing to count.")
    errors.raise_if_any()
    reconciliation = Reconciliation(
        clinic=clinic, counted_at=when, counted_by=actor.user, witness=witness, notes=notes.strip()
    )
    reconciliation.full_clean()
    reconciliation.save()
    lines = []
    for pk, amount in counted.items():
        line = ReconciliationLine(
            reconciliation=reconciliation,
            lot=by_pk[pk],
            book_mg=book[pk],
            counted_mg=amount,
            discrepancy_mg=amount - book[pk],
        )
        line.full_clean()
        line.save()
        lines.append(line)
    discrepant = [line for line in lines if line.has_discrepancy]
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=reconciliation,
        changes={
            f"lot {line.lot.lot_number} (line {line.pk})": [
                _fmt(line.book_mg),
                _fmt(line.counted_mg),
            ]
            for line in lines
        },
        detail=(
            f"Count of {len(lines)} lot(s); {len(discrepant)} discrepancy(ies) open"
            if discrepant
            else f"Count of {len(lines)} lot(s); matches the book"
        ),
    )
    return reconciliation
