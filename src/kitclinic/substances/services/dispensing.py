"""Stock given or discarded: a dispense to an infusion session, and witnessed waste."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models, transaction

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.lib.field_errors import Errors
from kitclinic.substances.models import EntryKind, SubstanceLogEntry, SubstanceLot
from kitclinic.substances.selectors import lot_balance_mg, lowest_balance_from
from kitclinic.substances.services._common import (
    acting_at_lot,
    check_not_before_lot,
    check_witness,
    fmt_mg,
    local_date,
    lock_lot,
    occurred_when,
    positive_amount,
    write_entry,
)
from kitclinic.substances.sessions import session_source


def _check_session(errors: Errors, lot: SubstanceLot, session: models.Model) -> None:
    # An infusion session, known through the source the infusions app registers (sessions.py).
    facts = session_source().facts(session)
    if facts.clinic_id != lot.clinic_id:
        errors.add("session", "This session is not at the clinic holding the lot.")
    elif facts.not_held_label:
        errors.add("session", f"This session did not take place ({facts.not_held_label.lower()}).")


def _check_stock(errors: Errors, lot: SubstanceLot, when: dt.datetime, take_mg: Decimal) -> None:
    """``take_mg`` may leave the lot at ``when`` only if no balance from then on goes negative."""
    if "quantity_mg" in errors or take_mg <= 0:
        return
    available = lowest_balance_from(lot, when)
    if take_mg > available:
        balance = lot_balance_mg(lot)
        if available == balance:
            message = f"Only {fmt_mg(balance)} mg remain in lot {lot.lot_number}."
        else:
            message = (
                f"Lot {lot.lot_number} holds {fmt_mg(balance)} mg now, but taking "
                f"{fmt_mg(take_mg)} mg at that time would leave a later balance below zero "
                f"(at most {fmt_mg(max(available, Decimal(0)))} mg can be taken then)."
            )
        errors.add("quantity_mg", message)


@transaction.atomic
def substance_dispense(
    *,
    actor: Actor,
    lot: SubstanceLot,
    quantity_mg: Decimal,
    session: models.Model | None,
    occurred_at: dt.datetime | None = None,
    reason: str = "",
) -> SubstanceLogEntry:
    """``quantity_mg`` of ``lot`` given in the infusion ``session`` (of the lot's clinic). Refused beyond
    the lot's balance and from an expired lot. What was drawn but not given is recorded with
    ``substance_waste`` (witnessed); a session's draw is its dispenses plus its waste."""
    actor = acting_at_lot(actor, lot, Action.SUBSTANCE_DISPENSE)
    lot = lock_lot(lot)
    errors = Errors()
    when = occurred_when(errors, occurred_at)
    quantity = positive_amount(errors, "quantity_mg", quantity_mg)
    if session is None:
        errors.add("session", "Choose the infusion session the drug is given in.")
    else:
        _check_session(errors, lot, session)
    if lot.expiry_date < local_date(lot.clinic, when):
        errors.add("lot", f"Lot {lot.lot_number} expired on {lot.expiry_date}; do not dispense it.")
    check_not_before_lot(errors, lot, when)
    _check_stock(errors, lot, when, quantity)
    errors.raise_if_any()
    return write_entry(
        actor,
        SubstanceLogEntry(
            clinic=lot.clinic,
            lot=lot,
            kind=EntryKind.DISPENSE,
            quantity_mg=quantity,
            change_mg=-quantity,
            occurred_at=when,
            recorded_by=actor.user,
            session_id=None if session is None else session.pk,
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
    session: models.Model | None = None,
    occurred_at: dt.datetime | None = None,
) -> SubstanceLogEntry:
    """Drug drawn or opened but not given, discarded in front of a witness: another person with
    an active physician or nurse role at the lot's clinic ([waste-witness]: two licensed staff)."""
    actor = acting_at_lot(actor, lot, Action.SUBSTANCE_DISPENSE)
    lot = lock_lot(lot)
    errors = Errors()
    when = occurred_when(errors, occurred_at)
    quantity = positive_amount(errors, "quantity_mg", quantity_mg)
    check_witness(errors, actor, lot.clinic, witness)
    if not reason.strip():
        errors.add("reason", "Say why the drug is wasted (for example: remainder of the vial).")
    if session is not None:
        _check_session(errors, lot, session)
    check_not_before_lot(errors, lot, when)
    _check_stock(errors, lot, when, quantity)
    errors.raise_if_any()
    return write_entry(
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
            session_id=None if session is None else session.pk,
        ),
    )
