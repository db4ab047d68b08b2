"""The controlled-substance draw of a session, one rule for both treatment kinds: the amount given
is dispensed from the named lot to the session (``substance_dispense``) in the step's
transaction; an IV infusion draws the ordered mg at the start, a nasal-spray session each
device's mg as it is given. A lot of the other kind's drug is refused, and every refusal of the
log is an error on the ``lot`` field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from kitclinic.accounts.actor import Actor
from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.services._common import field_error
from kitclinic.substances.models import Drug, SubstanceLogEntry, SubstanceLot
from kitclinic.substances.services.dispensing import substance_dispense

# The drug a session of each treatment kind draws.
KIND_DRUG = {
    "iv_ketamine": Drug.KETAMINE_HCL,
    "esketamine_nasal": Drug.ESKETAMINE_HCL_NASAL,
}


def session_draw(
    *,
    actor: Actor,
    session: InfusionSession,
    lot: SubstanceLot,
    quantity_mg: Decimal,
    reason: str,
    now: dt.datetime,
) -> SubstanceLogEntry:
    """Dispense ``quantity_mg`` from ``lot`` to ``session``; a refusal names the lot field."""
    wanted = KIND_DRUG[session.course.kind]
    if lot.drug != wanted:
        raise field_error(
            "lot",
            f"Lot {lot.lot_number} holds {lot.get_drug_display().lower()}; this session gives "
            f"{Drug(wanted).label.lower()}.",
        )
    try:
        return substance_dispense(
            actor=actor,
            lot=lot,
            quantity_mg=quantity_mg,
            session=session,
            occurred_at=now,
            reason=reason,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        messages = [m for ms in error.message_dict.values() for m in ms]
        raise field_error("lot", " ".join(messages)) from None
