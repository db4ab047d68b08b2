"""The FHIR REST door: /fhir/metadata, read of each served type, a patient's $everything (the
same resources as ``kitclinic fhir export --mrn``), authentication, the scope (the API's: another
organization's patient is a 404, the front desk a 403), the audit of every read, the
content negotiation, and every error as a valid OperationOutcome."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.interop import rest
from kitclinic.interop.api import views
from tests.factories import PatientFactory
from tests.interop.rest_helpers import SERVED, entries, fhir_body, ids, outcome
from tests.support.clients import api_client, token_client, web_client
from tests.support.personas import ROLES
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    return api_client(world, "physician")


def _everything(api, patient_pk: int) -> dict:
    return fhir_body(api.get(f"/fhir/Patient/p-{patient_pk}/$everything"))


# --- metadata --------------------------------------------------------------------------------


def test_metadata_lists_exactly_what_the_table_serves(world):
    # no log-in: a FHIR client reads the statement before it authenticates
    body = fhir_body(api_client(world, "anonymous").get("/fhir/metadata"))
    statement = CapabilityStatement.model_validate(body)
    assert statement.kind == "instance" and statement.fhirVersion == "4.0.1"
    assert "application/fhir+json" in statement.format
    (server,) = body["rest"]
    assert server["mode"] == "server"
    assert [r["type"] for r in server["resource"]] == list(SERVED)
    by_type = {r["type"]: r for r in server["resource"]}
    for support in rest.RESOURCES:
        entry = by_type[support.type]
        assert [i["code"] for i in entry["interaction"]] == ["read", "search-type"]
        names = [p["name"] for p in entry["searchParam"]]
        assert names == [p.name for p in support.search] + ["_count", "_offset"]
    assert [p["name"] for p in by_type["Patient"]["searchParam"][:3]] == [
        "identifier",
        "name",
        "birthdate",
    ]
    assert [o["name"] for o in by_type["Patient"]["operation"]] == ["everything", "export"]
    assert "operation" not in by_type["Condition"]
    # the bulk export (tests/interop/test_bulk_export.py)
    assert [o["name"] for o in server["operation"]] == ["export"]


def test_a_system_operation_added_to_the_table_is_listed(world, monkeypatch):
    op = rest.Operation("reindex", "http://example.org/OperationDefinition/reindex", "Again.")
    monkeypatch.setattr(rest, "SYSTEM_OPERATIONS", (*rest.SYSTEM_OPERATIONS, op))
    body = fhir_body(api_client(world, "anonymous").get("/fhir/metadata"))
    assert [o["name"] for o in body["rest"][0]["operation"]] == ["export", "reindex"]


# --- read and $everything --------------------------------------------------------------------


def test_every_served_resource_of_a_patient_reads_back_as_everything_wrote_it(world, api, treated):
    bundle = _everything(api, treated.patient_id)
    served = [r for r in entries(bundle) if r["resourceType"] in SERVED]
    assert {r["resourceType"] for r in served} == set(SERVED)
    for resource in served:
        read = fhir_body(api.get(f"/fhir/{resource['resourceType']}/{resource['id']}"))
        assert read == resource


def test_everything_holds_what_the_export_writes_for_the_patient(world, api, treated, tmp_path):
    patient = treated.patient
    target = Path(tmp_path) / "patient.json"
    call_command(
        "fhir",
        "export",
        "--organization",
        world.clinic.organization.slug,
        "--mrn",
        patient.mrn,
        "--output",
        str(target),
        stdout=StringIO(),
    )
    exported = json.loads(target.read_text())
    bundle = _everything(api, patient.pk)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == len(bundle["entry"]) == len(exported["entry"])
    assert [e["fullUrl"] for e in bundle["entry"]] == [e["fullUrl"] for e in exported["entry"]]
    assert entries(bundle) == [e["resource"] for e in exported["entry"]]
    assert all(e["search"]["mode"] == "match" for e in bundle["entry"])


@pytest.mark.parametrize(
    "path",
    [
        "Patient/p-999999",
        "Patient/abc",
        "Patient/p-0",
        "Patient/p-007",
        "Condition/cond-999999",
        "Observation/vitals-999999-bp",
        "Observation/nothing-1",
        "Encounter/ma-1",
        "MedicationAdministration/enc-1",
    ],
)
def test_an_id_the_export_does_not_write_is_a_404_outcome(api, treated, path):
    diagnostics = outcome(api.get(f"/fhir/{path}"), 404, "not-found")
    assert path.split("/")[1] in diagnostics


def test_an_id_of_the_wrong_type_or_suffix_is_a_404(api, treated):
    pid = treated.patient_id
    outcome(api.get(f"/fhir/Condition/p-{pid}"), 404, "not-found")
    vitals = next(i for i in ids(_everything(api, pid)) if i.startswith("Observation/vitals-"))
    set_id = vitals.split("/")[1].rsplit("-", 1)[0]
    outcome(api.get(f"/fhir/Observation/{set_id}-xx"), 404, "not-found")
    outcome(api.get(f"/fhir/Observation/{set_id}"), 404, "not-found")


def test_an_unknown_resource_type_or_address_is_a_404_outcome(api):
    outcome(api.get("/fhir/Procedure/trial-1"), 404, "not-found")
    outcome(api.get("/fhir/Procedure"), 404, "not-found")
    outcome(api.get("/fhir/"), 404, "not-found")
    outcome(api.get("/fhir/Patient/p-1/$nothing"), 404, "not-found")


# --- who may read ----------------------------------------------------------------------------


def test_without_credentials_every_resource_is_a_401_outcome(world, treated):
    client = api_client(world, "anonymous")
    pid = treated.patient_id
    for path in (f"Patient/p-{pid}", "Patient", f"Patient/p-{pid}/$everything"):
        response = client.get(f"/fhir/{path}")
        outcome(response, 401, "login")
        assert response["WWW-Authenticate"].startswith("Bearer")
    bad_token = api_client(world, "anonymous")
    bad_token.credentials(HTTP_AUTHORIZATION="Bearer kit_not-a-token")
    outcome(bad_token.get(f"/fhir/Patient/p-{pid}"), 401, "login")


def test_an_api_token_and_a_browser_session_both_read(world, treated):
    path = f"/fhir/Patient/p-{treated.patient_id}"
    assert (
        fhir_body(token_client(world.users["nurse"]).get(path))["id"] == f"p-{treated.patient_id}"
    )
    assert fhir_body(web_client(world, "physician").get(path))["id"] == f"p-{treated.patient_id}"


@pytest.mark.parametrize("persona", ROLES)
def test_every_role_but_the_front_desk_reads_a_patient_of_its_clinic(world, patient, persona):
    response = api_client(world, persona).get(f"/fhir/Patient/p-{patient.pk}")
    if persona == "front_desk":
        outcome(response, 403, "forbidden")
    else:
        assert fhir_body(response)["id"] == f"p-{patient.pk}"


def test_a_session_write_without_the_csrf_token_is_a_403_outcome(world, patient):
    client = web_client(world, "physician", enforce_csrf_checks=True)
    assert "CSRF" in outcome(client.post("/fhir/Patient", {}), 403, "forbidden")


def test_the_front_desk_is_refused_every_resource(world, treated):
    client = api_client(world, "front_desk")
    pid = treated.patient_id
    for path in (
        f"Patient/p-{pid}",
        f"Encounter/enc-{treated.pk}",
        f"Patient?identifier={treated.patient.mrn}",
        f"Observation?patient=p-{pid}",
        f"Patient/p-{pid}/$everything",
    ):
        diagnostics = outcome(client.get(f"/fhir/{path}"), 403, "forbidden")
        assert "Front desk" in diagnostics
    # refused before any lookup: an id that does not exist is refused the same way
    outcome(client.get("/fhir/Patient/p-999999"), 403, "forbidden")


def test_another_organizations_patient_is_a_404_never_a_403(world, treated, other_org_patient):
    api = api_client(world, "physician")
    outcome(api.get(f"/fhir/Patient/p-{other_org_patient.pk}"), 404, "not-found")
    outcome(api.get(f"/fhir/Patient/p-{other_org_patient.pk}/$everything"), 404, "not-found")
    outsider = api_client(world, "other_org")
    outcome(outsider.get(f"/fhir/Patient/p-{treated.patient_id}"), 404, "not-found")
    outcome(outsider.get(f"/fhir/Encounter/enc-{treated.pk}"), 404, "not-found")
    bundle = fhir_body(outsider.get(f"/fhir/Observation?patient=p-{treated.patient_id}"))
    assert bundle["total"] == 0 and "entry" not in bundle


def test_the_scope_is_the_apis_the_organizations_patients_for_a_clinical_role(
    world, treated, client_for
):
    """One rule at every door: a physician whose role is at the organization's other clinic
    reads a Northside patient here exactly as through /api/v1."""
    southside = PatientFactory(home_clinic=world.sister_clinic())
    elsewhere = world.elsewhere("physician")
    physician_elsewhere = api_client(world, elsewhere)
    assert fhir_body(physician_elsewhere.get(f"/fhir/Patient/p-{treated.patient_id}"))["id"] == (
        f"p-{treated.patient_id}"
    )
    assert client_for(elsewhere).get(f"/api/v1/patients/{treated.patient_id}/").status_code == 200
    assert fhir_body(api_client(world, "physician").get(f"/fhir/Patient/p-{southside.pk}"))[
        "id"
    ] == (f"p-{southside.pk}")
    # a role that may not read clinical records is refused at both doors
    outcome(
        api_client(world, "front_desk").get(f"/fhir/Patient/p-{southside.pk}"), 403, "forbidden"
    )


# --- the audit trail -------------------------------------------------------------------------


def _events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("pk"))


def test_a_read_is_one_view_event_of_the_patient(world, api, treated):
    before = AuditEvent.objects.count()
    fhir_body(api.get(f"/fhir/Observation/aldrete-{treated.discharge.pk}"))
    (event,) = AuditEvent.objects.filter(pk__gt=0).order_by("-pk")[:1]
    assert AuditEvent.objects.count() == before + 1
    assert event.action == AuditAction.VIEW
    assert event.patient_id == treated.patient_id
    assert event.actor == world.users["physician"] and event.actor_role == "physician"
    assert event.detail == f"FHIR read Observation/aldrete-{treated.discharge.pk}"


def test_everything_is_one_view_event(world, api, treated):
    before = AuditEvent.objects.count()
    _everything(api, treated.patient_id)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.action == AuditAction.VIEW and event.patient_id == treated.patient_id
    assert "$everything" in event.detail


def test_a_refused_or_failed_read_writes_nothing(world, treated, other_org_patient):
    before = row_counts()
    api = api_client(world, "physician")
    api.get(f"/fhir/Patient/p-{other_org_patient.pk}")
    api.get("/fhir/Observation?patient=p-1&nope=1")
    api_client(world, "front_desk").get(f"/fhir/Patient/p-{treated.patient_id}")
    api_client(world, "anonymous").get(f"/fhir/Patient/p-{treated.patient_id}")
    assert row_counts() == before


# --- formats, methods and server errors ------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("", None),
        ("?_format=json", None),
        ("?_format=application/fhir%2Bjson", None),
        ("?_format=application/json", "text/html"),
        ("", "application/json"),
        ("", "application/fhir+json; fhirVersion=4.0"),
        ("", "text/html,application/xhtml+xml,*/*;q=0.8"),
    ],
)
def test_fhir_json_is_served_for_json_formats(api, treated, query, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = api.get(f"/fhir/Patient/p-{treated.patient_id}{query}", **headers)
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert fhir_body(response)["resourceType"] == "Patient"


def test_another_format_is_a_406_outcome(api, treated):
    path = f"/fhir/Patient/p-{treated.patient_id}"
    assert "_format" in outcome(api.get(f"{path}?_format=xml"), 406, "not-supported")
    assert "Accept" in outcome(
        api.get(path, HTTP_ACCEPT="application/fhir+xml"), 406, "not-supported"
    )


def test_a_write_is_a_405_outcome_and_writes_nothing(world, treated):
    client = token_client(world.users["physician"])
    before = row_counts()
    path = f"/fhir/Patient/p-{treated.patient_id}"
    assert "POST" in outcome(client.post("/fhir/Patient", {}, format="json"), 405, "not-supported")
    assert "PUT" in outcome(client.put(path, {}, format="json"), 405, "not-supported")
    assert "DELETE" in outcome(client.delete(path), 405, "not-supported")
    assert row_counts() == before


def test_a_server_error_is_a_500_outcome_that_says_nothing_was_saved(world, treated, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "fhir_read", fail)
    client = web_client(world, "physician", raise_request_exception=False)
    diagnostics = outcome(client.get(f"/fhir/Patient/p-{treated.patient_id}"), 500, "exception")
    assert "nothing was saved" in diagnostics and "boom" not in diagnostics


def test_a_control_character_in_the_query_is_a_400_outcome(api):
    diagnostics = outcome(api.get("/fhir/Patient?name=a%00b"), 400, "invalid")
    assert diagnostics == "Invalid input."


def test_the_fhir_routes_are_not_in_the_openapi_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["paths"] and not [p for p in schema["paths"] if p.startswith("/fhir")]
