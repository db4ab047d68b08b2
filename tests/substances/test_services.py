"""The controlled-substance services: balances from the entries, witnessed waste, transfers,
adjustments, counts, and the audit event written with each entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kitclinic.audit.models import AuditEvent
from kitclinic.substances import selectors
from kitclinic.substances.models import EntryKind, SubstanceLogEntry, SubstanceLot
from kitclinic.substances.services import counts, dispensing, stock
from tests.substances.helpers import receive
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _ago(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def test_receipt_creates_the_lot_and_a_receipt_entry_and_audits_both(world):
    entry = stock.substance_receive(
        actor=world.actor("nurse"),
        strength_mg_per_ml=Decimal("50"),
        vial_volume_ml=Decimal("10"),
        supplier="Example Pharma Supply",
        lot_number=" KX-7 ",
        expiry_date=timezone.localdate() + dt.timedelta(days=200),
        vials=3,
    )
    lot = entry.lot
    assert (lot.lot_number, lot.received_vials, lot.clinic) == ("KX-7", 3, world.clinic)
    assert lot.mg_per_vial == Decimal("500.000")
    assert (entry.kind, entry.quantity_mg, entry.change_mg, entry.vials) == (
        "receipt",
        Decimal("1500.000"),
        Decimal("1500.000"),
        3,
    )
    assert selectors.lot_balance_mg(lot) == Decimal("1500")
    events = AuditEvent.objects.filter(object_type__startswith="substances.")
    assert sorted(events.values_list("object_type", flat=True)) == [
        "substances.substancelogentry",
        "substances.substancelot",
    ]
    entry_event = events.get(object_type="substances.substancelogentry")
    assert entry_event.changes["quantity_mg"] == [None, "1500.000"]
    assert entry_event.actor_id == world.users["nurse"].pk


def test_running_balance_after_a_sequence_of_entries(sess, world, lot, sister_clinic):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    dispensing.substance_dispense(
        actor=nurse, lot=lot, quantity_mg=Decimal("35"), session=sess, occurred_at=_ago(50)
    )
    dispensing.substance_waste(
        actor=nurse,
        lot=lot,
        quantity_mg=Decimal("15.5"),
        witness=physician.user,
        reason="Remainder of the drawn syringe",
        session=sess,
        occurred_at=_ago(45),
    )
    dispensing.substance_dispense(
        actor=physician,
        lot=lot,
        quantity_mg=Decimal("42.125"),
        session=sess,
        occurred_at=_ago(40),
    )
    out, into = stock.substance_transfer(
        actor=nurse, lot=lot, to_clinic=sister_clinic, vials=1, occurred_at=_ago(30)
    )
    counts.substance_adjust(
        actor=nurse,
        lot=lot,
        change_mg=Decimal("-2.375"),
        witness=physician.user,
        reason="Count short after spill",
        occurred_at=_ago(20),
    )
    chronological = SubstanceLogEntry.objects.filter(lot=lot).order_by("occurred_at", "id")
    balances = [p.balance_mg for p in selectors.running_balances(chronological)]
    assert balances == [
        Decimal("1000"),
        Decimal("965"),
        Decimal("949.5"),
        Decimal("907.375"),
        Decimal("407.375"),
        Decimal("405"),
    ]
    assert selectors.lot_balance_mg(lot) == Decimal("405")
    assert selectors.lot_balance_mg(into.lot) == Decimal("500")
    assert out.kind == EntryKind.TRANSFER_OUT and into.transfer_pair == out
    assert into.lot.clinic == sister_clinic and into.lot.received_from_clinic == world.clinic
    assert into.lot.lot_number == lot.lot_number and into.lot.expiry_date == lot.expiry_date
    [row] = [b for b in selectors.lot_balances(nurse) if b.lot == lot]
    assert row.balance_mg == Decimal("405") and row.balance_vials == Decimal("0.81")


def test_dispense_of_the_whole_balance_leaves_zero_and_the_lot_drops_from_the_list(
    sess, world, lot
):
    nurse = world.actor("nurse")
    dispensing.substance_dispense(actor=nurse, lot=lot, quantity_mg=Decimal("1000"), session=sess)
    assert selectors.lot_balance_mg(lot) == 0
    assert selectors.lot_balances(nurse) == []
    assert [b.lot for b in selectors.lot_balances(nurse, include_empty=True)] == [lot]


def test_fractional_amounts_that_use_up_the_lot_leave_exactly_zero(sess, world, lot):
    """SQLite adds DECIMAL columns as floating point: 0.1 + 0.2 style sums once left a balance of
    a few 1e-13 mg, so an empty lot stayed listed and a count reported stock."""
    nurse = world.actor("nurse")
    for _ in range(3):
        dispensing.substance_dispense(
            actor=nurse, lot=lot, quantity_mg=Decimal("33.3"), session=sess
        )
    dispensing.substance_dispense(actor=nurse, lot=lot, quantity_mg=Decimal("900.1"), session=sess)
    assert selectors.lot_balance_mg(lot) == Decimal("0")
    assert str(selectors.lot_balance_mg(lot)) == "0.000"
    assert selectors.lot_balances(nurse) == []


def test_backdated_dispense_cannot_make_a_later_balance_negative(sess, world, lot):
    nurse = world.actor("nurse")
    dispensing.substance_dispense(
        actor=nurse, lot=lot, quantity_mg=Decimal("900"), session=sess, occurred_at=_ago(10)
    )
    counts.substance_adjust(
        actor=nurse,
        lot=lot,
        change_mg=Decimal("500"),
        witness=world.users["physician"],
        reason="Vial found in the wrong safe",
        occurred_at=_ago(5),
    )
    before = row_counts()
    # 600 mg are there now, but 200 mg taken before the 900 mg dispense would have left -100 mg
    # after it.
    with pytest.raises(ValidationError) as exc:
        dispensing.substance_dispense(
            actor=nurse,
            lot=lot,
            quantity_mg=Decimal("200"),
            session=sess,
            occurred_at=_ago(30),
        )
    assert "later balance below zero" in exc.value.message_dict["quantity_mg"][0]
    assert row_counts() == before


def test_entry_before_the_lot_was_received_is_refused(sess, world, lot):
    with pytest.raises(ValidationError) as exc:
        dispensing.substance_dispense(
            actor=world.actor("nurse"),
            lot=lot,
            quantity_mg=Decimal("10"),
            session=sess,
            occurred_at=_ago(24 * 60),
        )
    assert "occurred_at" in exc.value.message_dict


def test_reconciliation_flags_a_discrepancy_which_stays_open_until_resolved(world, lot):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    second = receive(nurse, vials=1, lot_number="KX-2002")
    reconciliation = counts.reconciliation_record(
        actor=nurse,
        counts_mg={lot: Decimal("990"), second: Decimal("500")},
        witness=physician.user,
        notes="Monthly count",
    )
    lines = {line.lot_id: line for line in reconciliation.lines.all()}
    assert (lines[lot.pk].book_mg, lines[lot.pk].counted_mg) == (Decimal("1000"), Decimal("990"))
    assert lines[lot.pk].discrepancy_mg == Decimal("-10")
    assert lines[second.pk].discrepancy_mg == 0
    assert list(selectors.open_discrepancies(nurse)) == [lines[lot.pk]]
    event = AuditEvent.objects.get(object_type="substances.reconciliation")
    assert "1 discrepancy(ies) open" in event.detail

    entry = counts.substance_adjust(
        actor=nurse,
        lot=lot,
        change_mg=Decimal("-10"),
        witness=physician.user,
        reason="Broken ampoule found in the sharps bin",
        resolves=lines[lot.pk],
    )
    assert list(selectors.open_discrepancies(nurse)) == []
    assert selectors.lot_balance_mg(lot) == Decimal("990")
    assert entry.resolves == lines[lot.pk]
    assert "resolving the discrepancy" in AuditEvent.objects.get(object_id=str(entry.pk)).detail


def test_resolving_needs_the_counted_discrepancy_and_only_once(world, lot):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    reconciliation = counts.reconciliation_record(actor=nurse, counts_mg={lot: Decimal("1010")})
    line = reconciliation.lines.get()
    with pytest.raises(ValidationError) as exc:
        counts.substance_adjust(
            actor=nurse,
            lot=lot,
            change_mg=Decimal("5"),
            witness=physician.user,
            reason="Overage",
            resolves=line,
        )
    assert "10 mg" in exc.value.message_dict["change_mg"][0]
    counts.substance_adjust(
        actor=nurse,
        lot=lot,
        change_mg=Decimal("10"),
        witness=physician.user,
        reason="Receipt under-counted",
        resolves=line,
    )
    with pytest.raises(ValidationError) as exc:
        counts.substance_adjust(
            actor=nurse,
            lot=lot,
            change_mg=Decimal("10"),
            witness=physician.user,
            reason="again",
            resolves=line,
        )
    assert exc.value.message_dict["resolves"] == ["This discrepancy is already resolved."]
    assert selectors.lot_balance_mg(lot) == Decimal("1010")


def test_a_count_must_cover_every_lot_holding_stock(world, lot):
    nurse = world.actor("nurse")
    second = receive(nurse, vials=1, lot_number="KX-2002")
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        counts.reconciliation_record(actor=nurse, counts_mg={lot: Decimal("1000")})
    assert exc.value.message_dict == {f"lot_{second.pk}": ["Lot KX-2002 holds stock: count it."]}
    assert row_counts() == before


def test_adjustment_can_name_the_entry_it_corrects(sess, world, lot):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    wrong = dispensing.substance_dispense(
        actor=nurse, lot=lot, quantity_mg=Decimal("53"), session=sess
    )
    fix = counts.substance_adjust(
        actor=nurse,
        lot=lot,
        change_mg=Decimal("18"),
        witness=physician.user,
        reason="35 mg were given, 53 was a typing error",
        corrects=wrong,
    )
    assert list(wrong.corrections.all()) == [fix]
    assert selectors.lot_balance_mg(lot) == Decimal("965")
    assert SubstanceLot.objects.count() == 1
