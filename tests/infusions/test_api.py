"""The infusion API: a whole session over HTTP with a token, every endpoint × every persona with
the expectation derived from PERMISSIONS (each endpoint's records built once, every persona
checked in a savepoint rolled back after it), and the OpenAPI schema of every route."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import DrugLibraryVersion, InfusionSession, VitalSign
from kitclinic.infusions.services.library import (
    library_draft_create,
    library_draft_discard,
    library_install_default,
)
from kitclinic.infusions.states import SessionState
from tests.infusions.api_support import (
    DISCHARGE_BODY,
    ORDER_BODY,
    VITALS_BODY,
    check_in_body,
    walk,
)
from tests.infusions.helpers import clock_at, make_due, slot_time
from tests.support.clients import api_client, token_client
from tests.support.personas import ROLES
from tests.support.rows import rolled_back, row_counts

pytestmark = pytest.mark.django_db

PERSONAS = [*ROLES, "other_org"]
S = SessionState


# --- a whole session over HTTP ----------------------------------------------------------------


def test_a_whole_session_over_the_api_with_tokens(world, course, chair, physician2):
    # a token needs no CSRF token: the clients enforce the check a browser session would fail
    nurse, doctor, front = (
        token_client(world.users[persona], enforce_csrf_checks=True)
        for persona in ("nurse", "physician", "front_desk")
    )
    starts = slot_time(10, 0, days=1).isoformat()
    booked = front.post(
        f"/api/v1/courses/{course.pk}/appointments/",
        {"chair": chair.pk, "starts_at": starts},
        format="json",
    )
    assert booked.status_code == 201, booked.json()
    sid = booked.json()["session"]
    base = f"/api/v1/sessions/{sid}/"
    assert nurse.post(base + "check-in/", check_in_body(), format="json").status_code == 201
    preview = doctor.post(base + "order-preview/", ORDER_BODY, format="json")
    assert preview.status_code == 200
    body = preview.json()
    # the worked example of [kitclinic-dose-rules]: 70 kg × 0.5 mg/kg = 35 mg over 40 min, 52.5 mL/h
    # at 1 mg/mL
    assert body["dose_mg"] == "35.0000" and body["rate_ml_per_h"] == "52.5000"
    assert body["volume_ml"] == "35.0000" and body["status"] == "ok"
    assert body["pk"]["cmax_ug_per_ml"] > 0 and len(body["pk"]["times_min"]) > 10
    assert len(body["pk"]["plasma_ug_per_ml"]) == len(body["pk"]["times_min"])
    assert InfusionSession.objects.get(pk=sid).state == S.CHECKED_IN  # the preview wrote nothing
    ordered = doctor.post(base + "order/", ORDER_BODY, format="json")
    assert ordered.status_code == 201 and ordered.json()["dose_mg"] == "35.00"
    check = {"rate_ml_per_h": "52.5", "vtbi_ml": 35}
    assert nurse.post(base + "double-check/", check, format="json").status_code == 201
    t0 = timezone.now()

    def at(minutes: float):  # type: ignore[no-untyped-def]
        return clock_at(t0 + dt.timedelta(minutes=minutes))

    with at(0):
        assert nurse.post(base + "start/", {}, format="json").status_code == 201
    with at(10):
        vitals = nurse.post(
            base + "vitals/", VITALS_BODY, format="json", HTTP_IDEMPOTENCY_KEY="monitor-1"
        )
        assert vitals.status_code == 201 and vitals.json()["idempotency_key"] == "monitor-1"
        score = nurse.post(base + "scores/", {"kind": "moaas", "level": 4}, format="json")
        assert score.status_code == 201 and score.json()["total"] == "4.00"
    with at(12):  # 10.5 mL in; the 24.5 mL left at 40 mL/h: 48.75 min in all, within limits
        rate = {"rate_ml_per_h": "40", "reason": "nausea"}
        changed = nurse.post(base + "rate/", rate, format="json")
        assert changed.status_code == 201, changed.json()
        assert changed.json()["detail"]["remaining_ml"] == "24.500"
    with at(15):
        assert nurse.post(base + "pause/", {"reason": "nausea"}, format="json").status_code == 201
    with at(17):
        assert nurse.post(base + "resume/", {}, format="json").status_code == 201
        event = {"description": "Nausea", "severity": "mild", "action_taken": "Rate lowered"}
        assert nurse.post(base + "adverse-events/", event, format="json").status_code == 201
    with at(55):  # the VTBI went in at 50.75 min
        stopped = nurse.post(base + "stop/", {"reason": "completed"}, format="json")
        assert stopped.status_code == 201, stopped.json()
        assert stopped.json()["detail"]["delivered_mg"] == "35.000"
    with at(90):  # 35 min of observation
        assert nurse.post(base + "discharge/", DISCHARGE_BODY, format="json").status_code == 201
    with at(95):
        summary = doctor.get(base + "summary/")
        assert summary.status_code == 200
        assert summary.json()["delivered_mg"] == "35.0000" and summary.json()["complete"]
        assert summary.json()["adverse_events"][0]["description"] == "Nausea"
        signed = doctor.post(base + "sign/", {}, format="json")
        assert signed.status_code == 200 and signed.json()["state"] == "signed"
    with at(100):
        addendum = nurse.post(base + "addenda/", {"text": "Called next day: well."}, format="json")
        assert addendum.status_code == 201
    detail = nurse.get(base)
    assert detail.status_code == 200
    d = detail.json()
    assert d["state"] == "signed" and d["order"]["rate_ml_per_h"] == "52.50"
    kinds = [t["kind"] for t in d["timeline"]]
    for kind in ("check_in", "order", "double_check", "start", "vitals", "score", "pause"):
        assert kind in kinds, kind
    assert kinds[-1] == "addendum"
    assert [v["slot_minute"] for v in d["vitals"]] == [0, 10]
    assert d["signed_by"]["username"] == "physician"
    assert AuditEvent.objects.filter(action="view", object_id=str(sid)).exists()


def test_library_course_chair_and_day_endpoints(world, session, physician2, other_eligible):
    admin, doctor = api_client(world, "clinic_admin"), api_client(world, "physician")
    versions = doctor.get("/api/v1/library/versions/")
    assert versions.status_code == 200 and [v["number"] for v in versions.json()] == [1]
    active = doctor.get("/api/v1/library/active/").json()
    draft = admin.post(
        "/api/v1/library/versions/", {"data": active["data"], "change_note": "v2"}, format="json"
    )
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    approved = doctor.post(f"/api/v1/library/versions/{draft.json()['id']}/approve/", {})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert doctor.get("/api/v1/library/active/").json()["number"] == 2
    planned = doctor.post(
        f"/api/v1/patients/{other_eligible.pk}/courses/",
        {"indication": "depression"},
        format="json",
    )
    assert planned.status_code == 201 and planned.json()["library_version"] == draft.json()["id"]
    listed = doctor.get(f"/api/v1/patients/{session.patient_id}/courses/").json()
    assert [(c["id"], c["treatment_kind"]) for c in listed] == [(session.course_id, "iv_ketamine")]
    assert [x["id"] for x in listed[0]["sessions"]] == [session.pk]
    moved = doctor.post(
        f"/api/v1/courses/{session.course_id}/transition/", {"status": "induction"}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["status"] == "induction"
    chairs = doctor.get("/api/v1/chairs/").json()
    assert [c["name"] for c in chairs] == ["Chair 1"]
    day = doctor.get("/api/v1/appointments/", {"day": slot_time().date().isoformat()}).json()
    assert [a["session"] for a in day] == [session.pk]
    assert day[0]["next_step"] == "check in"
    other_day = doctor.get("/api/v1/appointments/", {"day": "2020-01-01"}).json()
    assert other_day == []
    cancelled = api_client(world, "front_desk").post(
        f"/api/v1/appointments/{session.appointment.pk}/cancel/", {"reason": "ill"}
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["session_state"] == "cancelled"


def test_vitals_with_a_token_retry_gives_200_and_the_same_reading(world, session, physician2):
    session = walk(world, session, S.RUNNING, physician2)
    client = token_client(world.users["nurse"], enforce_csrf_checks=True)
    url = f"/api/v1/sessions/{session.pk}/vitals/"
    first = client.post(url, {**VITALS_BODY, "idempotency_key": "m-7"}, format="json")
    again = client.post(url, VITALS_BODY, format="json", HTTP_IDEMPOTENCY_KEY="m-7")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert VitalSign.objects.filter(session=session, slot_minute=10).count() == 1


# --- every endpoint × every persona -----------------------------------------------------------


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # with {session}, {patient}, {course}, {version}, {appointment}
    action: Action
    state: SessionState = S.SCHEDULED  # the session's state before the call
    body: dict[str, Any] = field(default_factory=dict)
    success: int = 201
    elapsed_min: float | None = None  # minutes since the start (default: walk's)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def on_object(self) -> bool:
        return "{" in self.path


NASAL_BP = {"sbp": 128, "dbp": 82, "hr": 74, "spo2": 98}

OPS = [
    Op("get", "library/versions/", Action.PATIENT_VIEW, success=200),
    Op("get", "library/active/", Action.PATIENT_VIEW, success=200),
    Op("post", "library/versions/", Action.LIBRARY_EDIT, body={"data": "LIBRARY"}),
    Op("post", "library/versions/{version}/approve/", Action.LIBRARY_APPROVE, success=200),
    Op("get", "library/versions/{version}/difference/", Action.PATIENT_VIEW, success=200),
    Op(
        "post",
        "library/versions/{version}/send-back/",
        Action.LIBRARY_APPROVE,
        body={"reason": "Cite the new soft maximum."},
        success=200,
    ),
    Op("post", "library/versions/{version}/discard/", Action.LIBRARY_EDIT, success=200),
    Op("get", "patients/{patient}/courses/", Action.PATIENT_VIEW, success=200),
    Op(
        "post",
        "patients/{eligible}/courses/",
        Action.COURSE_PLAN,
        body={"indication": "depression"},
    ),
    Op(
        "post",
        "courses/{course}/transition/",
        Action.COURSE_PLAN,
        body={"status": "induction"},
        success=200,
    ),
    Op("post", "courses/{course}/appointments/", Action.APPOINTMENT_BOOK, body={"chair": "CHAIR"}),
    Op("get", "chairs/", Action.PATIENT_VIEW, success=200),
    Op("get", "appointments/", Action.PATIENT_VIEW, success=200),
    Op(
        "post",
        "appointments/{appointment}/cancel/",
        Action.APPOINTMENT_BOOK,
        body={"reason": "ill"},
        success=200,
    ),
    Op("get", "sessions/{session}/", Action.CLINICAL_VIEW, S.RUNNING, success=200),
    Op("post", "sessions/{session}/check-in/", Action.SESSION_CHECK_IN, body={"CHECK_IN": 1}),
    Op(
        "post",
        "sessions/{session}/check-in/correct/",
        Action.SESSION_CHECK_IN,
        S.CHECKED_IN,
        {"weight_kg": "71.5", "reason": "Scale not zeroed; re-weighed"},
    ),
    Op(
        "post",
        "sessions/{session}/order-preview/",
        Action.ORDER_PLACE,
        S.CHECKED_IN,
        ORDER_BODY,
        200,
    ),
    Op("post", "sessions/{session}/order/", Action.ORDER_PLACE, S.CHECKED_IN, ORDER_BODY),
    Op(
        "post",
        "sessions/{session}/double-check/",
        Action.ORDER_DOUBLE_CHECK,
        S.ORDERED,
        {"rate_ml_per_h": "52.5", "vtbi_ml": "35"},
    ),
    Op("post", "sessions/{session}/start/", Action.INFUSION_RUN, S.VERIFIED),
    Op("post", "sessions/{session}/pause/", Action.INFUSION_RUN, S.RUNNING, {"reason": "asked"}),
    Op("post", "sessions/{session}/resume/", Action.INFUSION_RUN, S.PAUSED),
    Op(
        "post",
        "sessions/{session}/rate/",
        Action.INFUSION_RUN,
        S.RUNNING,
        {"rate_ml_per_h": "45", "reason": "nausea"},
        elapsed_min=10,
    ),
    Op("post", "sessions/{session}/stop/", Action.INFUSION_RUN, S.RUNNING),
    Op("post", "sessions/{session}/vitals/", Action.INFUSION_RUN, S.RUNNING, VITALS_BODY),
    Op(
        "post",
        "sessions/{session}/scores/",
        Action.INFUSION_RUN,
        S.RUNNING,
        {"kind": "moaas", "level": 4},
    ),
    Op(
        "post",
        "sessions/{session}/adverse-events/",
        Action.INFUSION_RUN,
        S.RUNNING,
        {"description": "Nausea", "severity": "mild", "action_taken": "observed"},
    ),
    Op("post", "sessions/{session}/discharge/", Action.DISCHARGE, S.RECOVERING, DISCHARGE_BODY),
    # allowed through to the service, which has nothing to waste (no draw): its own tests in
    # test_stop_and_waste.py cover the waste itself
    Op(
        "post",
        "sessions/{session}/waste/",
        Action.SUBSTANCE_DISPENSE,
        S.RECOVERING,
        {"witness": 1},
        success=400,
    ),
    Op("get", "sessions/{session}/summary/", Action.CLINICAL_VIEW, S.DISCHARGED, success=200),
    Op("post", "sessions/{session}/sign/", Action.SESSION_SIGN, S.DISCHARGED, success=200),
    Op("post", "sessions/{session}/addenda/", Action.ADDENDUM_WRITE, S.SIGNED, {"text": "Note."}),
    Op(
        "post",
        "sessions/{session}/cancel/",
        Action.APPOINTMENT_BOOK,
        body={"reason": "ill"},
        success=200,
    ),
    Op("post", "sessions/{session}/no-show/", Action.APPOINTMENT_BOOK, success=200),
    Op(
        "post",
        "sessions/{session}/send-back/",
        Action.ORDER_DOUBLE_CHECK,
        S.ORDERED,
        {"reason": "rate does not match the protocol sheet"},
    ),
    Op(
        "post",
        "sessions/{session}/withdraw/",
        Action.ORDER_PLACE,
        S.VERIFIED,
        {"reason": "patient now declines"},
    ),
    # the nasal-spray steps, against this IV session: allowed through to the service, which
    # refuses a step of the other kind with a 400 (test_nasal_api.py walks a nasal session)
    *(
        Op("post", f"sessions/{{session}}/nasal/{path}/", action, state, body, success=400)
        for path, action, state, body in (
            ("order", Action.ORDER_PLACE, S.CHECKED_IN, {"dose_mg": "56"}),
            ("predose-bp", Action.INFUSION_RUN, S.VERIFIED, NASAL_BP),
            ("predose-override", Action.ORDER_PLACE, S.VERIFIED, {"reason": "stable"}),
            ("devices", Action.INFUSION_RUN, S.VERIFIED, {}),
            ("post-dose-bp", Action.INFUSION_RUN, S.RECOVERING, NASAL_BP),
        )
    ),
]


def test_every_infusion_api_route_is_in_the_matrix():
    from kitclinic.infusions.api.urls import urlpatterns

    routes = set()
    for pattern in urlpatterns:
        route = str(pattern.pattern)
        for name in ("session", "patient", "course", "version", "appointment"):
            route = route.replace(f"<int:{name}_id>", "{x}")
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(pattern.callback.cls, method):
                routes.add((method, route))
    matrix = set()
    for op in OPS:
        path = op.path
        for name in ("session", "patient", "eligible", "course", "version", "appointment"):
            path = path.replace("{" + name + "}", "{x}")
        matrix.add((op.method, path))
    assert routes == matrix


def _allowed_role(action: Action) -> Role:
    return next(Role(r) for r in ROLES if Role(r) in PERMISSIONS[action])


def _expected(op: Op, persona: str) -> int:
    """The status the matrix gives ``persona``: 401 without credentials; 404 for another
    organization's object; the operation's success for a role in PERMISSIONS[action], else 403.
    ``elsewhere_<role>`` holds a role that may do the action, at Southside only, on Northside's
    objects: a session or appointment is acted on with the role at its own clinic (403); a chair
    must be one of the acting clinic's (400 naming it); the library, patients and courses are
    the organization's."""
    if persona == "anonymous":
        return 401
    if persona.startswith("elsewhere_"):
        if "{session}" in op.path or "{appointment}" in op.path:
            return 403
        if op.body == {"chair": "CHAIR"}:
            return 400
        return op.success
    if persona == "other_org" and op.on_object:
        return 404
    role = Role.PHYSICIAN if persona == "other_org" else Role(persona)
    return op.success if role in PERMISSIONS[op.action] else 403


