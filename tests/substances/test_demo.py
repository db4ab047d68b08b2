"""The demo seed's controlled-substance records: synthetic lots, a consistent book at both clinics."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from kitclinic.substances.models import Reconciliation, SubstanceLogEntry, SubstanceLot
from kitclinic.substances.selectors import lot_balance_mg

pytestmark = pytest.mark.django_db


def test_seed_adds_lots_entries_a_transfer_and_a_matching_count():
    call_command("seed_demo", patients=3, stdout=None)
    assert not SubstanceLot.objects.filter(is_synthetic=False).exists()
    kinds = sorted(SubstanceLogEntry.objects.values_list("kind", flat=True))
    assert kinds == ["receipt", "receipt", "transfer_in", "transfer_out", "waste"]
    balances = {
        (lot.clinic.name, lot.lot_number): lot_balance_mg(lot) for lot in SubstanceLot.objects.all()
    }
    assert balances == {
        ("Northside Infusion Center", "DEMO-KET-0001"): Decimal("3500"),  # 5000 − 500 − 1000
        ("Northside Infusion Center", "DEMO-KET-0002"): Decimal("2500"),
        ("Southside Infusion Center", "DEMO-KET-0001"): Decimal("1000"),
    }
    count = Reconciliation.objects.get()
    assert not count.lines.exclude(discrepancy_mg=0).exists()
