"""Refused writes: each names the field and leaves every controlled-substance table and the audit
trail exactly as they were."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from kitclinic.substances.models import AppendOnlyError, SubstanceLogEntry, SubstanceLot
from kitclinic.substances.services import counts, dispensing, stock
from tests.substances.helpers import receive
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _refused(call, field: str) -> ValidationError:
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        call()
    assert field in exc.value.message_dict, exc.value.message_dict
    assert row_counts() == before
    return exc.value


def _waste(world, lot, witness, **kwargs):
    return lambda: dispensing.substance_waste(
        actor=world.actor("nurse"),
        lot=lot,
        quantity_mg=kwargs.pop("quantity_mg", Decimal("10")),
        witness=witness,
        reason=kwargs.pop("reason", "Remainder of the syringe"),
        **kwargs,
    )


def test_waste_without_a_witness_is_refused(world, lot):
    error = _refused(_waste(world, lot, None), "witness")
    assert error.message_dict["witness"] == ["A witness is required."]


def test_waste_witnessed_by_the_recorder_is_refused(world, lot):
    error = _refused(_waste(world, lot, world.users["nurse"]), "witness")
    assert "another person" in error.message_dict["witness"][0]


@pytest.mark.parametrize("persona", ["front_desk", "clinic_admin", "auditor", "other_org"])
def test_waste_witness_without_a_clinical_role_at_the_clinic_is_refused(world, lot, persona):
    error = _refused(_waste(world, lot, world.users[persona]), "witness")
    assert "physician or nurse" in error.message_dict["witness"][0]


def test_witness_whose_role_is_at_another_clinic_or_inactive_is_refused(world, lot, sister_clinic):
    from tests.factories import MembershipFactory, UserFactory

    elsewhere = UserFactory()
    MembershipFactory(user=elsewhere, clinic=sister_clinic, role="nurse")
    _refused(_waste(world, lot, elsewhere), "witness")
    membership = world.memberships["physician"]
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    _refused(_waste(world, lot, world.users["physician"]), "witness")


def test_waste_without_a_reason_is_refused(world, lot):
    _refused(_waste(world, lot, world.users["physician"], reason="  "), "reason")


def test_dispense_beyond_the_balance_is_refused(sess, world, lot):
    error = _refused(
        lambda: dispensing.substance_dispense(
            actor=world.actor("nurse"), lot=lot, quantity_mg=Decimal("1000.001"), session=sess
        ),
        "quantity_mg",
    )
    assert error.message_dict["quantity_mg"] == ["Only 1000 mg remain in lot KX-1001."]


def test_waste_beyond_the_balance_is_refused(world, lot):
    _refused(
        _waste(world, lot, world.users["physician"], quantity_mg=Decimal("1500")), "quantity_mg"
    )


def test_dispense_from_an_expired_lot_is_refused(sess, world):
    nurse = world.actor("nurse")
    today = timezone.localdate()
    expired = receive(
        nurse,
        expiry=today - dt.timedelta(days=1),
        occurred_at=timezone.now() - dt.timedelta(days=10),
    )
    error = _refused(
        lambda: dispensing.substance_dispense(
            actor=nurse, lot=expired, quantity_mg=Decimal("10"), session=sess
        ),
        "lot",
    )
    assert "expired on" in error.message_dict["lot"][0]


def test_receiving_an_expired_lot_is_refused(world):
    _refused(
        lambda: receive(world.actor("nurse"), expiry=timezone.localdate() - dt.timedelta(days=1)),
        "expiry_date",
    )


@pytest.mark.parametrize("quantity", [Decimal("0"), Decimal("-5"), Decimal("0.0001"), "abc"])
def test_dispense_of_zero_negative_or_malformed_quantity_is_refused(sess, world, lot, quantity):
    _refused(
        lambda: dispensing.substance_dispense(
            actor=world.actor("nurse"), lot=lot, quantity_mg=quantity, session=sess
        ),
        "quantity_mg",
    )


@pytest.mark.parametrize("quantity", [Decimal("0"), Decimal("-10")])
def test_waste_of_zero_or_negative_quantity_is_refused(world, lot, quantity):
    _refused(_waste(world, lot, world.users["physician"], quantity_mg=quantity), "quantity_mg")


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("vials", {"vials": 0}),
        ("vials", {"vials": -2}),
        ("strength_mg_per_ml", {"strength_mg_per_ml": Decimal("-50")}),
        ("vial_volume_ml", {"vial_volume_ml": Decimal("0")}),
        ("supplier", {"supplier": " "}),
        ("lot_number", {"lot_number": ""}),
        ("occurred_at", {"occurred_at": timezone.now() + dt.timedelta(days=1)}),
    ],
)
def test_bad_receipt_is_refused(world, field, overrides):
    values = {
        "strength_mg_per_ml": Decimal("50"),
        "vial_volume_ml": Decimal("10"),
        "supplier": "Example Pharma Supply",
        "lot_number": "KX-1",
        "expiry_date": timezone.localdate() + dt.timedelta(days=100),
        "vials": 2,
        **overrides,
    }
    _refused(lambda: stock.substance_receive(actor=world.actor("nurse"), **values), field)


def test_dispense_without_a_session_is_refused(sess, world, lot):
    _refused(
        lambda: dispensing.substance_dispense(
            actor=world.actor("nurse"), lot=lot, quantity_mg=Decimal("10"), session=None
        ),
        "session",
    )


def test_transfer_to_another_organizations_clinic_is_refused(world, lot):
    _refused(
        lambda: stock.substance_transfer(
            actor=world.actor("nurse"), lot=lot, to_clinic=world.other_clinic, vials=1
        ),
        "to_clinic",
    )


def test_transfer_to_the_same_clinic_or_beyond_the_balance_is_refused(world, lot, sister_clinic):
    nurse = world.actor("nurse")
    _refused(
        lambda: stock.substance_transfer(actor=nurse, lot=lot, to_clinic=world.clinic, vials=1),
        "to_clinic",
    )
    _refused(
        lambda: stock.substance_transfer(actor=nurse, lot=lot, to_clinic=sister_clinic, vials=3),
        "vials",
    )


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("witness", {"witness": None}),
        ("reason", {"reason": ""}),
        ("change_mg", {"change_mg": Decimal("0")}),
        ("change_mg", {"change_mg": Decimal("-1000.5")}),
    ],
)
def test_bad_adjustment_is_refused(world, lot, field, overrides):
    values = {
        "change_mg": Decimal("-5"),
        "witness": world.users["physician"],
        "reason": "Count short",
        **overrides,
    }
    _refused(lambda: counts.substance_adjust(actor=world.actor("nurse"), lot=lot, **values), field)


def test_a_user_acting_at_another_clinic_cannot_write_to_this_clinics_lot(sess, world, lot):
    other = world.actor("other_org")
    _refused(
        lambda: dispensing.substance_dispense(
            actor=other, lot=lot, quantity_mg=Decimal("10"), session=sess
        ),
        "lot",
    )


@pytest.mark.parametrize("persona", ["front_desk", "clinic_admin", "auditor"])
def test_roles_that_do_not_handle_the_drug_are_refused_by_the_services(sess, world, lot, persona):
    actor = world.actor(persona)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        dispensing.substance_dispense(actor=actor, lot=lot, quantity_mg=Decimal("1"), session=sess)
    with pytest.raises(PermissionDenied):
        receive(actor)
    assert row_counts() == before


# --- append-only --------------------------------------------------------------------------------


@pytest.fixture
def entry(world, lot, sess) -> SubstanceLogEntry:
    return dispensing.substance_dispense(
        actor=world.actor("nurse"), lot=lot, quantity_mg=Decimal("35"), session=sess
    )


def test_editing_an_entry_is_refused(entry):
    before = row_counts()
    entry.quantity_mg = Decimal("3.5")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        SubstanceLogEntry.objects.filter(pk=entry.pk).update(quantity_mg=Decimal("3.5"))
    with pytest.raises(AppendOnlyError):
        SubstanceLogEntry.objects.bulk_update([entry], ["quantity_mg"])
    assert SubstanceLogEntry.objects.get(pk=entry.pk).quantity_mg == Decimal("35")
    assert row_counts() == before


def test_deleting_an_entry_or_a_lot_is_refused(entry, lot):
    before = row_counts()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        SubstanceLogEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        lot.delete()
    with pytest.raises(AppendOnlyError):
        SubstanceLot.objects.filter(pk=lot.pk).update(expiry_date=dt.date(2030, 1, 1))
    assert row_counts() == before


def test_raw_sql_update_or_delete_is_refused_by_the_database_on_postgresql(entry, lot):
    """On PostgreSQL the triggers of migration 0002 refuse raw UPDATE and DELETE on every table of
    the log. SQLite has no such trigger; there the model guard is the protection (tested above)."""
    if connection.vendor != "postgresql":
        with pytest.raises(AppendOnlyError):
            SubstanceLogEntry.objects.filter(pk=entry.pk).delete()
        return
    before = row_counts()
    for table, pk in (
        (SubstanceLogEntry._meta.db_table, entry.pk),
        (SubstanceLot._meta.db_table, lot.pk),
    ):
        for sql in (
            f"UPDATE {table} SET id = id WHERE id = %s",
            f"DELETE FROM {table} WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, [pk])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE %s",
            ["substances_%_no_update_delete"],
        )
        assert cursor.fetchone()[0] == 4
    assert row_counts() == before


def test_database_constraints_refuse_an_unwitnessed_waste_written_around_the_service(world, lot):
    before = row_counts()
    with pytest.raises(IntegrityError), transaction.atomic():
        SubstanceLogEntry.objects.create(
            clinic=world.clinic,
            lot=lot,
            kind="waste",
            quantity_mg=Decimal("5"),
            change_mg=Decimal("-5"),
            occurred_at=timezone.now(),
            recorded_by=world.users["nurse"],
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SubstanceLogEntry.objects.create(
            clinic=world.clinic,
            lot=lot,
            kind="dispense",
            quantity_mg=Decimal("5"),
            change_mg=Decimal("5"),  # a dispense that adds stock
            occurred_at=timezone.now(),
            recorded_by=world.users["nurse"],
        )
    assert row_counts() == before
