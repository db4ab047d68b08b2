"""The check-in's consent now points at the consent app's model (same table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_initial"),
        ("infusions", "0008_library_source_keys"),
    ]

    # The tables stay where the outcomes app created them (same names, constraints, triggers):
    # only Django's record of which app owns the models changes.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="checkin",
                    name="consent",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="consent.consentrecord",
                    ),
                ),
            ],
        ),
    ]