@pytest.fixture
def objects(world, session, chair, physician2, other_eligible):
    library_install_default(organization_id=world.other_clinic.organization_id)
    active = DrugLibraryVersion.objects.get(
        organization_id=world.clinic.organization_id, status="approved"
    )
    draft = library_draft_create(actor=world.actor("clinic_admin"), data=active.data)
    return {
        "session": session,
        "patient": session.patient_id,
        "eligible": other_eligible.pk,
        "course": session.course_id,
        "version": draft.pk,
        "appointment": session.appointment.pk,
        "library": active.data,
        "chair": chair.pk,
    }


def _body(op: Op, objects) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    if op.body == {"data": "LIBRARY"}:
        return {"data": objects["library"]}
    if op.body == {"chair": "CHAIR"}:
        return {"chair": objects["chair"], "starts_at": slot_time(14, 0, days=1).isoformat()}
    if op.body == {"CHECK_IN": 1}:
        return check_in_body()
    return dict(op.body)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_endpoint_permission(subtests, world, objects, physician2, op):
    """Every persona, no credentials at all, and a user whose role is only at Southside, against
    one session walked to the operation's state: each request runs in a savepoint rolled back
    after its check, so every persona meets the same rows; each persona is its own subtest,
    named in the report when it fails. A refused request writes nothing."""
    personas = [*PERSONAS, "anonymous", world.elsewhere(_allowed_role(op.action))]
    session = walk(world, objects["session"], op.state, physician2, elapsed_min=op.elapsed_min)
    if op.path.endswith("no-show/"):
        make_due(session)  # a no-show is recorded once the appointment's time has come
    if op.method == "post" and op.path == "library/versions/":
        # one draft at a time: the fixture's draft is discarded so that a new one may start
        library_draft_discard(
            actor=world.actor("clinic_admin"),
            version=DrugLibraryVersion.objects.get(pk=objects["version"]),
        )
    path = "/api/v1/" + op.path.format(**{**objects, "session": session.pk})
    for persona in personas:
        with subtests.test(persona=persona), rolled_back():
            client = api_client(world, persona)
            before = row_counts()
            if op.method == "get":
                response = client.get(path)
            else:
                response = client.post(path, _body(op, objects), format="json")
            expected = _expected(op, persona)
            assert response.status_code == expected, (
                f"{persona}: {response.status_code}",
                response.content[:300],
            )
            if expected >= 400:
                assert row_counts() == before, persona
            if expected in (401, 403, 404):
                assert "detail" in response.json(), persona
            if persona.startswith("elsewhere_") and expected == 403:
                assert "no role at Northside" in response.json()["detail"], persona


