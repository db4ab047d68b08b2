"""Records for the controlled-substance tests (and the infusion tests that draw from a lot)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kitclinic.substances.models import SubstanceLot
from kitclinic.substances.services import stock


def receive(actor, *, vials: int = 2, expiry: dt.date | None = None, **kwargs) -> SubstanceLot:
    """Receive ``vials`` vials of 50 mg/mL × 10 mL (500 mg each) at the actor's clinic."""
    entry = stock.substance_receive(
        actor=actor,
        strength_mg_per_ml=Decimal("50"),
        vial_volume_ml=Decimal("10"),
        supplier="Example Pharma Supply",
        lot_number=kwargs.pop("lot_number", "KX-1001"),
        expiry_date=expiry or timezone.localdate() + dt.timedelta(days=365),
        vials=vials,
        **kwargs,
    )
    return entry.lot
