"""Authentication, CSRF, the acting clinic, /me/, the audit trail endpoint, and the OpenAPI
schema. API tokens themselves: tests/api/test_tokens.py and tests/accounts/."""

from __future__ import annotations

import io
import re

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from kitclinic.accounts.roles import PERMISSIONS, Role
from kitclinic.audit.models import AuditEvent
from kitclinic.patients.models import Diagnosis
from tests.factories import ClinicFactory, MembershipFactory, PatientFactory
from tests.support.clients import token_client
from tests.support.rows import row_counts

DIAGNOSIS = {"icd10_code": "F33.2", "description": "MDD"}
CSRF_SECRET = "a" * 32  # a well-formed unmasked CSRF secret


# --- CSRF and tokens --------------------------------------------------------------------------


def test_session_post_without_csrf_token_is_rejected(world, patient):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["nurse"])
    before = row_counts()
    response = client.post(f"/api/v1/patients/{patient.pk}/diagnoses/", DIAGNOSIS, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert row_counts() == before


def test_session_post_with_csrf_token_is_accepted(world, patient):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["nurse"])
    client.cookies["csrftoken"] = CSRF_SECRET
    response = client.post(
        f"/api/v1/patients/{patient.pk}/diagnoses/",
        DIAGNOSIS,
        format="json",
        HTTP_X_CSRFTOKEN=CSRF_SECRET,
    )
    assert response.status_code == 201


def test_token_auth_needs_no_csrf_token(world, patient):
    out = io.StringIO()
    call_command(
        "api_token",
        "create",
        "--username",
        "nurse",
        "--name",
        "lab",
        "--scope",
        "write",
        stdout=out,
        stderr=io.StringIO(),
    )
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}")
    response = client.post(f"/api/v1/patients/{patient.pk}/diagnoses/", DIAGNOSIS, format="json")
    assert response.status_code == 201
    assert Diagnosis.objects.get().recorded_by == world.users["nurse"]


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_wrong_token_is_401(world, scheme):
    from kitclinic.accounts.token_rules import UNKNOWN_MESSAGE

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} " + "0" * 40)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": UNKNOWN_MESSAGE}
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- the acting clinic ------------------------------------------------------------------------


@pytest.fixture
def second_clinic(world):
    """The nurse is also the physician at a second clinic of the same organization."""
    clinic = ClinicFactory(organization=world.clinic.organization, name="Southside")
    MembershipFactory(user=world.users["nurse"], clinic=clinic, role="physician")
    return clinic


def test_clinic_header_selects_the_acting_clinic_and_role(world, client_for, second_clinic):
    client = client_for("nurse")
    default = client.get("/api/v1/me/").json()
    assert (default["acting"]["clinic"], default["acting"]["role"]) == (world.clinic.pk, "nurse")
    assert {m["clinic"] for m in default["memberships"]} == {world.clinic.pk, second_clinic.pk}
    chosen = client.get("/api/v1/me/", HTTP_X_KITCLINIC_CLINIC=str(second_clinic.pk)).json()
    assert (chosen["acting"]["clinic"], chosen["acting"]["role"]) == (second_clinic.pk, "physician")
    assert "eligibility.sign" in chosen["actions"]
    assert "eligibility.sign" not in default["actions"]


def test_role_follows_the_clinic_header_for_writes(world, client_for, patient, second_clinic):
    from tests.api.helpers import record_screen

    record_screen(world, patient)
    client = client_for("nurse")
    url = f"/api/v1/patients/{patient.pk}/eligibility-decisions/"
    body = {"indication": "depression", "outcome": "not_eligible", "rationale": "Declined."}
    assert client.post(url, body, format="json").status_code == 403
    response = client.post(url, body, format="json", HTTP_X_KITCLINIC_CLINIC=str(second_clinic.pk))
    assert response.status_code == 201
    event = AuditEvent.objects.get(action="sign")
    assert (event.clinic_id, event.actor_role) == (second_clinic.pk, "physician")


@pytest.mark.parametrize("header", ["other", "999999", "abc"])
def test_clinic_without_a_role_is_403_and_writes_nothing(world, client_for, patient, header):
    value = str(world.other_clinic.pk) if header == "other" else header
    before = row_counts()
    response = client_for("nurse").post(
        f"/api/v1/patients/{patient.pk}/diagnoses/",
        DIAGNOSIS,
        format="json",
        HTTP_X_KITCLINIC_CLINIC=value,
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "You have no role at the requested clinic."}
    assert row_counts() == before


def test_inactive_membership_is_no_role(world, client_for):
    membership = world.memberships["physician"]
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    response = client_for("physician").get("/api/v1/patients/")
    assert response.status_code == 403
    assert response.json() == {"detail": "You have no role at any clinic."}


