"""kitclinic's own API tokens (scoped, expiring, revocable, stored as a hash).

The tokens of rest_framework.authtoken, which this replaces, are not carried over: they were
unscoped, never expired and were stored in clear. Their table is dropped, so the old secrets do
not stay in the database; those tokens stop working and must be issued again
(``kitclinic api_token create``)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(help_text="What the token is for.", max_length=100)),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("read", "Read only (GET, HEAD, OPTIONS)"),
                            ("write", "Read and write"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "prefix",
                    models.CharField(
                        help_text="The token's first characters (not secret).", max_length=16
                    ),
                ),
                ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("revoke_reason", models.CharField(blank=True, max_length=200)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("last_refused_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: created by an operator's command.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["user", "-created_at"], name="api_token_user_created")
                ],
            },
        ),
        migrations.RunSQL(
            "DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop
        ),
    ]
