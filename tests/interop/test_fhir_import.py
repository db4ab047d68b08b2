"""`kitclinic fhir import` against the official HL7 US Core examples (tests/interop/data/, CC0),
and against bad files: each refusal exits 2 naming the entry and path and writes nothing."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kitclinic.interop.codes import US_CORE_BIRTH_SEX
from kitclinic.interop.models import ImportedResource, ReceivedObservation
from kitclinic.patients.models import Allergy, Diagnosis, Patient
from tests.factories import PatientFactory
from tests.support.rows import row_counts

DATA = Path(__file__).parent / "data"
EXAMPLES = sorted(DATA.glob("*.json"))
SUPPORTED = {"Patient", "Condition", "Observation", "MedicationStatement", "AllergyIntolerance"}


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [{"resource": r} for r in resources],
    }


def all_examples() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]


def run_import(world, tmp_path, content: dict[str, Any] | str, persona: str = "physician"):
    path = tmp_path / "import.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    out = io.StringIO()
    call_command(
        "fhir",
        "import",
        str(path),
        "--organization",
        world.clinic.organization.slug,
        "--username",
        world.users[persona].username,
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_every_us_core_example_of_a_supported_type_imports_the_rest_is_skipped(world, tmp_path):
    resources = all_examples()
    result = run_import(world, tmp_path, bundle(*resources))

    skipped = {item["entry"]: item for item in result["skipped"]}
    for index, resource in enumerate(resources):
        if resource["resourceType"] not in SUPPORTED:
            assert skipped[index]["resourceType"] == resource["resourceType"]
            assert skipped[index]["reason"]
    supported = [r for r in resources if r["resourceType"] in SUPPORTED]
    # The one example not imported is the SDOH condition: SNOMED CT only, and diagnoses are
    # kept in ICD-10-CM; it is reported with its reason, never silently dropped.
    sdoh = [i for i, r in enumerate(resources) if r.get("id") == "condition-SDOH-example"]
    assert [skipped[i]["resourceType"] for i in sdoh] == ["Condition"]
    assert "ICD-10-CM" in skipped[sdoh[0]]["reason"]
    assert result["created"] == {
        "Patient": 1,
        "Condition": 1,
        "Observation": sum(r["resourceType"] == "Observation" for r in supported),
        "AllergyIntolerance": 1,
    }
    assert result["updated"] == {}

    patient = Patient.objects.get(organization=world.clinic.organization, mrn="1032702")
    assert (patient.family_name, patient.given_name) == ("Shaw", "Amy V.")
    assert patient.date_of_birth.isoformat() == "1987-02-20"
    # The example carries no birth-sex extension (only individual-sex): not guessed.
    assert patient.sex_at_birth == "unknown"
    assert patient.phone == "555-555-5555"
    assert [d.icd10_code for d in Diagnosis.objects.filter(patient=patient)] == ["T20.21"]
    pressure = ReceivedObservation.objects.get(patient=patient, loinc_code="85354-9")
    assert {c["code"]: c["value"] for c in pressure.components} == {
        "8480-6": "109",
        "8462-4": "44",
    }
    weight = ReceivedObservation.objects.get(patient=patient, loinc_code="29463-7")
    assert (str(weight.value.normalize()), weight.unit) == ("20.09414", "kg")
    allergy = Allergy.objects.get(patient=patient)
    assert (allergy.substance, allergy.category, allergy.criticality, allergy.status) == (
        "sulfonamide antibacterial",
        "medication",
        "high",
        "active",
    )
    assert (allergy.reaction, allergy.code_system, allergy.code) == (
        "skin rash",
        "http://snomed.info/sct",
        "763875007",
    )


def test_sex_at_birth_comes_from_the_birth_sex_extension(world, tmp_path):
    extension = {"url": US_CORE_BIRTH_SEX, "valueCode": "F"}
    resource = load("patient-example.json")
    resource["extension"].append(extension)
    run_import(world, tmp_path, bundle(resource))
    assert Patient.objects.get(mrn="1032702").sex_at_birth == "female"


def test_ndjson_and_a_transaction_bundle_import_the_same(world, tmp_path):
    resources = [load("patient-example.json"), load("heart-rate.json"), load("bmi.json")]
    ndjson = "\n".join(json.dumps(r) for r in resources) + "\n"
    result = run_import(world, tmp_path, ndjson)
    assert result == {"created": {"Patient": 1, "Observation": 2}, "updated": {}, "skipped": []}
    again = run_import(world, tmp_path, bundle(*resources, kind="transaction"))
    assert again == {"created": {}, "updated": {}, "skipped": []}


def test_importing_the_same_file_twice_creates_nothing_new(world, tmp_path):
    content = bundle(*all_examples())
    run_import(world, tmp_path, content)
    tables = (Patient, Diagnosis, ReceivedObservation, ImportedResource)
    before = row_counts(*tables)
    result = run_import(world, tmp_path, content)
    assert result["created"] == {} and result["updated"] == {}
    assert row_counts(*tables) == before


def test_a_known_mrn_updates_the_patient_and_keeps_what_the_file_does_not_carry(world, tmp_path):
    existing = PatientFactory(
        home_clinic=world.clinic,
        organization=world.clinic.organization,
        mrn="1032702",
        family_name="Shaw",
        given_name="Amy",
        emergency_contact_name="Pat Shaw",
    )
    result = run_import(world, tmp_path, bundle(load("patient-example.json")))
    assert result["updated"] == {"Patient": 1} and result["created"] == {}
    existing.refresh_from_db()
    assert existing.given_name == "Amy V."
    assert existing.emergency_contact_name == "Pat Shaw"


def test_a_likely_duplicate_person_is_never_confirmed_by_an_import(world, tmp_path):
    PatientFactory(
        home_clinic=world.clinic,
        organization=world.clinic.organization,
        mrn="OTHER-1",
        family_name="Shaw",
        given_name="Amy V.",
        date_of_birth="1987-02-20",
    )
    before = row_counts()
    with pytest.raises(CommandError) as refused:
        run_import(world, tmp_path, bundle(load("patient-example.json")))
    assert refused.value.returncode == 2
    assert "entry 0, Patient:" in str(refused.value)
    assert "OTHER-1" in str(refused.value)
    assert row_counts() == before


def _with(resource: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(resource)
    for key, value in changes.items():
        if value is None:
            changed.pop(key, None)
        else:
            changed[key] = value
    return changed


BAD = {
    "schema error": (
        lambda: _with(load("heart-rate.json"), status=None),
        "entry 1, Observation.status:",
    ),
    "wrong value type": (
        lambda: _with(load("weight.json"), valueQuantity={"value": "heavy", "unit": "kg"}),
        "entry 1, Observation.valueQuantity.value:",
    ),
    "unknown code system": (
        lambda: _with(
            load("condition-encounter-diagnosis-example1.json"),
            code={"coding": [{"system": "http://example.org/local-codes", "code": "X1"}]},
        ),
        "entry 1, Condition.code.coding[0].system:",
    ),
    "reference that does not resolve": (
        lambda: _with(load("heart-rate.json"), subject={"reference": "Patient/nobody"}),
        "entry 1, Observation.subject.reference:",
    ),
    "observation code it cannot map": (
        lambda: _with(
            load("heart-rate.json"),
            code={"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
        ),
        "entry 1, Observation.code:",
    ),
    "diagnosis code the service refuses": (
        lambda: _with(
            load("condition-encounter-diagnosis-example1.json"),
            code={
                "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "not a code"}]
            },
        ),
        "entry 1, Condition.code.coding[0].code:",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_resource_exits_2_naming_entry_and_path_and_writes_nothing(world, tmp_path, case):
    make, expected = BAD[case]
    content = bundle(load("patient-example.json"), make(), load("weight.json"))
    before = row_counts()
    with pytest.raises(CommandError) as refused:
        run_import(world, tmp_path, content)
    assert refused.value.returncode == 2
    assert expected in str(refused.value)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "file: the file is empty."),
        ('{"resourceType": "Bundle", "type": "document", "entry": []}', "Bundle.type:"),
        ("not json\n", "entry 0, line: not JSON"),
    ],
)
def test_a_file_that_is_not_a_readable_bundle_exits_2(world, tmp_path, content, expected):
    before = row_counts()
    with pytest.raises(CommandError) as refused:
        run_import(world, tmp_path, content)
    assert refused.value.returncode == 2
    assert expected in str(refused.value)
    assert row_counts() == before


def test_a_role_that_may_not_record_history_imports_nothing(world, tmp_path):
    before = row_counts()
    with pytest.raises(CommandError) as refused:
        run_import(
            world,
            tmp_path,
            bundle(load("patient-example.json"), load("heart-rate.json")),
            persona="front_desk",
        )
    assert refused.value.returncode == 2
    assert "--username" in str(refused.value)
    assert row_counts() == before


def test_the_import_is_audited(world, tmp_path):
    from kitclinic.audit.models import AuditEvent

    run_import(world, tmp_path, bundle(load("patient-example.json")))
    event = AuditEvent.objects.filter(object_type="fhir.import").get()
    assert event.actor == world.users["physician"]
    assert "created {'Patient': 1}" in event.detail


def _observation(code: dict[str, Any], **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "obs-1",
        "status": "final",
        "code": code,
        "subject": {"reference": "Patient/example"},
        "effectiveDateTime": "2026-03-02T09:30:00+00:00",
        **value,
    }


CRP = {"coding": [{"system": "http://loinc.org", "code": "1988-5"}]}


def test_an_inflammatory_marker_becomes_a_laboratory_result(world, tmp_path):
    from kitclinic.outcomes.models import LabResult

    crp = _observation(CRP, valueQuantity={"value": 3.2, "unit": "mg/L", "code": "mg/L"})
    result = run_import(world, tmp_path, bundle(load("patient-example.json"), crp))
    assert result["created"] == {"Patient": 1, "Observation": 1}
    lab = LabResult.objects.get()
    assert (lab.analyte, lab.loinc_code, str(lab.value), lab.unit) == (
        "crp",
        "1988-5",
        "3.200",
        "mg/L",
    )


def test_a_laboratory_unit_other_than_the_clinics_is_refused_by_the_lab_service(world, tmp_path):
    crp = _observation(CRP, valueQuantity={"value": 3.2, "unit": "mg/dL", "code": "mg/dL"})
    before = row_counts()
    with pytest.raises(CommandError) as refused:
        run_import(world, tmp_path, bundle(load("patient-example.json"), crp))
    assert refused.value.returncode == 2
    assert "entry 1, Observation.valueQuantity.unit:" in str(refused.value)
    assert row_counts() == before


def test_a_later_file_refers_to_a_patient_an_earlier_import_brought_in(world, tmp_path):
    run_import(world, tmp_path, bundle(load("patient-example.json")))
    result = run_import(world, tmp_path, bundle(load("heart-rate.json")))
    assert result["created"] == {"Observation": 1}
    heart = ReceivedObservation.objects.get(loinc_code="8867-4")
    assert heart.patient.mrn == "1032702"


def test_a_prior_trial_as_the_export_writes_it_becomes_a_treatment_trial(world, tmp_path):
    import datetime as dt

    from kitclinic.interop.mapping import prior_trial
    from kitclinic.patients.models import TreatmentTrial

    statement = json.loads(
        prior_trial(
            id="trial-1",
            patient_id="example",
            treatment_name="Sertraline",
            treatment_class="ssri",
            treatment_class_label="SSRI",
            dose_text="150 mg/day",
            weeks=8,
            adequate=True,
            outcome="no_response",
            outcome_label="No response",
            current_episode=True,
            notes="Stopped for nausea at 200 mg.",
            recorded_at=dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC),
        ).model_dump_json(exclude_none=True)
    )
    bare = {k: v for k, v in statement.items() if k != "extension"} | {"id": "trial-2"}
    result = run_import(world, tmp_path, bundle(load("patient-example.json"), statement, bare))
    assert result["created"] == {"Patient": 1, "MedicationStatement": 1}
    assert [s["entry"] for s in result["skipped"]] == [2]
    assert "not guessed" in result["skipped"][0]["reason"]
    trial = TreatmentTrial.objects.get()
    assert (trial.treatment_name, trial.treatment_class, trial.outcome) == (
        "Sertraline",
        "ssri",
        "no_response",
    )
    assert (trial.adequate, trial.weeks, trial.dose_text) == (True, 8, "150 mg/day")


def test_a_scale_total_without_a_loinc_code_is_skipped_not_refused(world, tmp_path):
    from kitclinic.interop.codes import LOCAL_INSTRUMENT

    madrs = _observation(
        {"coding": [{"system": LOCAL_INSTRUMENT, "code": "madrs"}]},
        valueQuantity={"value": 24, "unit": "{score}"},
    )
    result = run_import(world, tmp_path, bundle(load("patient-example.json"), madrs))
    assert result["created"] == {"Patient": 1}
    assert [(s["entry"], s["resourceType"]) for s in result["skipped"]] == [(1, "Observation")]


def test_a_reference_that_does_not_resolve_refuses_even_a_resource_imported_before(world, tmp_path):
    run_import(world, tmp_path, bundle(load("patient-example.json"), load("heart-rate.json")))
    moved = _with(load("heart-rate.json"), subject={"reference": "Patient/nobody"})
    before = row_counts()
    with pytest.raises(CommandError) as refused:
        run_import(world, tmp_path, bundle(moved))
    assert refused.value.returncode == 2
    assert "entry 0, Observation.subject.reference:" in str(refused.value)
    assert row_counts() == before
