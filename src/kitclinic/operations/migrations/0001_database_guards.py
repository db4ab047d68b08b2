"""Install the database guards of kitclinic.operations.guards (triggers; docs/security.md)."""

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db import migrations

from kitclinic.operations import guards
from kitclinic.operations.archive import column_name


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    columns_of: dict[str, list[str]] = {}
    for model in apps.get_models():
        if model._meta.db_table in {g.table for g in guards.GUARDS}:
            columns_of[model._meta.db_table] = [
                column_name(f) for f in model._meta.local_concrete_fields
            ]
    guards.install(schema_editor, columns_of)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    guards.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("infusions", "0007_delivered_dose"),
        ("patients", "0004_indication_code_lists"),
        ("outcomes", "0004_delivered_share"),
        ("substances", "0004_count_discrepancy_half_step"),
        ("audit", "0003_hash_chain"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
