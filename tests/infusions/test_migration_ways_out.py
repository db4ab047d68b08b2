"""Migration 0005 renumbers courses whose sessions share a number or run out of start order (as
bookings in the past left them) before it adds the constraint, and audits each change."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.services import scheduling
from tests.infusions.helpers import book, slot_time

BEFORE = [("infusions", "0004_indication_labels")]


def _migrate(targets) -> None:  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_renumbers_duplicates_by_start_time(world, course, chair):
    first = book(world, course, chair, slot_time(9, 0, days=1))
    second = book(world, course, chair, slot_time(9, 0, days=2))
    third = book(world, course, chair, slot_time(9, 0, days=3))
    dropped = book(world, course, chair, slot_time(9, 0, days=4))
    scheduling.appointment_cancel(
        actor=world.actor("front_desk"), appointment=dropped.appointment, reason="x"
    )
    table = InfusionSession._meta.db_table
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            # the old numbering: a later booking of an earlier time, two sessions numbered 2
            for session, number in ((first, 2), (second, 2), (third, 1), (dropped, 3)):
                cursor.execute(
                    f"UPDATE {table} SET number = %s WHERE id = %s",  # noqa: S608
                    [number, session.pk],
                )
    finally:
        # every app to its latest migration again (going back to 0004 also unapplied the
        # migrations that depend on it), 0005 among them
        _migrate(None)
    numbers = dict(InfusionSession.objects.values_list("pk", "number"))
    assert [numbers[s.pk] for s in (first, second, third)] == [1, 2, 3]
    assert numbers[dropped.pk] == 3  # a cancelled session is left as it was
    events = AuditEvent.objects.filter(detail__contains="migration 0005")
    assert {(e.object_id, tuple(e.changes["number"])) for e in events} == {
        (str(first.pk), (2, 1)),
        (str(third.pk), (1, 3)),
    }
