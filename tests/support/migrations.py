"""Run the operations of one migration again on the test database, as ``migrate`` runs them.

A data migration is tested on the records it has to put right: the test writes them (after
dropping the constraint the migration adds, where the records break it), then runs the
migration's own operations from the data step on, with the historical models of the state
before that step, exactly as ``migrate`` does. Migrating the whole project back to the migration
before and forward again would test the same thing, but Django then renders the model state of
every later migration of every app twice: about twenty seconds a test, against a fraction of
one here.

Where the step cannot run on today's schema, the test migrates back instead: migration 0005 of
infusions writes audit events in the shape they had before the audit chain (audit 0003) added
its hash column, so tests/infusions/test_migration_ways_out.py unapplies both.
"""

from __future__ import annotations

from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.models import Model


def run_migration_from(app_label: str, name: str, first: type[Operation]) -> None:
    """Run the operations of migration ``app_label.name`` from its first operation of type
    ``first`` to its end, on the state the operations before it left, in one transaction where
    the database allows it (as ``migrate`` runs a migration). An exception from an operation
    leaves the database as it was before the call."""
    loader = MigrationLoader(connection)
    migration = loader.graph.nodes[(app_label, name)]
    operations = list(migration.operations)
    start = next(i for i, op in enumerate(operations) if isinstance(op, first))
    state = loader.project_state((app_label, name), at_end=False)
    for operation in operations[:start]:
        operation.state_forwards(app_label, state)
    rest = migrations.Migration(name, app_label)
    rest.operations = operations[start:]
    rest.atomic = migration.atomic
    with connection.schema_editor(atomic=migration.atomic) as editor:
        rest.apply(state, editor)


def drop_constraint(model: type[Model], name: str) -> None:
    """Drop the model's constraint ``name`` from the database (the migration under test adds it
    again); ``restore_constraint`` puts it back if the test stops before that."""
    constraint = next(c for c in model._meta.constraints if c.name == name)
    with connection.schema_editor() as editor:
        editor.remove_constraint(model, constraint)


def restore_constraint(model: type[Model], name: str) -> None:
    """Add the model's constraint ``name`` to the database unless it is there, so that a test
    that stopped half-way leaves the schema every later test expects."""
    with connection.cursor() as cursor:
        present = connection.introspection.get_constraints(cursor, model._meta.db_table)
    if name in present:
        return
    constraint = next(c for c in model._meta.constraints if c.name == name)
    with connection.schema_editor() as editor:
        editor.add_constraint(model, constraint)
