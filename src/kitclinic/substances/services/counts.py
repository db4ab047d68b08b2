"""Physical counts and the adjustments that bring the book to what is there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.db import transaction

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.lib.field_errors import Errors
from kitclinic.substances.models import (
    MG_STEP,
    EntryKind,
    Reconciliation,
    ReconciliationLine,
    SubstanceLogEntry,
    SubstanceLot,
)
from kitclinic.substances.selectors import lot_balance_mg, lowest_balance_from
from kitclinic.substances.services._common import (
    acting_at_lot,
    check_not_before_lot,
    check_witness,
    fmt_mg,
    lock_lot,
    occurred_when,
    positive_amount,
    write_entry,
)


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
    actor = acting_at_lot(actor, lot, Action.SUBSTANCE_RECONCILE)
    lot = lock_lot(lot)
    errors = Errors()
    when = occurred_when(errors, occurred_at)
    try:
        change = change_mg if isinstance(change_mg, Decimal) else Decimal(str(change_mg))
    except (InvalidOperation, ValueError):
        change = Decimal("NaN")
    if not change.is_finite() or change == 0:
        errors.add("change_mg", "Must be a number of mg other than 0 (negative removes stock).")
        change = Decimal(0)
    else:
        positive_amount(errors, "change_mg", abs(change))
    check_witness(errors, actor, lot.clinic, witness)
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
                f"Must be the counted discrepancy, {fmt_mg(resolves.discrepancy_mg)} mg.",
            )
    check_not_before_lot(errors, lot, when)
    if change < 0:
        if "change_mg" not in errors and -change > lowest_balance_from(lot, when):
            errors.add(
                "change_mg",
                f"Lot {lot.lot_number} holds {fmt_mg(lot_balance_mg(lot))} mg; the balance "
                "cannot go below zero.",
            )
    errors.raise_if_any()
    detail = f"Adjustment of {fmt_mg(change)} mg"
    if resolves is not None:
        detail += f", resolving the discrepancy of count line {resolves.pk}"
    return write_entry(
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
    errors = Errors()
    when = occurred_when(errors, counted_at)
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
        check_witness(errors, actor, clinic, witness)
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
                fmt_mg(line.book_mg),
                fmt_mg(line.counted_mg),
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
