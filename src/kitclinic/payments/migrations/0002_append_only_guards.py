"""The ledger, package purchases and package uses are append-only in the database too: UPDATE and
DELETE (and on PostgreSQL TRUNCATE) are refused by triggers, as for the audit trail and the
controlled-substance log (kitclinic.operations.guards: the same trigger functions and the same
maintenance mode for a test flush or a restore)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from kitclinic.operations import guards

TABLES = ("payments_payment", "payments_packagepurchase", "payments_packageuse")


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in guards.append_only_install(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(statement, params=None)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in guards.append_only_uninstall(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial"), ("operations", "0001_database_guards")]
    operations = [migrations.RunPython(forwards, backwards)]
