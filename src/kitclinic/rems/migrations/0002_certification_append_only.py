"""On PostgreSQL, refuse UPDATE and DELETE of a REMS certification in the database itself: its
history is kept (a renewal is a new row). The model and queryset refuse them already; SQLite
relies on that guard, as for the audit trail."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FUNCTION = """
CREATE OR REPLACE FUNCTION rems_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER rems_certification_no_update_delete
    BEFORE UPDATE OR DELETE ON rems_certification
    FOR EACH ROW EXECUTE FUNCTION rems_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS rems_certification_no_update_delete ON rems_certification;
DROP FUNCTION IF EXISTS rems_append_only();
"""


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the SQL holds a literal %; with params psycopg would read it as a placeholder.
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(TRIGGER, params=None)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("rems", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
