"""FHIR Bulk Data export (``/fhir/$export``): kick-off, the task run as the worker runs it,
status before and after, the manifest's counts against its files (each line a valid FHIR R4
resource), downloads, cancel, failure, and the audit trail of each step."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.operationoutcome import OperationOutcome

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from kitclinic.interop import tasks
from kitclinic.interop.export import EXPORT_TYPES
from kitclinic.interop.models import BulkExport, BulkExportFile, BulkExportStatus
from kitclinic.interop.services import bulk
from tests.factories import PatientFactory
from tests.infusions.helpers import advance, book, make_eligible, plan, slot_time
from tests.patients.helpers import add_full_record
from tests.support.clients import token_client

pytestmark = pytest.mark.django_db

KICK_OFF = "/fhir/$export"
ASYNC = {"HTTP_PREFER": "respond-async"}
TASK_PATH = "kitclinic.interop.tasks.bulk_export_run"
BULK = "interop.bulkexport"


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path: Path) -> Path:
    settings.KITCLINIC_FHIR_EXPORT_DIR = tmp_path / "fhir-exports"
    return settings.KITCLINIC_FHIR_EXPORT_DIR


@pytest.fixture
def records(world, patient):
    """Two patients of Northside: one with a signed infusion session (Encounter, ratings, vital
    signs, the infusion, consent, its signer), one registered only; and one of another
    organization, which no export of Northside's may hold."""
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    course = plan(world, patient)
    advance(world, book(world, course, chair, slot_time(hour=8, days=-1)), SessionState.SIGNED)
    second = PatientFactory(home_clinic=world.clinic, family_name="Okafor")
    add_full_record(world.actor("nurse"), world.actor("physician"), second)
    PatientFactory(home_clinic=world.other_clinic, family_name="Outsider")
    return [patient, second]


def _outcome(response: Any) -> dict[str, Any]:
    body = json.loads(response.content)
    OperationOutcome.model_validate(body)
    return body


def _kick_off(client: Any, query: str = "", url: str = KICK_OFF, **headers: str) -> Any:
    return client.get(url + (f"?{query}" if query else ""), **{**ASYNC, **headers})


def _status_path(response: Any) -> str:
    assert response.status_code == 202, response.content
    location = response["Content-Location"]
    assert location.startswith("http://testserver/fhir/bulk-status/")
    return location.removeprefix("http://testserver")


def _run_queued() -> None:
    """What ``kitclinic db_worker`` does with each queued bulk export: call its task."""
    for result in DBTaskResult.objects.filter(task_path=TASK_PATH):
        tasks.bulk_export_run.call(*result.args_kwargs["args"])


def _download(client: Any, url: str) -> list[str]:
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    return b"".join(response.streaming_content).decode().splitlines()


def test_kick_off_poll_and_download_every_file(world, records, client_for, export_dir):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client))
    export = BulkExport.objects.get()
    assert export.status == BulkExportStatus.ACCEPTED
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1

    waiting = client.get(status_path)
    assert waiting.status_code == 202
    assert waiting["X-Progress"] == "waiting to start"
    assert waiting["Retry-After"]

    _run_queued()
    done = client.get(status_path)
    assert done.status_code == 200
    assert done["Content-Type"] == "application/json"
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"] == "http://testserver/fhir/$export"
    assert manifest["error"] == []
    assert manifest["transactionTime"].endswith("Z") or "+" in manifest["transactionTime"]
    types = [entry["type"] for entry in manifest["output"]]
    assert types == sorted(types)
    assert {"Patient", "Condition", "Encounter", "Observation", "Practitioner"} <= set(types)
    assert set(types) <= EXPORT_TYPES

    patient_ids = set()
    for entry in manifest["output"]:
        lines = _download(client, entry["url"])
        assert len(lines) == entry["count"] > 0
        for line in lines:
            data = json.loads(line)
            assert data["resourceType"] == entry["type"]
            get_fhir_model_class(entry["type"]).model_validate(data)
            if entry["type"] == "Patient":
                patient_ids.add(data["id"])
    # Northside's two patients, never the other organization's.
    assert patient_ids == {f"p-{p.pk}" for p in records}
    export.refresh_from_db()
    assert (export.patients_done, export.patients_total) == (2, 2)
    assert sorted(p.name for p in (export_dir / str(export.key)).iterdir()) == [
        f"{t}.ndjson" for t in types
    ]


