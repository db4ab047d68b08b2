"""The audit trail is append-only: the model and queryset refuse changes, and on PostgreSQL the
database refuses them too."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from kitclinic.audit.models import AppendOnlyError, AuditEvent
from kitclinic.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(world, patient) -> AuditEvent:
    with transaction.atomic():
        return audit_record(
            actor=world.actor("nurse"), action="view", obj=patient, patient=patient, detail="seen"
        )


def test_saving_an_existing_event_is_refused(event):
    event.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).detail == "seen"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_is_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(detail="rewritten")
    assert AuditEvent.objects.get(pk=event.pk).detail == "seen"


def test_queryset_delete_is_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_bulk_update_is_refused(event):
    event.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["detail"])
    assert AuditEvent.objects.get(pk=event.pk).detail == "seen"


def test_new_event_is_always_inserted_even_with_a_preset_primary_key(event):
    copy = AuditEvent(
        pk=event.pk,
        occurred_at=event.occurred_at,
        action="view",
        detail="forged",
    )
    with pytest.raises(AppendOnlyError):
        copy.save()
    assert AuditEvent.objects.get(pk=event.pk).detail == "seen"


def test_raw_sql_update_is_refused_by_the_database_on_postgresql(event):
    """On PostgreSQL the trigger of migration 0002 refuses raw UPDATE and DELETE. On SQLite, which
    has no such trigger, the model guard is the protection: the same change through the ORM is
    refused, and raw SQL is the documented gap."""
    table = AuditEvent._meta.db_table
    if connection.vendor == "postgresql":
        for sql in (
            f"UPDATE {table} SET detail = 'rewritten' WHERE id = %s",
            f"DELETE FROM {table} WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, [event.pk])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_event_no_update_delete'"
            )
            assert cursor.fetchone()[0] == 1
    else:
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.filter(pk=event.pk).update(detail="rewritten")
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).detail == "seen"


def test_audit_record_fills_every_column_from_the_actor(world, patient):
    from dataclasses import replace

    actor = replace(world.actor("clinic_admin"), client_address="192.0.2.7")
    with transaction.atomic():
        event = audit_record(
            actor=actor,
            action="update",
            obj=patient,
            patient=patient,
            changes={"date_of_birth": [patient.date_of_birth, None]},
            detail="x" * 400,
        )
    event.refresh_from_db()
    assert event.actor_id == actor.user.pk
    assert event.actor_role == "clinic_admin"
    assert event.organization_id == world.clinic.organization_id
    assert event.clinic_id == world.clinic.pk
    assert event.client_address == "192.0.2.7"
    assert event.changes == {"date_of_birth": [patient.date_of_birth.isoformat(), None]}
    assert len(event.detail) == 300


def test_audit_record_without_actor_uses_the_given_organization(world):
    with transaction.atomic():
        event = audit_record(
            actor=None,
            action="login_failed",
            organization_id=world.clinic.organization_id,
            client_address="198.51.100.4",
            detail="unknown user",
        )
    event.refresh_from_db()
    assert (event.actor_id, event.actor_role, event.clinic_id) == (None, "", None)
    assert event.organization_id == world.clinic.organization_id
    assert event.client_address == "198.51.100.4"
