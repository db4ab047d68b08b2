"""Information sheets and consent records now belong to the consent app (same tables)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("infusions", "0009_consent_app"),
        ("outcomes", "0004_delivered_share"),
    ]

    # The tables stay where the outcomes app created them (same names, constraints, triggers):
    # only Django's record of which app owns the models changes.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="infosheetversion",
                    name="organization",
                ),
                migrations.RemoveField(
                    model_name="infosheetversion",
                    name="published_by",
                ),
                migrations.DeleteModel(
                    name="ConsentRecord",
                ),
                migrations.DeleteModel(
                    name="InfoSheetVersion",
                ),
            ],
        ),
    ]
