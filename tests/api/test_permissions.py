"""Every endpoint and method against every persona. The expected status comes from
kitclinic.accounts.roles.PERMISSIONS, so a change to the matrix changes these tests with it."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.patients.services import allergy_add
from tests.api.helpers import demographics, record_screen
from tests.patients.helpers import clear_screen
from tests.support.rows import row_counts

PERSONAS = [r.value for r in Role] + ["other_org"]
SUCCESS = {"get": 200, "post": 201, "put": 200, "patch": 200}


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # "{pid}" is replaced by the patient id
    action: Action
    body: Callable[[], dict[str, Any]] | None = None
    # makes what the operation acts on; its pk fills the path's other identifier, if any
    setup: Callable[[Any, Any], object] = field(default=lambda world, patient: None)
    success: int | None = None  # when not the method's usual status (a POST that changes: 200)

    @property
    def on_patient(self) -> bool:
        return "{pid}" in self.path

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


OPS = [
    Op("get", "/api/v1/me/", Action.PATIENT_VIEW),
    Op("get", "/api/v1/contraindications/", Action.PATIENT_VIEW),
    Op("get", "/api/v1/patients/", Action.PATIENT_VIEW),
    Op("post", "/api/v1/patients/", Action.PATIENT_REGISTER, body=demographics),
    Op("get", "/api/v1/patients/{pid}/", Action.PATIENT_VIEW),
    Op(
        "put",
        "/api/v1/patients/{pid}/",
        Action.PATIENT_EDIT_DEMOGRAPHICS,
        body=lambda: demographics(mrn="EDIT-1"),
    ),
    Op(
        "patch",
        "/api/v1/patients/{pid}/",
        Action.PATIENT_EDIT_DEMOGRAPHICS,
        body=lambda: {"phone": "555-0199"},
    ),
    Op(
        "put",
        "/api/v1/patients/{pid}/episode/",
        Action.CLINICAL_HISTORY_EDIT,
        body=lambda: {"episode_onset_date": "2026-01-15", "episode_severity": "moderate"},
    ),
    Op("get", "/api/v1/patients/{pid}/diagnoses/", Action.CLINICAL_VIEW),
    Op(
        "post",
        "/api/v1/patients/{pid}/diagnoses/",
        Action.CLINICAL_HISTORY_EDIT,
        body=lambda: {"icd10_code": "F33.2", "description": "MDD, recurrent, severe"},
    ),
    Op("get", "/api/v1/patients/{pid}/trials/", Action.CLINICAL_VIEW),
    Op(
        "post",
        "/api/v1/patients/{pid}/trials/",
        Action.CLINICAL_HISTORY_EDIT,
        body=lambda: {
            "treatment_name": "sertraline",
            "treatment_class": "ssri",
            "dose_text": "150 mg/day",
            "weeks": 8,
            "adequate": True,
            "outcome": "no_response",
        },
    ),
    Op("get", "/api/v1/patients/{pid}/allergies/", Action.CLINICAL_VIEW),
    Op(
        "post",
        "/api/v1/patients/{pid}/allergies/",
        Action.CLINICAL_HISTORY_EDIT,
        body=lambda: {"substance": "Latex", "category": "environment"},
    ),
    Op(
        "post",
        "/api/v1/patients/{pid}/allergies/<int:allergy_id>/status/",
        Action.CLINICAL_HISTORY_EDIT,
        body=lambda: {"status": "resolved", "reason": "Tolerated since"},
        setup=lambda world, patient: allergy_add(
            actor=world.actor("nurse"), patient=patient, substance="Latex", category=""
        ),
        success=200,
    ),
    Op("get", "/api/v1/patients/{pid}/screens/", Action.CLINICAL_VIEW),
    Op(
        "post",
        "/api/v1/patients/{pid}/screens/",
        Action.CONTRAINDICATION_SCREEN_RECORD,
        body=lambda: {"answers": clear_screen()},
    ),
    Op("get", "/api/v1/patients/{pid}/eligibility-decisions/", Action.CLINICAL_VIEW),
    Op(
        "post",
        "/api/v1/patients/{pid}/eligibility-decisions/",
        Action.ELIGIBILITY_SIGN,
        # A rationale makes "not eligible" signable whatever the rules compute.
        body=lambda: {
            "indication": "depression",
            "outcome": "not_eligible",
            "rationale": "Declines treatment for now.",
        },
        setup=lambda world, patient: record_screen(world, patient),
    ),
    Op("get", "/api/v1/audit-events/", Action.AUDIT_VIEW),
]


def _call(client, op: Op, patient_id: int, made: object = None):
    url = re.sub(
        r"<int:\w+_id>", lambda _m: str(getattr(made, "pk", 1)), op.path.format(pid=patient_id)
    )
    body = op.body() if op.body else None
    return getattr(client, op.method)(url, body, format="json")


def _expected(persona: str, op: Op) -> int:
    if persona == "other_org" and op.on_patient:
        return 404  # the patient belongs to another organization
    role = Role.PHYSICIAN if persona == "other_org" else Role(persona)
    return (op.success or SUCCESS[op.method]) if role in PERMISSIONS[op.action] else 403


def test_every_api_route_is_in_the_matrix():
    """A new endpoint must be added to OPS (and so to the permission matrix)."""
    from django.urls import URLResolver, get_resolver

    from kitclinic.api import urls as kitclinic_api_urls

    def leaves(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from leaves(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix, pattern

    resolver = get_resolver()
    routes = set()
    for pattern in resolver.url_patterns:
        # The patient-data API's own routes; other apps' API routes are matrix-tested with them.
        if getattr(pattern, "urlconf_name", None) is kitclinic_api_urls:
            for prefix, sub in leaves(pattern.url_patterns):
                if sub.name.startswith("api-token"):
                    continue  # a user's own tokens, per persona in tests/api/test_tokens.py
                view = sub.callback.cls
                path = "/api/v1/" + (prefix + str(sub.pattern)).replace("<int:patient_id>", "{pid}")
                routes |= {(m, path) for m in ("get", "post", "put", "patch") if hasattr(view, m)}
    assert routes == {(op.method, op.path) for op in OPS}


@pytest.mark.parametrize(("persona", "op"), list(itertools.product(PERSONAS, OPS)), ids=str)
def test_persona_gets_the_status_the_matrix_gives(world, patient, client_for, persona, op):
    made = op.setup(world, patient)
    before = row_counts()
    response = _call(client_for(persona), op, patient.pk, made)
    expected = _expected(persona, op)
    assert response.status_code == expected, response.content
    assert response["Content-Type"] == "application/json"
    if expected >= 400:
        assert "detail" in response.json()
        assert row_counts() == before


@pytest.mark.parametrize(
    ("persona", "op"),
    list(itertools.product([r.value for r in Role], [op for op in OPS if op.on_patient])),
    ids=str,
)
def test_another_organizations_patient_is_404_for_every_role(
    world, other_org_patient, client_for, persona, op
):
    made = op.setup(world, other_org_patient)
    before = row_counts()
    response = _call(client_for(persona), op, other_org_patient.pk, made)
    assert response.status_code == 404
    assert response.json() == {"detail": "No such patient."}
    assert row_counts() == before


@pytest.mark.parametrize("op", [op for op in OPS if op.on_patient], ids=str)
def test_missing_patient_is_404_like_another_organizations(client_for, world, op):
    response = _call(client_for("physician"), op, 999_999)
    assert response.status_code == 404
    assert response.json() == {"detail": "No such patient."}


@pytest.mark.parametrize("op", OPS, ids=str)
def test_unauthenticated_request_is_401_json_and_writes_nothing(world, patient, op):
    from rest_framework.test import APIClient

    before = row_counts()
    response = _call(APIClient(), op, patient.pk)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert row_counts() == before


@pytest.mark.parametrize("op", OPS, ids=str)
def test_the_role_only_at_another_clinic_answers_as_the_matrix_says(world, patient, client_for, op):
    """Patients are the organization's, not a clinic's: a role that may do the action, held only
    at Southside, reads and changes a Northside patient as the matrix says."""
    role = next(r for r in Role if r in PERMISSIONS[op.action])
    persona = world.elsewhere(role)
    made = op.setup(world, patient)
    assert patient.home_clinic_id == world.clinic.pk
    response = _call(client_for(persona), op, patient.pk, made)
    assert response.status_code == (op.success or SUCCESS[op.method]), response.content