def test_every_step_is_audited(world, records, client_for):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client, "_type=Patient,Condition"))
    export = BulkExport.objects.get()
    asked = AuditEvent.objects.get(action=AuditAction.CREATE, object_type=BULK)
    assert asked.actor == world.users["physician"]
    assert asked.organization_id == world.clinic.organization_id
    assert asked.changes["types"] == ["Condition", "Patient"]

    _run_queued()
    written = AuditEvent.objects.get(
        action=AuditAction.EXPORT, object_id=str(export.pk), object_type=BULK
    )
    assert written.actor == world.users["physician"]
    assert written.actor_role == "physician"
    assert written.organization_id == world.clinic.organization_id
    assert written.changes["patients"] == 2
    assert sorted(written.changes["patient_ids"]) == sorted(p.pk for p in records)
    files = {f.resource_type: f.count for f in BulkExportFile.objects.filter(export=export)}
    assert written.changes["resources"] == files

    url = client.get(status_path).json()["output"][0]["url"]
    _download(client, url)
    read = AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_id=str(export.pk), object_type=BULK
    ).get()
    assert read.actor == world.users["physician"]
    assert read.changes == {"resource_type": "Condition", "count": files["Condition"]}

    assert client.delete(status_path).status_code == 202
    cancelled = AuditEvent.objects.get(
        action=AuditAction.UPDATE, object_id=str(export.pk), object_type=BULK
    )
    assert cancelled.changes == {"status": ["completed", "cancelled"]}


def test_type_filter_writes_only_those_types(world, records, client_for):
    client = client_for("clinic_admin")
    status_path = _status_path(_kick_off(client, "_type=Encounter&_type=Patient"))
    _run_queued()
    manifest = client.get(status_path).json()
    assert [e["type"] for e in manifest["output"]] == ["Encounter", "Patient"]
    assert [e["count"] for e in manifest["output"]] == [1, 2]
    assert manifest["request"].endswith("?_type=Encounter&_type=Patient")


def test_since_exports_only_the_patients_changed_after_it(world, records, client_for):
    client = client_for("physician")
    first, second = records
    cut = timezone.now()
    since = cut.isoformat().replace("+00:00", "Z")
    status_path = _status_path(_kick_off(client, f"_since={since}&_type=Patient"))
    _run_queued()
    assert client.get(status_path).json()["output"] == []  # nothing changed after the cut
    client.delete(status_path)

    second.phone = "+1 555 0100"
    second.save(update_fields=["phone", "updated_at"])
    status_path = _status_path(_kick_off(client, f"_since={since}"))
    _run_queued()
    manifest = client.get(status_path).json()
    assert {e["type"]: e["count"] for e in manifest["output"]}["Patient"] == 1
    patient_file = next(e["url"] for e in manifest["output"] if e["type"] == "Patient")
    assert json.loads(_download(client, patient_file)[0])["id"] == f"p-{second.pk}"
    client.delete(status_path)

    earlier = first.created_at.replace(microsecond=0).isoformat()  # "+00:00" sent unencoded
    status_path = _status_path(_kick_off(client, f"_since={earlier}&_type=Patient"))
    _run_queued()
    assert client.get(status_path).json()["output"][0]["count"] == 2


def test_patient_level_kick_off(world, records, client_for):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client, url="/fhir/Patient/$export"))
    assert BulkExport.objects.get().level == "patient"
    _run_queued()
    assert client.get(status_path).status_code == 200


def test_a_token_client_downloads_with_its_token(world, records):
    client = token_client(world.users["physician"])
    status_path = _status_path(_kick_off(client, HTTP_ACCEPT="application/fhir+json"))
    _run_queued()
    manifest = client.get(status_path).json()
    entry = next(e for e in manifest["output"] if e["type"] == "Patient")
    response = client.get(
        entry["url"].removeprefix("http://testserver"), HTTP_ACCEPT="application/fhir+ndjson"
    )
    assert response.status_code == 200
    assert len(b"".join(response.streaming_content).splitlines()) == 2


