"""Information sheets and consent records move from the outcomes app to the consent app."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("outcomes", "0004_delivered_share"),
        ("accounts", "0003_second_factor"),
        ("patients", "0004_indication_code_lists"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables stay where the outcomes app created them (same names, constraints, triggers):
    # only Django's record of which app owns the models changes.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="InfoSheetVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "indication",
                            models.CharField(
                                choices=[
                                    ("depression", "Depression"),
                                    ("ptsd", "PTSD"),
                                    ("anxiety", "Anxiety"),
                                    ("chronic_pain", "Chronic pain"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("version", models.PositiveIntegerField()),
                        (
                            "content_hash",
                            models.CharField(help_text="SHA-256 of html_snapshot", max_length=64),
                        ),
                        (
                            "html_snapshot",
                            models.TextField(
                                help_text="The sheet exactly as published; never edited"
                            ),
                        ),
                        ("evidence_version", models.CharField(max_length=40)),
                        ("published_at", models.DateTimeField()),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.organization",
                            ),
                        ),
                        (
                            "published_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "outcomes_infosheetversion",
                        "ordering": ["indication", "-version"],
                    },
                ),
                migrations.CreateModel(
                    name="ConsentRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("signed_at", models.DateTimeField()),
                        (
                            "method",
                            models.CharField(
                                choices=[
                                    ("paper", "Signed on paper (scanned to the record)"),
                                    ("electronic", "Signed electronically in clinic"),
                                    ("verbal_witnessed", "Verbal, witnessed"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("recorded_at", models.DateTimeField()),
                        (
                            "clinic",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.clinic",
                            ),
                        ),
                        (
                            "patient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="consent_records",
                                to="patients.patient",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "witnessed_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "sheet_version",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="consents",
                                to="consent.infosheetversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "outcomes_consentrecord",
                        "ordering": ["-signed_at", "-id"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="infosheetversion",
                    constraint=models.UniqueConstraint(
                        fields=("organization", "indication", "version"),
                        name="sheet_version_unique",
                    ),
                ),
            ],
        ),
    ]