@pytest.mark.parametrize("role", list(Role))
def test_me_lists_the_actions_of_the_role(world, client_for, role):
    body = client_for(role.value).get("/api/v1/me/").json()
    assert body["user"]["username"] == role.value
    assert set(body["actions"]) == {a.value for a, roles in PERMISSIONS.items() if role in roles}


# --- the audit trail --------------------------------------------------------------------------


def test_audit_events_filter_by_action_actor_mrn_and_dates(world, client_for, patient):
    client_for("nurse").get(f"/api/v1/patients/{patient.pk}/")
    client_for("nurse").post(f"/api/v1/patients/{patient.pk}/diagnoses/", DIAGNOSIS, format="json")
    other = PatientFactory(home_clinic=world.clinic)
    client_for("physician").get(f"/api/v1/patients/{other.pk}/")
    auditor = client_for("auditor")

    def actions(**params: str) -> list[tuple[str, str, str]]:
        response = auditor.get("/api/v1/audit-events/", params)
        assert response.status_code == 200, response.content
        return [
            (e["action"], e["actor"]["username"], e["patient_mrn"])
            for e in response.json()["results"]
        ]

    assert actions() == [
        ("view", "physician", other.mrn),
        ("create", "nurse", patient.mrn),
        ("view", "nurse", patient.mrn),
    ]
    assert actions(action="create") == [("create", "nurse", patient.mrn)]
    assert actions(actor="NURSE") == [
        ("create", "nurse", patient.mrn),
        ("view", "nurse", patient.mrn),
    ]
    assert [a for a, _, _ in actions(mrn=other.mrn)] == ["view"]
    assert actions(**{"from": "2001-01-01", "to": "2001-12-31"}) == []
    # filtering by a patient was itself recorded, as a search about that patient; the other pages
    # that named patients as worklists (about no one patient: the ones shown are in its changes)
    found = actions(**{"from": "2001-01-01"})
    assert found[0] == ("search", "auditor", other.mrn)
    assert found[1:4] == [("view", "auditor", None)] * 3
    assert len(found) == 7


def test_audit_events_hide_another_organizations(world, client_for, other_org_patient):
    client_for("other_org").get(f"/api/v1/patients/{other_org_patient.pk}/")
    assert client_for("clinic_admin").get("/api/v1/audit-events/").json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [({"action": "delete"}, "action"), ({"from": "yesterday"}, "from"), ({"who": "x"}, "who")],
)
def test_bad_audit_filter_names_the_parameter(client_for, params, field):
    response = client_for("auditor").get("/api/v1/audit-events/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_audit_list_queries_are_bounded(world, client_for, patient, django_assert_max_num_queries):
    nurse = client_for("nurse")
    for _ in range(30):
        nurse.get(f"/api/v1/patients/{patient.pk}/")
    # 8: the page is a worklist naming the patient whose events it shows, one audit event (a
    # savepoint, the chain head's lock, the insert, the head's move and the release)
    with django_assert_max_num_queries(8):
        response = client_for("auditor").get("/api/v1/audit-events/")
    assert response.json()["count"] == 30


# --- schema and docs --------------------------------------------------------------------------


def test_schema_generates_without_warnings_and_has_every_endpoint(tmp_path):
    from django.urls import URLResolver

    from kitclinic.api.urls import urlpatterns

    def routes(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    target = tmp_path / "schema.yaml"
    # --fail-on-warn raises on any warning or error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    for route, pattern in routes(urlpatterns):
        path = "/api/v1/" + re.sub(r"<int:(\w+)>", r"{\1}", route)
        view = pattern.callback.cls
        methods = {m for m in ("get", "post", "put", "patch") if hasattr(view, m)}
        assert set(schema["paths"][path]) == methods, path
        for method in methods:
            operation = schema["paths"][path][method]
            assert "200" in operation["responses"] or "201" in operation["responses"]
            if method != "get":
                assert "requestBody" in operation, (method, path)


def test_schema_and_docs_are_served_without_a_cdn(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn." not in html


def test_a_locked_out_account_s_token_is_refused_until_the_lock_is_lifted(world, settings):
    from axes.utils import reset

    from kitclinic.accounts.api.authentication import LOCKED_MESSAGE

    nurse = world.users["nurse"]
    api = token_client(nurse)
    assert api.get("/api/v1/me/").status_code == 200
    browser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        browser.post("/login/", {"username": "nurse", "password": "wrong-password-123"})
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == LOCKED_MESSAGE
    # another account's token is not affected
    assert token_client(world.users["physician"]).get("/api/v1/me/").status_code == 200
    reset(username="nurse")
    assert api.get("/api/v1/me/").status_code == 200


def test_a_deactivated_user_s_token_is_refused(world):
    nurse = world.users["nurse"]
    api = token_client(nurse)
    nurse.is_active = False
    nurse.save(update_fields=["is_active"])
    assert api.get("/api/v1/me/").status_code == 401
