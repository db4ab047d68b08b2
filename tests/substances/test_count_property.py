"""A count saves for any counted amount in range, whatever the book balance: the discrepancy is
counted − book in exact decimal arithmetic, on SQLite (which stores decimals as floating point)
and on PostgreSQL alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kitclinic.substances.models import Reconciliation, ReconciliationLine
from kitclinic.substances.services import counts
from tests.substances.helpers import receive

MG = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=3)
ADJUSTMENTS = st.lists(
    st.decimals(min_value=Decimal("-40"), max_value=Decimal("-0.001"), places=3), max_size=4
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(adjustments=ADJUSTMENTS, counted=MG)
def test_any_count_in_range_saves_with_the_exact_discrepancy(world, adjustments, counted) -> None:
    nurse, physician = world.actor("nurse"), world.actor("physician")
    with transaction.atomic():
        lot = receive(nurse, vials=10, lot_number="KX-PROP")  # 50 mg/mL x 10 mL: 5000 mg
        for change in adjustments:
            counts.substance_adjust(
                actor=nurse, lot=lot, change_mg=change, witness=physician.user, reason="Spill"
            )
        book = Decimal("5000") + sum(adjustments, Decimal("0"))
        line = counts.reconciliation_record(actor=nurse, counts_mg={lot: counted}).lines.get()
        line.refresh_from_db()
        assert (line.book_mg, line.counted_mg) == (book, counted)
        assert line.discrepancy_mg == counted - book
        transaction.set_rollback(True)


def test_an_opened_vial_counted_off_the_book_saves(world) -> None:
    """6 full vials and 8 mL of a 50 mg/mL x 10 mL lot (3400 mg), against a book that a dispense
    of 41.2 mg left at a tenth of a milligram."""
    nurse, physician = world.actor("nurse"), world.actor("physician")
    lot = receive(nurse, vials=7, lot_number="KX-OPEN")
    counts.substance_adjust(
        actor=nurse, lot=lot, change_mg=Decimal("-41.2"), witness=physician.user, reason="Spill"
    )
    for counted in ("3400", "3415", "3450"):  # 8, 8.3 and 9 mL of the opened vial
        line = counts.reconciliation_record(
            actor=nurse, counts_mg={lot: Decimal(counted)}
        ).lines.get()
        assert line.discrepancy_mg == Decimal(counted) - Decimal("3458.8")


def test_the_database_still_refuses_a_discrepancy_off_by_one_step(world) -> None:
    """The half-step tolerance is not a loophole: 0.001 mg off is refused below the model."""
    nurse = world.actor("nurse")
    lot = receive(nurse, vials=1, lot_number="KX-OFF")
    reconciliation = Reconciliation.objects.create(
        clinic=world.clinic, counted_at=timezone.now(), counted_by=nurse.user
    )
    fields = {"reconciliation": reconciliation, "lot": lot, "book_mg": Decimal("500")}
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconciliationLine.objects.bulk_create(
            [
                ReconciliationLine(
                    **fields, counted_mg=Decimal("408"), discrepancy_mg=Decimal("-92.001")
                )
            ]
        )
    ReconciliationLine.objects.bulk_create(
        [ReconciliationLine(**fields, counted_mg=Decimal("408"), discrepancy_mg=Decimal("-92"))]
    )
