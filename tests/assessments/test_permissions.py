"""Every assessments page and API operation × every persona, expectations derived from
kitclinic.accounts.roles.PERMISSIONS: allowed roles get the page or the write, others 403, another
organization's patient or alert is 404, anonymous visitors go to the log-in (pages) or get 401
(API). Refused writes store nothing. Staff forms refuse a POST without the CSRF token."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.assessments.services.assessments import assessment_record
from tests.assessments.helpers import (
    PHQ9_CALM,
    PHQ9_ITEM9,
    alert_raised,
)
from tests.support.clients import api_client, web_client
from tests.support.personas import ROLES
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db

PERSONAS = [*ROLES, "other_org"]


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    url: str  # {pid} patient, {aid} alert
    action: Action
    data: dict | None = None
    on_patient: bool = True
    success: int = 200


NOW = timezone.now().isoformat()
PAGE_OPS = [
    Op(
        "record-get",
        "get",
        "/patients/{pid}/assessments/new/?instrument=phq9",
        Action.ASSESSMENT_RECORD,
    ),
    Op(
        "record-post",
        "post",
        "/patients/{pid}/assessments/new/",
        Action.ASSESSMENT_RECORD,
        {
            "instrument": "phq9",
            "mode": "in_clinic",
            "administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            **{f"item_{i}": "0" for i in range(1, 10)},
        },
        success=302,
    ),
    Op("link-get", "get", "/patients/{pid}/self-report-links/new/", Action.SELF_REPORT_LINK_ISSUE),
    Op(
        "link-post",
        "post",
        "/patients/{pid}/self-report-links/new/",
        Action.SELF_REPORT_LINK_ISSUE,
        {"instrument": "gad7"},
    ),
    Op("kiosk-get", "get", "/patients/{pid}/kiosk/new/", Action.SELF_REPORT_LINK_ISSUE),
    Op(
        "kiosk-post",
        "post",
        "/patients/{pid}/kiosk/new/",
        Action.SELF_REPORT_LINK_ISSUE,
        {"instrument": "phq9"},
        success=302,
    ),
    Op(
        "schedule-get",
        "get",
        "/patients/{pid}/assessment-schedule/",
        Action.ASSESSMENT_SCHEDULE_EDIT,
    ),
    Op(
        "schedule-post",
        "post",
        "/patients/{pid}/assessment-schedule/",
        Action.ASSESSMENT_SCHEDULE_EDIT,
        {
            "instrument": "phq9",
            "cadence_days": "14",
            "first_due_on": timezone.localdate().isoformat(),
        },
        success=302,
    ),
    Op("chart", "get", "/patients/{pid}/", Action.PATIENT_VIEW),
    Op("queue", "get", "/alerts/", Action.CLINICAL_VIEW, on_patient=False),
    Op("count", "get", "/alerts/count/", Action.CLINICAL_VIEW, on_patient=False),
    Op("ack-get", "get", "/alerts/{aid}/acknowledge/", Action.ALERT_ACKNOWLEDGE),
    Op(
        "ack-post",
        "post",
        "/alerts/{aid}/acknowledge/",
        Action.ALERT_ACKNOWLEDGE,
        {"note": "Risk assessment done."},
        success=302,
    ),
]
API_OPS = [
    Op("api-list", "get", "/api/v1/patients/{pid}/assessments/", Action.CLINICAL_VIEW),
    Op(
        "api-create",
        "post",
        "/api/v1/patients/{pid}/assessments/",
        Action.ASSESSMENT_RECORD,
        {"instrument": "phq9", "answers": PHQ9_CALM, "administered_at": NOW},
        success=201,
    ),
    Op(
        "api-link",
        "post",
        "/api/v1/patients/{pid}/self-report-links/",
        Action.SELF_REPORT_LINK_ISSUE,
        {"instrument": "phq9"},
        success=201,
    ),
    Op("api-alerts", "get", "/api/v1/alerts/", Action.CLINICAL_VIEW, on_patient=False),
    Op(
        "api-ack",
        "post",
        "/api/v1/alerts/{aid}/acknowledge/",
        Action.ALERT_ACKNOWLEDGE,
        {"note": "Called the patient."},
    ),
]


def _expected(persona: str, op: Op) -> int:
    if persona == "other_org" and op.on_patient:
        return 404
    role = Role.PHYSICIAN if persona == "other_org" else Role(persona)
    return op.success if role in PERMISSIONS[op.action] else 403


def _url(op: Op, patient, alert) -> str:
    return op.url.format(pid=patient.pk, aid=alert.pk)


@pytest.mark.parametrize("op", PAGE_OPS, ids=lambda o: o.name)
@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_page_gives_the_status_the_matrix_gives(world, patient, persona, op):
    from django.test import Client

    alert = alert_raised(world, patient)
    client = Client()
    if persona != "anonymous":
        client = web_client(world, persona)
    before = row_counts()
    response = getattr(client, op.method)(_url(op, patient, alert), op.data or {})
    if persona == "anonymous":
        assert response.status_code == 302 and "/login/" in response["Location"]
        assert row_counts() == before
        return
    expected = _expected(persona, op)
    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        assert row_counts() == before
    elif op.method == "post":
        assert row_counts() != before


@pytest.mark.parametrize("op", API_OPS, ids=lambda o: o.name)
@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_api_gives_the_status_the_matrix_gives(world, patient, persona, op):
    alert = alert_raised(world, patient)
    client = api_client(world, persona)
    before = row_counts()
    response = getattr(client, op.method)(_url(op, patient, alert), op.data, format="json")
    expected = 401 if persona == "anonymous" else _expected(persona, op)
    assert response.status_code == expected, response.content[:500]
    assert response["Content-Type"] == "application/json"
    if expected >= 400:
        assert "detail" in response.json()
        assert row_counts() == before


def test_other_organizations_alert_is_404_to_everyone_here(world, patient, other_org_patient):
    theirs = assessment_record(
        actor=world.actor("other_org"),
        patient=other_org_patient,
        instrument="phq9",
        answers=PHQ9_ITEM9,
        administered_at=timezone.now(),
    ).alerts.get()

    for persona in ROLES:
        client = web_client(world, persona)
        assert client.get(f"/alerts/{theirs.pk}/acknowledge/").status_code == 404
        assert "Outsider" not in client.get("/alerts/").content.decode()


@pytest.mark.parametrize("op", [o for o in PAGE_OPS if o.method == "post"], ids=lambda o: o.name)
def test_staff_forms_refuse_a_post_without_csrf_token(world, patient, op):

    alert = alert_raised(world, patient)
    client = web_client(world, "physician", enforce_csrf_checks=True)
    before = row_counts()
    assert client.post(_url(op, patient, alert), op.data).status_code == 403
    assert row_counts() == before


def test_api_answers_errors_name_the_item_and_allowed_values(world, patient):
    client = api_client(world, "nurse")
    before = row_counts()
    response = client.post(
        f"/api/v1/patients/{patient.pk}/assessments/",
        {"instrument": "phq9", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 9], "administered_at": NOW},
        format="json",
    )
    assert response.status_code == 400
    (message,) = response.json()["errors"]["answers"]
    assert "item 9" in message and "allowed values: 0-3" in message
    response = client.post(
        f"/api/v1/patients/{patient.pk}/assessments/",
        {"instrument": "phq9", "answers": ["1"] * 9, "administered_at": NOW, "total": 27},
        format="json",
    )
    assert response.status_code == 400
    # each wrong item is named by its place in the list: answers.0 ... answers.8
    assert set(response.json()["errors"]) == {f"answers.{i}" for i in range(9)} | {"total"}
    assert row_counts() == before


def test_api_returns_the_token_once_and_scores_out(world, patient):
    client = api_client(world, "nurse")
    created = client.post(
        f"/api/v1/patients/{patient.pk}/assessments/",
        {"instrument": "phq9", "answers": PHQ9_ITEM9, "administered_at": NOW},
        format="json",
    ).json()
    assert created["total"] == 14 and created["severity"] == "moderate"
    assert created["flags"] == ["suicidal_ideation"]
    link = client.post(
        f"/api/v1/patients/{patient.pk}/self-report-links/", {"instrument": "phq9"}, format="json"
    ).json()
    assert link["url"].endswith(f"/r/{link['token']}/")
    listed = client.get(f"/api/v1/patients/{patient.pk}/assessments/").json()
    assert "token" not in str(listed)
    alerts = client.get("/api/v1/alerts/").json()
    assert alerts["count"] == 1 and alerts["results"][0]["status"] == "open"


def test_api_assessment_list_is_audited_as_a_view(world, patient):
    from kitclinic.audit.models import AuditAction, AuditEvent

    client = api_client(world, "nurse")
    before = AuditEvent.objects.filter(action=AuditAction.VIEW).count()
    assert client.get(f"/api/v1/patients/{patient.pk}/assessments/").status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.VIEW).order_by("-id").first()
    assert AuditEvent.objects.filter(action=AuditAction.VIEW).count() == before + 1
    assert event.patient_id == patient.pk and event.detail == "api: assessments"


@pytest.mark.parametrize("op", [*PAGE_OPS, *API_OPS], ids=lambda o: o.name)
def test_the_role_only_at_another_clinic(world, patient, op):
    """A role that may do the action, held at Southside only. The patient is the organization's
    (their chart, ratings and links answer as the matrix says); Northside's safety alert is
    acknowledged only with a role at Northside (403, nothing written), and Southside's queue
    does not list it."""

    alert = alert_raised(world, patient)
    role = next(Role(r) for r in ROLES if Role(r) in PERMISSIONS[op.action])
    persona = world.elsewhere(role)
    before = row_counts()
    if op.name.startswith("api-"):
        api = api_client(world, persona)
        response = getattr(api, op.method)(_url(op, patient, alert), op.data, format="json")
    else:
        client = web_client(world, persona)
        before = row_counts()  # logging in is audited: count after it
        response = getattr(client, op.method)(_url(op, patient, alert), op.data or {})
    if "{aid}" in op.url:
        assert response.status_code == 403, response.content[:500]
        assert "no role at Northside" in response.content.decode()
        assert row_counts() == before
    else:
        assert response.status_code == op.success, response.content[:500]
    if op.name in ("queue", "api-alerts"):
        assert "Rivera" not in response.content.decode()
