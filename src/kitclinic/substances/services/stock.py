"""Stock arriving at a clinic: a receipt from a supplier makes a new lot; a transfer moves whole
vials of a lot to another clinic of the organization, a new lot there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic
from kitclinic.accounts.roles import Action
from kitclinic.lib.field_errors import Errors
from kitclinic.substances.models import MG_STEP, Drug, EntryKind, SubstanceLogEntry, SubstanceLot
from kitclinic.substances.selectors import lot_balance_mg, lowest_balance_from
from kitclinic.substances.services._common import (
    MAX_QUANTITY_MG,
    acting_at_lot,
    check_not_before_lot,
    fmt_mg,
    local_date,
    lock_lot,
    occurred_when,
    positive_amount,
    write_entry,
    write_lot,
)


def _positive_vials(errors: Errors, field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        errors.add(field, "Must be a whole number of vials, at least 1.")
        return 0
    return value


def _mg_per_vial(errors: Errors, strength: Decimal, volume: Decimal) -> Decimal:
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
    errors = Errors()
    when = occurred_when(errors, occurred_at)
    strength = positive_amount(errors, "strength_mg_per_ml", strength_mg_per_ml, "mg/mL")
    volume = positive_amount(errors, "vial_volume_ml", vial_volume_ml, "mL")
    count = _positive_vials(errors, "vials", vials)
    if not supplier.strip():
        errors.add("supplier", "Name the supplier.")
    if not lot_number.strip():
        errors.add("lot_number", "Enter the lot number printed on the vials.")
    if drug not in Drug.values:
        errors.add("drug", f"Must be one of: {', '.join(Drug.values)}.")
    if expiry_date < local_date(actor.clinic, when):
        errors.add("expiry_date", f"This lot expired on {expiry_date}; expired stock is refused.")
    quantity = Decimal(0)
    if not errors:
        quantity = _mg_per_vial(errors, strength, volume) * count
        if quantity > MAX_QUANTITY_MG:
            errors.add("vials", "Too many vials for one receipt.")
    errors.raise_if_any()
    lot = write_lot(
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
    return write_entry(
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
    actor = acting_at_lot(actor, lot, Action.SUBSTANCE_RECEIVE)
    lot = lock_lot(lot)
    errors = Errors()
    when = occurred_when(errors, occurred_at)
    count = _positive_vials(errors, "vials", vials)
    if to_clinic.organization_id != actor.organization_id:
        errors.add("to_clinic", "Stock can only be transferred to a clinic of your organization.")
    elif to_clinic.pk == lot.clinic_id:
        errors.add("to_clinic", "Choose another clinic than the one holding the lot.")
    quantity = lot.mg_per_vial * count
    if count:
        check_not_before_lot(errors, lot, when)
        if quantity > lowest_balance_from(lot, when):
            errors.add(
                "vials",
                f"Lot {lot.lot_number} holds {fmt_mg(lot_balance_mg(lot))} mg; {count} vial(s) "
                f"are {fmt_mg(quantity)} mg.",
            )
    errors.raise_if_any()
    out = write_entry(
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
    received = write_lot(
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
    into = write_entry(
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
