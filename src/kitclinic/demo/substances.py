"""Controlled-substance records of the synthetic demo: deterministic, every lot marked synthetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic
from kitclinic.substances.selectors import lot_balance_mg
from kitclinic.substances.services import counts, dispensing, stock


def seed_substances(*, south: Clinic, nurse: Actor, physician: Actor) -> None:
    """At the nurse's clinic: two lots received a fortnight ago, a witnessed waste, a transfer of
    two vials to ``south`` and a count that matches the book."""
    now = timezone.now().replace(second=0, microsecond=0)
    day = dt.timedelta(days=1)
    today = timezone.localdate()
    first = stock.substance_receive(
        actor=nurse,
        strength_mg_per_ml=Decimal("50"),
        vial_volume_ml=Decimal("10"),
        supplier="Demo Pharma Wholesale (synthetic)",
        lot_number="DEMO-KET-0001",
        expiry_date=today + 300 * day,
        vials=10,
        occurred_at=now - 14 * day,
        reason="Packing slip DEMO-PS-1001",
        is_synthetic=True,
    ).lot
    second = stock.substance_receive(
        actor=physician,
        strength_mg_per_ml=Decimal("100"),
        vial_volume_ml=Decimal("5"),
        supplier="Demo Pharma Wholesale (synthetic)",
        lot_number="DEMO-KET-0002",
        expiry_date=today + 420 * day,
        vials=5,
        occurred_at=now - 13 * day,
        reason="Packing slip DEMO-PS-1002",
        is_synthetic=True,
    ).lot
    dispensing.substance_waste(
        actor=nurse,
        lot=first,
        quantity_mg=Decimal("500"),
        witness=physician.user,
        reason="Vial dropped and broken while stocking the safe",
        occurred_at=now - 10 * day,
    )
    stock.substance_transfer(
        actor=nurse, lot=first, to_clinic=south, vials=2, occurred_at=now - 7 * day
    )
    counts.reconciliation_record(
        actor=nurse,
        counts_mg={lot: lot_balance_mg(lot) for lot in (first, second)},
        witness=physician.user,
        notes="Weekly count",
        counted_at=now - 6 * day,
    )