BAD_KICK_OFFS = [
    ("", {"HTTP_PREFER": ""}, "Prefer"),
    ("", {"HTTP_PREFER": "return=representation"}, "Prefer"),
    ("_outputFormat=text/csv", ASYNC, "_outputFormat"),
    ("_outputFormat=application/fhir%2Bjson", ASYNC, "_outputFormat"),
    ("_type=Patient,Appointment", ASYNC, "_type"),
    ("_type=", ASYNC, "_type"),
    ("_type=patient", ASYNC, "_type"),
    ("_since=yesterday", ASYNC, "_since"),
    ("_since=2026-01-31T08:00:00", ASYNC, "_since"),  # no time zone
    ("_since=2026-02-30T08:00:00Z", ASYNC, "_since"),
    ("_since=2026-01-01T00:00:00Z&_since=2026-02-01T00:00:00Z", ASYNC, "_since"),
    ("_typeFilter=Observation%3Fcategory%3Dlaboratory", ASYNC, "_typeFilter"),
    ("patient=Patient/p-1", ASYNC, "patient"),
]


@pytest.mark.parametrize(("query", "headers", "parameter"), BAD_KICK_OFFS)
def test_a_bad_kick_off_is_a_400_naming_the_parameter_and_writes_nothing(
    world, client_for, unchanged, query, headers, parameter
):
    response = client_for("physician").get(KICK_OFF + (f"?{query}" if query else ""), **headers)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/fhir+json")
    issues = _outcome(response)["issue"]
    assert {i["severity"] for i in issues} == {"error"}
    assert {i["code"] for i in issues} == {"invalid"}
    (named,) = [i for i in issues if "expression" in i]
    assert named["expression"] == [parameter]
    assert parameter in named["diagnostics"]


@pytest.mark.parametrize("persona", ["nurse", "front_desk", "auditor"])
def test_roles_that_may_not_export_are_refused(world, records, client_for, persona):
    before = AuditEvent.objects.count()
    response = _kick_off(client_for(persona))
    assert response.status_code == 403
    assert _outcome(response)["issue"][0]["code"] == "forbidden"
    assert not BulkExport.objects.exists()
    assert AuditEvent.objects.count() == before


def test_without_credentials_the_answer_is_401(world, client_for):
    response = _kick_off(client_for("anonymous"))
    assert response.status_code == 401
    assert _outcome(response)["issue"][0]["code"] == "login"
    assert response["WWW-Authenticate"]


def test_a_nurse_cannot_read_an_export_of_her_organization(world, records, client_for):
    status_path = _status_path(_kick_off(client_for("physician")))
    _run_queued()
    nurse = client_for("nurse")
    assert nurse.get(status_path).status_code == 403
    assert nurse.delete(status_path).status_code == 403
    assert BulkExport.objects.get().status == BulkExportStatus.COMPLETED


def test_another_organizations_export_is_not_found(world, records, client_for):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client))
    _run_queued()
    file_url = client.get(status_path).json()["output"][0]["url"].removeprefix("http://testserver")
    outsider = client_for("other_org")
    before = AuditEvent.objects.count()
    for response in (
        outsider.get(status_path),
        outsider.get(file_url),
        outsider.delete(status_path),
    ):
        assert response.status_code == 404
        assert _outcome(response)["issue"][0]["code"] == "not-found"
    assert AuditEvent.objects.count() == before
    assert BulkExport.objects.get().status == BulkExportStatus.COMPLETED


def test_a_file_the_export_does_not_have_is_not_found(world, records, client_for):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client, "_type=Patient"))
    key = status_path.rsplit("/", 1)[1]
    # before the export is written, then a type it does not hold, then a path outside it
    assert client.get(f"/fhir/bulk-files/{key}/Patient.ndjson").status_code == 404
    _run_queued()
    assert client.get(f"/fhir/bulk-files/{key}/Condition.ndjson").status_code == 404
    assert client.get(f"/fhir/bulk-files/{key}/..%2FPatient.ndjson").status_code == 404
    assert client.get(f"/fhir/bulk-files/{key}/Patient.ndjson").status_code == 200


def test_delete_before_the_run_cancels_it(world, records, client_for, export_dir):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client))
    response = client.delete(status_path)
    assert response.status_code == 202
    _outcome(response)
    assert client.get(status_path).status_code == 404
    assert client.delete(status_path).status_code == 404
    _run_queued()  # the queued task finds it cancelled and writes nothing
    export = BulkExport.objects.get()
    assert export.status == BulkExportStatus.CANCELLED
    assert not (export_dir / str(export.key)).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_delete_after_completion_deletes_the_files(
    world, records, client_for, export_dir, django_capture_on_commit_callbacks
):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client))
    _run_queued()
    urls = [e["url"] for e in client.get(status_path).json()["output"]]
    export = BulkExport.objects.get()
    assert (export_dir / str(export.key)).is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(status_path).status_code == 202
    assert not (export_dir / str(export.key)).exists()
    assert not BulkExportFile.objects.exists()
    assert client.get(urls[0].removeprefix("http://testserver")).status_code == 404