def test_a_session_write_without_the_csrf_token_is_refused(world, session, physician2):
    session = walk(world, session, S.RUNNING, physician2)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["nurse"])
    before = row_counts()
    url = f"/api/v1/sessions/{session.pk}/vitals/"
    assert client.post(url, VITALS_BODY, format="json").status_code == 403
    assert row_counts() == before


# --- schema -----------------------------------------------------------------------------------


def test_schema_has_every_infusion_operation_without_warnings(tmp_path):
    from kitclinic.infusions.api.urls import urlpatterns

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    for pattern in urlpatterns:
        path = "/api/v1/" + str(pattern.pattern)
        for name in ("session", "patient", "course", "version", "appointment"):
            path = path.replace(f"<int:{name}_id>", "{" + name + "_id}")
        view = pattern.callback.cls
        methods = {m for m in ("get", "post") if hasattr(view, m)}
        assert set(schema["paths"][path]) == methods, path
        for method in methods:
            operation = schema["paths"][path][method]
            assert operation["summary"], path
            assert {"401", "403"} <= set(operation["responses"]), path
            assert "Maps the services" not in operation.get("description", "")
            if method == "post":
                # sign and discard take an empty object, approve only optional fields: no body
                if not path.endswith(("/sign/", "/approve/", "/discard/")):
                    assert "requestBody" in operation, path
                assert "400" in operation["responses"], path
            if "session_id" in path and method == "post":
                assert "409" in operation["responses"], path
    vitals = schema["paths"]["/api/v1/sessions/{session_id}/vitals/"]["post"]
    assert {"200", "201", "409"} <= set(vitals["responses"])
    assert "Idempotency-Key" in [p["name"] for p in vitals["parameters"]]
