"""Run the operations of one migration again on the test database, as ``migrate`` runs them.

A data migration is tested on the records it has to put right: the test writes them (after
dropping the constraint the migration adds, where the records break it), then runs the
migration's own operations from the data step on, with the historical models of the state
before that step, exactly as ``migrate`` does. Migrating the whole project back to the migration
before and forward again would test the same thing, but Django then renders the model state of
every later migration of every app twice: about twenty seconds a test, against a fraction of
one here.

Where the step cannot run on today's schema, the test runs ``migrate`` forward on a database
that was never migrated further: migration 0005 of infusions writes audit events in the shape
they had before the audit chain (audit 0003) added its hash column, and audit 0003 then chains
them. ``database_migrated_to`` opens a copy of a database migrated only as far as the migration
before (built once per run, tests/support/databases.py); the test writes its records there with
the historical models of that state (``historical_models``) and migrates the copy forward
(``migrate``), which applies only the migrations on the way: two seconds or so, where going
back from today's schema and forward again unapplies and reapplies every later migration.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.apps.registry import Apps
from django.core.management import call_command
from django.db import connection, connections, migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.models import BaseConstraint, Model
from django.test import override_settings

from tests.support import databases

ALIAS = "migrated_copy"


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


def constraint_present(model: type[Model], name: str) -> bool:
    """Whether the database holds the model's constraint ``name``."""
    with connection.cursor() as cursor:
        return name in connection.introspection.get_constraints(cursor, model._meta.db_table)


def _declared(model: type[Model], name: str) -> BaseConstraint:
    return next(c for c in model._meta.constraints if c.name == name)


def drop_constraint(model: type[Model], name: str) -> None:
    """Drop the model's constraint ``name`` from the database (the migration under test adds it
    again); ``restore_constraint`` puts it back if the test stops before that."""
    with connection.schema_editor() as editor:
        editor.remove_constraint(model, _declared(model, name))


def restore_constraint(model: type[Model], name: str) -> None:
    """Add the model's constraint ``name`` to the database unless it is there, so that a test
    that stopped half-way leaves the schema every later test expects."""
    if constraint_present(model, name):
        return
    with connection.schema_editor() as editor:
        editor.add_constraint(model, _declared(model, name))


@contextmanager
def database_migrated_to(
    target: tuple[str, str], tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Iterator[str]:
    """A database of the suite's engine on which ``kitclinic migrate <app> <migration>`` ran
    (``target``) and nothing more: a copy of one built once per run (a SQLite file in
    ``tmp_path``, or a PostgreSQL database dropped when the block ends). Yields its connection
    alias. While the block runs, every query of a model goes to the copy (a database router), as
    every query of ``migrate`` goes to the project's one database: a migration's data step uses
    the default manager, not the alias it is migrating."""
    folder = databases.run_directory(tmp_path_factory)
    config = copy.deepcopy(connections.settings["default"])  # the suite's engine and options
    config.pop("TEST", None)
    if config["ENGINE"] == "django.db.backends.postgresql":
        from tests.processes import postgres_server_or_skip

        template = databases.postgres_template(folder, postgres_server_or_skip(), target)
        database = template.create()
        config["NAME"] = database.name
        drop = database.drop
    else:
        path = tmp_path / "migrated_copy.sqlite3"
        databases.copy_of(databases.migrated_sqlite(folder, target), path)
        config["NAME"] = str(path)
        drop = None
    connections.settings[ALIAS] = connections.configure_settings({"default": config})["default"]
    try:
        with override_settings(DATABASE_ROUTERS=[_Everything(ALIAS)]):
            yield ALIAS
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]
        if drop is not None:
            drop()


class _Everything:
    """Routes the queries of every model to one database."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def db_for_read(self, model: type[Model], **hints: object) -> str:
        return self.alias

    def db_for_write(self, model: type[Model], **hints: object) -> str:
        return self.alias


def migrate(alias: str, app_label: str, name: str) -> None:
    """``kitclinic migrate <app_label> <name>`` on the database ``alias``: the migrations up to
    it that are not yet applied, forward only, as the command applies them."""
    call_command(
        "migrate",
        app_label,
        name,
        database=alias,
        interactive=False,
        verbosity=0,
        stdout=io.StringIO(),
    )


def historical_models(*nodes: tuple[str, str]) -> Apps:
    """The models as they are once migrations ``nodes`` (and what they depend on) are applied:
    what a migration's ``apps`` gives, for writing the records of that state."""
    return MigrationLoader(None, ignore_no_migrations=True).project_state(list(nodes)).apps