def test_a_cancel_while_it_runs_stops_it_at_the_next_batch(
    world, records, client_for, export_dir, monkeypatch
):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client))
    monkeypatch.setattr("kitclinic.interop.export.PATIENT_BATCH", 1)
    original = bulk.write_ndjson

    def cancelled_after_first_batch(*args: Any, progress: Callable[[int], None], **kw: Any):
        def progress_then_cancel(done: int) -> None:
            progress(done)
            # the status answered while it runs, then someone cancels
            seen = client.get(status_path)
            assert (seen.status_code, seen["X-Progress"]) == (202, "1 of 2 patients")
            assert client.delete(status_path).status_code == 202

        return original(*args, progress=progress_then_cancel, **kw)

    monkeypatch.setattr(bulk, "write_ndjson", cancelled_after_first_batch)
    _run_queued()
    export = BulkExport.objects.get()
    assert export.status == BulkExportStatus.CANCELLED
    assert export.patients_done == 1
    assert not (export_dir / str(export.key)).exists()
    assert not BulkExportFile.objects.exists()


def test_a_failed_export_answers_500_with_the_reason(world, records, client_for, monkeypatch):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client))

    def refused(*args: Any, **kwargs: Any) -> None:
        raise ValueError("1 validation error for Observation\nstatus\n  field required")

    monkeypatch.setattr(bulk, "write_ndjson", refused)
    _run_queued()
    response = client.get(status_path)
    assert response.status_code == 500
    issue = _outcome(response)["issue"][0]
    assert issue["code"] == "exception"
    assert "valid FHIR R4" in issue["diagnostics"]
    assert BulkExport.objects.get().status == BulkExportStatus.FAILED
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    # one at a time: a failed export does not hold the next one back
    assert _kick_off(client).status_code == 202


def test_one_export_at_a_time_per_organization(world, records, client_for):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client))
    busy = _kick_off(client_for("clinic_admin"))
    assert busy.status_code == 429
    assert status_path in _outcome(busy)["issue"][0]["diagnostics"]
    assert BulkExport.objects.count() == 1
    # another organization is not held back
    assert _kick_off(client_for("other_org")).status_code == 202


def test_a_role_revoked_before_the_run_fails_the_export(world, records, client_for):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client))
    world.memberships["physician"].role = "nurse"
    world.memberships["physician"].save(update_fields=["role"])
    _run_queued()
    assert BulkExport.objects.get().status == BulkExportStatus.FAILED
    # the nurse the physician now is may not read it either
    assert client_for("clinic_admin").get(status_path).status_code == 500


def test_a_repeated_run_does_nothing(world, records, client_for):
    _status_path(_kick_off(client_for("physician")))
    export = BulkExport.objects.get()
    assert bulk.bulk_export_run(export_id=export.pk) is True
    assert bulk.bulk_export_run(export_id=export.pk) is False
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1


# A transactional test: the worker closes the database connection between tasks, which the
# test's own wrapping transaction would not survive on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_queued_export(world, records, client_for):
    client = client_for("physician")
    status_path = _status_path(_kick_off(client))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert client.get(status_path).status_code == 200


def test_urls_are_named():
    assert reverse("fhir:bulk-export") == KICK_OFF
    assert reverse("fhir:bulk-export-patient") == "/fhir/Patient/$export"


def test_the_types_a_kick_off_may_ask_are_every_type_the_export_writes():
    """Each mapping function the export's record reader calls builds a resource type
    ``EXPORT_TYPES`` lists, so a type the export comes to write is one ``_type`` may ask for."""
    import inspect
    import re
    import typing

    from kitclinic.interop import mapping, patient_resources

    called = set(re.findall(r"mapping\.(\w+)\(", inspect.getsource(patient_resources)))
    built = set()
    for name in called - {"instant", "ScoreCode"}:
        returned = typing.get_type_hints(getattr(mapping, name))["return"]
        for kind in typing.get_args(returned) or (returned,):
            inner = typing.get_args(kind) or (kind,)  # list[Observation]
            built |= {k.get_resource_type() for k in inner}
    assert built == EXPORT_TYPES
