"""On PostgreSQL, refuse UPDATE and DELETE of controlled-substance records in the database itself.

The models and querysets already refuse them; the triggers also stop raw SQL and other clients.
SQLite relies on the model guard (as for the audit trail, audit migration 0002).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLES = (
    "substances_substancelot",
    "substances_substancelogentry",
    "substances_reconciliation",
    "substances_reconciliationline",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION substances_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER {table}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION substances_append_only();
"""
DROP_TRIGGER = "DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};"
DROP_FUNCTION = "DROP FUNCTION IF EXISTS substances_append_only();"


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the SQL holds a literal %; with params psycopg would read it as a placeholder.
        schema_editor.execute(FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(TRIGGER.format(table=table), params=None)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(DROP_TRIGGER.format(table=table), params=None)
        schema_editor.execute(DROP_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("substances", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
