"""Every answer under /api/ that is an error is JSON in the API's one error shape,
``{"detail": str, "errors"?: {field: [reason, ...]}}``: input errors, unknown addresses (404),
methods an address does not serve (405), bodies that are not JSON (415), refusals raised outside
the handlers (403) and server errors (500)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from kitclinic.accounts.api.views import MeRetrieveApi
from kitclinic.lib.api.errors import flat_errors
from tests.support.clients import api_client, web_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert isinstance(body["detail"], str) and body["detail"]
    for name, reasons in body.get("errors", {}).items():
        assert isinstance(name, str)
        assert reasons and all(isinstance(reason, str) for reason in reasons)
    return body


@pytest.fixture
def api(world) -> APIClient:
    return api_client(world, "physician")


def test_an_unknown_api_address_is_a_json_404(api):
    assert_error_shape(api.get("/api/v1/no-such-thing/"), 404)
    assert_error_shape(api.get("/api/v1/patients/not-a-number/"), 404)


def test_a_method_the_address_does_not_serve_is_a_json_405(api):
    body = assert_error_shape(api.delete("/api/v1/me/"), 405)
    assert "DELETE" in body["detail"]


def test_a_body_that_is_not_json_is_a_json_415_and_writes_nothing(api):
    before = row_counts()
    response = api.post("/api/v1/patients/", "mrn=X", content_type="text/plain")
    body = assert_error_shape(response, 415)
    assert "text/plain" in body["detail"]
    assert row_counts() == before


def test_a_refusal_raised_outside_a_handler_is_a_json_403(rf):
    from kitclinic.pages.views import permission_denied

    response = permission_denied(rf.get("/api/v1/me/"), PermissionDenied("No role here."))
    body = assert_error_shape(response, 403)
    assert body["detail"] == "No role here."
    page = permission_denied(rf.get("/patients/"), PermissionDenied("No role here."))
    assert page.status_code == 403 and b"<html" in page.content


def test_a_server_error_in_a_handler_is_a_json_500(world, monkeypatch):
    def fail(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(MeRetrieveApi, "get", fail)
    client = web_client(world, "physician", raise_request_exception=False)
    body = assert_error_shape(client.get("/api/v1/me/"), 500)
    assert "nothing was saved" in body["detail"]
    assert "boom" not in body["detail"]


def test_nested_input_errors_are_named_by_their_path():
    nested = {
        "answers": {"3": ["Must be an integer."], "pregnancy": ["Must be true or false."]},
        "items": [{}, {"code": ["Unknown code."]}],
        "total": ["Does not match the answers."],
        "non_field_errors": ["Either a or b."],
    }
    assert flat_errors(nested) == {
        "answers.3": ["Must be an integer."],
        "answers.pregnancy": ["Must be true or false."],
        "items.1.code": ["Unknown code."],
        "total": ["Does not match the answers."],
        "non_field_errors": ["Either a or b."],
    }
    assert flat_errors(["Bad body."]) == {"detail": ["Bad body."]}


def test_a_nested_input_error_from_the_api_names_the_item(api, world):
    from tests.factories import PatientFactory

    patient = PatientFactory(home_clinic=world.clinic)
    before = row_counts()
    response = api.post(
        f"/api/v1/patients/{patient.pk}/assessments/",
        {"instrument": "phq9", "answers": [0, 0, "x", 0, 0, 0, 0, 0, 0]},
        format="json",
    )
    body = assert_error_shape(response, 400)
    assert "answers.2" in body["errors"]
    assert row_counts() == before
