"""``kitclinic fhir export``: a demo patient exported resource by resource (each one valid
FHIR R4 again when read back), every reference resolving inside the export, NDJSON for the
whole organization, one audit event per export, and bad arguments exiting 2 with nothing
written."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import AdverseEvent, InfusionSession
from kitclinic.interop.mapping import unresolved_references
from kitclinic.outcomes.models import LabResult
from kitclinic.patients.models import Patient

pytestmark = pytest.mark.django_db

# What a signed demo session's patient holds, as resource types.
EXPECTED_TYPES = {
    "Patient",
    "Condition",
    "MedicationStatement",
    "Observation",
    "Encounter",
    "MedicationAdministration",
    "AdverseEvent",
    "Consent",
    "Provenance",
    "Practitioner",
}


def _export(*args: str) -> str:
    out = StringIO()
    call_command("fhir", "export", *args, stdout=out)
    return out.getvalue()


def _signed_demo_session() -> InfusionSession:
    call_command("seed_demo", patients=8, stdout=StringIO())
    session = InfusionSession.objects.filter(state="signed").select_related("patient").first()
    assert session is not None
    # An adverse event in the signed record (bulk_create: the chart refuses to add one now).
    AdverseEvent.objects.bulk_create(
        [
            AdverseEvent(
                session=session,
                occurred_at=session.started_at + timezone.timedelta(minutes=20),
                recorded_by=session.signed_by,
                description="Nausea",
                severity="mild",
                action_taken="Infusion paused for 5 minutes",
                rescue_medication="ondansetron",
                rescue_dose="4 mg IV",
            )
        ]
    )
    LabResult.objects.create(
        patient=session.patient,
        clinic=session.clinic,
        analyte="crp",
        loinc_code="1988-5",
        value=Decimal("4.200"),
        unit="mg/L",
        collected_at=session.started_at - timezone.timedelta(days=2),
        recorded_by=session.signed_by,
        recorded_at=session.started_at - timezone.timedelta(days=1),
    )
    return session


def test_a_demo_patient_exports_every_resource_type_valid_and_self_contained(tmp_path: Path):
    session = _signed_demo_session()
    patient = session.patient
    target = tmp_path / "patient.json"
    printed = _export("--organization", "demo", "--mrn", patient.mrn, "--output", str(target))
    assert f"Exported 1 patient(s) to {target}" in printed

    raw = json.loads(target.read_text())
    bundle = Bundle.model_validate(raw)
    assert bundle.type == "collection"
    resources = [e["resource"] for e in raw["entry"]]
    # resource by resource: each one reads back as its own R4B class
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert {r["resourceType"] for r in resources} - {"QuestionnaireResponse"} == EXPECTED_TYPES
    assert unresolved_references(resources) == []
    assert all(
        e["fullUrl"].endswith(f"/{e['resource']['resourceType']}/{e['resource']['id']}")
        for e in raw["entry"]
    )
    # every record of the demo clinic, its staff included, is tagged synthetic
    assert all(r["meta"]["tag"][0]["code"] == "synthetic" for r in resources)

    (pat,) = [r for r in resources if r["resourceType"] == "Patient"]
    assert pat["identifier"][0] == {
        "use": "usual",
        "system": "urn:kitclinic:fhir:organization:demo:mrn",
        "value": patient.mrn,
    }
    assert pat["birthDate"] == patient.date_of_birth.isoformat()

    order = session.order
    (ma,) = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
    assert ma["dosage"]["dose"]["value"] == pytest.approx(float(session.delivered_mg))
    assert ma["extension"][0]["valueQuantity"]["value"] == pytest.approx(float(order.dose_mg))
    assert ma["context"] == {"reference": f"Encounter/enc-{session.pk}"}
    (ae,) = [r for r in resources if r["resourceType"] == "AdverseEvent"]
    assert ae["suspectEntity"][0]["instance"] == {"reference": ma["resourceType"] + "/" + ma["id"]}

    vital_codes = {
        c["code"]
        for r in resources
        if r["resourceType"] == "Observation"
        and r["category"][0]["coding"][0]["code"] == "vital-signs"
        for c in r["code"]["coding"]
    }
    assert {"85354-9", "8867-4", "9279-1", "59408-5", "29463-7"} <= vital_codes
    (lab,) = [
        r
        for r in resources
        if r["resourceType"] == "Observation"
        and r["category"][0]["coding"][0]["code"] == "laboratory"
    ]
    assert lab["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "1988-5",
        "display": "CRP, serum/plasma",
    }
    assert lab["valueQuantity"] == {
        "value": 4.2,
        "unit": "mg/L",
        "system": "http://unitsofmeasure.org",
        "code": "mg/L",
    }
    ratings = [
        r
        for r in resources
        if r["resourceType"] == "Observation" and r["category"][0]["coding"][0]["code"] == "survey"
    ]
    assert patient.assessments.count() <= len(ratings)
    phq9 = [r for r in ratings if r["code"]["coding"][0]["code"] == "44261-6"]
    assert phq9 and all(len(r["component"]) == 9 for r in phq9)

    # self-reports (link or kiosk) also as the QuestionnaireResponse their rating derives from
    self_reports = patient.assessments.filter(mode__in=["self_report", "kiosk"]).count()
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert len(responses) == self_reports
    derived = [r["derivedFrom"][0]["reference"] for r in ratings if "derivedFrom" in r]
    assert sorted(derived) == sorted(f"QuestionnaireResponse/{r['id']}" for r in responses)

    prov = [r for r in resources if r["resourceType"] == "Provenance"]
    assert {p["target"][0]["reference"].split("/")[0] for p in prov} == {"Encounter", "Consent"}

    # one audit event, naming the patient
    event = AuditEvent.objects.get(action="export", object_type="fhir export")
    assert event.patient_id == patient.pk
    assert event.changes["patients"] == [patient.mrn]
    assert event.changes["format"] == "bundle"


def test_all_patients_as_ndjson_one_file_per_type_references_resolve(tmp_path: Path):
    _signed_demo_session()
    folder = tmp_path / "bulk"
    summary = json.loads(
        _export("--organization", "demo", "--all", "--output", str(folder), "--ndjson", "--json")
    )
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(f"{t}.ndjson" for t in summary["resources"])
    resources = []
    for path in folder.iterdir():
        for line in path.read_text().splitlines():
            resource = json.loads(line)
            assert f"{resource['resourceType']}.ndjson" == path.name
            resources.append(resource)
    assert len(resources) == sum(summary["resources"].values())
    assert unresolved_references(resources) == []
    mrns = sorted(Patient.objects.filter(organization__slug="demo").values_list("mrn", flat=True))
    assert summary["patients"] == len(mrns) == summary["resources"]["Patient"]
    event = AuditEvent.objects.get(action="export", object_type="fhir export")
    assert event.patient_id is None and sorted(event.changes["patients"]) == mrns


def test_the_export_reads_in_a_number_of_queries_that_does_not_grow_with_patients(
    tmp_path: Path,
):
    session = _signed_demo_session()
    patients = Patient.objects.filter(organization__slug="demo").count()
    assert patients >= 8
    with CaptureQueriesContext(connection) as one:
        _export(
            "--organization",
            "demo",
            "--mrn",
            session.patient.mrn,
            "--output",
            str(tmp_path / "one.json"),
        )
    with CaptureQueriesContext(connection) as every:
        _export("--organization", "demo", "--all", "--output", str(tmp_path / "all.json"))
    exported = json.loads((tmp_path / "all.json").read_text())
    assert sum(e["resource"]["resourceType"] == "Patient" for e in exported["entry"]) == patients
    # The signed-session patient reaches every prefetch; the others add rows, not queries.
    assert len(every) <= len(one)


def test_patients_past_one_batch_are_all_exported_in_order(tmp_path: Path, monkeypatch):
    _signed_demo_session()
    monkeypatch.setattr("kitclinic.interop.export.PATIENT_BATCH", 3)
    _export("--organization", "demo", "--all", "--output", str(tmp_path / "all.json"))
    exported = json.loads((tmp_path / "all.json").read_text())
    mrns = [
        e["resource"]["identifier"][0]["value"]
        for e in exported["entry"]
        if e["resource"]["resourceType"] == "Patient"
    ]
    assert mrns == list(
        Patient.objects.filter(organization__slug="demo")
        .order_by("mrn", "pk")
        .values_list("mrn", flat=True)
    )
    assert len(mrns) > 3


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--organization", "nowhere", "--all"], "--organization"),
        (["--organization", "{org}", "--mrn", "NO-SUCH"], "--mrn"),
    ],
)
def test_bad_arguments_exit_2_naming_the_argument_and_write_nothing(
    args, named, world, patient, tmp_path: Path
):
    target = tmp_path / "out.json"
    args = [a.format(org=world.clinic.organization.slug) for a in args]
    with pytest.raises(CommandError) as caught:
        _export(*args, "--output", str(target))
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(named)
    assert not target.exists()
    assert not AuditEvent.objects.filter(object_type="fhir export").exists()


def test_output_in_a_missing_folder_or_a_full_ndjson_folder_exits_2(world, patient, tmp_path):
    org = world.clinic.organization.slug
    with pytest.raises(CommandError, match="^--output") as caught:
        _export("--organization", org, "--all", "--output", str(tmp_path / "no" / "x.json"))
    assert caught.value.returncode == 2
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(CommandError, match="^--output") as caught:
        _export("--organization", org, "--all", "--output", str(tmp_path / "full"), "--ndjson")
    assert caught.value.returncode == 2
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]


def test_mrn_and_all_together_are_refused(world, tmp_path):
    with pytest.raises(CommandError) as caught:
        _export(
            "--organization", world.clinic.organization.slug, "--mrn", "X", "--all",
            "--output", str(tmp_path / "x.json"),
        )  # fmt: skip
    assert "--all" in str(caught.value) and "--mrn" in str(caught.value)


def test_another_organizations_patient_is_not_exported(world, other_org_patient, tmp_path):
    with pytest.raises(CommandError, match="^--mrn"):
        _export(
            "--organization", world.clinic.organization.slug, "--mrn", other_org_patient.mrn,
            "--output", str(tmp_path / "x.json"),
        )  # fmt: skip


@pytest.mark.parametrize("ndjson", [False, True])
def test_a_record_fhir_refuses_stops_the_export_and_leaves_nothing(
    ndjson, world, patient, tmp_path, monkeypatch
):
    from fhir.resources.R4B.patient import Patient

    from kitclinic.interop import mapping

    def broken(**kwargs):
        return Patient.model_validate({"resourceType": "Patient", "gender": 7})

    monkeypatch.setattr(mapping, "patient", broken)
    target = tmp_path / ("bulk" if ndjson else "out.json")
    args = ["--organization", world.clinic.organization.slug, "--all", "--output", str(target)]
    with pytest.raises(CommandError, match="export failed, nothing written: .*Patient") as caught:
        _export(*args, *(["--ndjson"] if ndjson else []))
    assert caught.value.returncode == 1
    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(object_type="fhir export").exists()
