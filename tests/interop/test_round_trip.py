"""A demo patient exported with `kitclinic fhir export` and imported into an organization with
no patients gives the same clinical content (demographics, diagnoses, prior trials, laboratory
results, vital signs); exported again, the same conditions and trials come out."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from kitclinic.interop.codes import IMPORTED_OBSERVATION_CODES
from kitclinic.interop.models import ReceivedObservation
from kitclinic.outcomes.models import LabResult
from kitclinic.patients.models import Patient
from tests.factories import ClinicFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _content(patient: Patient) -> dict[str, object]:
    return {
        "patient": (
            patient.family_name,
            patient.given_name,
            patient.date_of_birth,
            patient.sex_at_birth,
            patient.phone,
            patient.email,
            patient.is_synthetic,
        ),
        "diagnoses": sorted(
            (d.icd10_code, d.description, d.is_primary) for d in patient.diagnoses.all()
        ),
        "trials": sorted(
            (t.treatment_name, t.treatment_class, t.dose_text, t.weeks, t.adequate, t.outcome)
            for t in patient.trials.all()
        ),
        "labs": sorted(
            (r.analyte, r.value, r.unit, r.collected_at)
            for r in LabResult.objects.filter(patient=patient)
        ),
    }


def _resources(path, resource_type: str) -> list[dict[str, object]]:
    bundle = json.loads(path.read_text(encoding="utf-8"))
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type
    ]


def test_export_import_export_keeps_the_clinical_content(tmp_path):
    call_command("seed_demo", patients=8, stdout=StringIO())
    clinic = ClinicFactory(name="Receiving clinic")
    importer = UserFactory(username="receiving_physician")
    MembershipFactory(user=importer, clinic=clinic, role="physician")
    source = (
        Patient.objects.filter(
            organization__slug="demo", trials__isnull=False, assessments__isnull=False
        )
        .exclude(diagnoses=None)
        .distinct()
        .order_by("mrn")
        .first()
    )
    assert source is not None
    first = tmp_path / "first.json"
    call_command(
        "fhir", "export", "--organization", "demo", "--mrn", source.mrn,
        "--output", str(first), stdout=StringIO(),
    )  # fmt: skip
    target_org = clinic.organization
    assert not Patient.objects.filter(organization=target_org).exists()
    out = StringIO()
    call_command(
        "fhir", "import", str(first), "--organization", target_org.slug,
        "--username", importer.username, "--json", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    assert result["created"]["Patient"] == 1

    copy = Patient.objects.get(organization=target_org)
    assert copy.mrn == source.mrn
    content = _content(copy)
    assert content["diagnoses"] and content["trials"]
    assert content == _content(source)
    # Every exported vital sign and LOINC-coded rating is kept as received.
    loinc_coded = [
        r
        for r in _resources(first, "Observation")
        if any(c.get("code") in IMPORTED_OBSERVATION_CODES for c in r["code"]["coding"])
    ]
    received = ReceivedObservation.objects.filter(patient=copy).count()
    assert loinc_coded and received == len(loinc_coded)
    assert result["skipped"]  # encounters, infusions, consents...: listed, not dropped silently

    second = tmp_path / "second.json"
    call_command(
        "fhir", "export", "--organization", target_org.slug, "--mrn", copy.mrn,
        "--output", str(second), stdout=StringIO(),
    )  # fmt: skip

    def conditions(path):
        return sorted(json.dumps(r["code"], sort_keys=True) for r in _resources(path, "Condition"))

    def statements(path):
        return sorted(
            json.dumps([r["medicationCodeableConcept"], r["extension"]], sort_keys=True)
            for r in _resources(path, "MedicationStatement")
        )

    assert conditions(second) == conditions(first)
    assert statements(second) == statements(first)
