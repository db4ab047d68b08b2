"""Indexes for the patient list's sort orders, and the identity keys of the likely-duplicate
warning (kitclinic.intake.identity), filled in for the patients already registered."""

from typing import Any

from django.db import migrations, models

from kitclinic.intake import identity


def fill_identity_keys(apps: Any, schema_editor: Any) -> None:
    Patient = apps.get_model("patients", "Patient")
    batch = []
    for patient in Patient.objects.only(
        "pk", "family_name", "given_name", "phone", "email"
    ).iterator(chunk_size=2000):
        patient.name_match_key = identity.name_key(patient.family_name, patient.given_name)
        patient.phone_key = identity.phone_key(patient.phone)
        patient.email_key = identity.email_key(patient.email)
        batch.append(patient)
        if len(batch) >= 2000:
            Patient.objects.bulk_update(batch, ["name_match_key", "phone_key", "email_key"])
            batch = []
    if batch:
        Patient.objects.bulk_update(batch, ["name_match_key", "phone_key", "email_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_second_factor"),
        ("patients", "0004_indication_code_lists"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="patient",
            name="patient_dob",
        ),
        migrations.AddField(
            model_name="patient",
            name="email_key",
            field=models.CharField(default="", editable=False, max_length=254),
        ),
        migrations.AddField(
            model_name="patient",
            name="name_match_key",
            field=models.CharField(default="", editable=False, max_length=201),
        ),
        migrations.AddField(
            model_name="patient",
            name="phone_key",
            field=models.CharField(default="", editable=False, max_length=10),
        ),
        migrations.RunPython(fill_identity_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                fields=["organization", "family_name_key", "given_name_key", "id"],
                name="patient_name_order",
            ),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["organization", "mrn", "id"], name="patient_mrn_order"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                fields=["organization", "date_of_birth", "id"], name="patient_dob_order"
            ),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                fields=["organization", "created_at", "id"], name="patient_created_order"
            ),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                condition=models.Q(("name_match_key", ""), _negated=True),
                fields=["organization", "name_match_key", "date_of_birth"],
                name="patient_same_name",
            ),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                condition=models.Q(("phone_key", ""), _negated=True),
                fields=["organization", "phone_key"],
                name="patient_same_phone",
            ),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                condition=models.Q(("email_key", ""), _negated=True),
                fields=["organization", "email_key"],
                name="patient_same_email",
            ),
        ),
    ]
