"""Input no view should ever see: control characters in a query string, JSON nested without
bound, unknown addresses. Each is a 4xx naming what is wrong (JSON under /api/), never a 500."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from kitclinic.lib.api.parsers import MAX_JSON_DEPTH, json_depth
from kitclinic.lib.web.errors import server_error
from kitclinic.patients.models import Patient
from tests.support.clients import api_client, web_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    return api_client(world, "physician")


@pytest.fixture
def browser_client(world):
    return web_client(world, "physician")


@pytest.mark.parametrize("value", ["\x00", "a\x00b", "\x1b[31m", "\x7f"])
def test_control_characters_in_an_api_query_are_a_400_naming_the_parameter(api, value):
    response = api.get("/api/v1/patients/", {"q": value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()["errors"]) == ["q"]


@pytest.mark.parametrize("url", ["/patients/?q=%00", "/audit/?actor=%00x", "/?x%00y=1"])
def test_control_characters_in_a_page_query_are_a_400_page(browser_client, url):
    response = browser_client.get(url)
    assert response.status_code == 400
    assert b"Control characters" in response.content


def test_plain_text_queries_still_pass(browser_client, api):
    assert browser_client.get("/patients/", {"q": "Rivera\tSam"}).status_code == 200
    assert api.get("/api/v1/patients/", {"q": "O'Neil – Zoë"}).status_code == 200


def test_an_unknown_api_address_is_a_json_404(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_page_is_a_page_404(browser_client):
    response = browser_client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Not found" in response.content and b"<html" in response.content


def test_a_server_error_under_the_api_is_json():
    response = server_error(RequestFactory().get("/api/v1/patients/"))
    assert response.status_code == 500
    assert json.loads(response.content)["detail"].startswith("Server error")
    page = server_error(RequestFactory().get("/patients/"))
    assert page.status_code == 500 and b"nothing was saved" in page.content


@pytest.mark.parametrize("depth", [10_000, MAX_JSON_DEPTH + 1])
def test_json_nested_too_deeply_is_a_400_and_writes_nothing(api, depth):
    before = Patient.objects.count()
    body = "[" * depth + "]" * depth
    response = api.post("/api/v1/patients/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than" in response.json()["detail"]
    assert Patient.objects.count() == before


def test_json_depth_counts_without_recursion():
    assert json_depth(1) == 0
    assert json_depth([]) == 1
    assert json_depth({"a": [1, {"b": []}]}) == 4
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert json_depth(deep) == 5001


OUT_OF_WINDOW = ["9999-12-31", "0001-01-01"]


@pytest.mark.parametrize("day", OUT_OF_WINDOW)
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/substances/entries/?date_from={d}&date_to={d}",
        "/api/v1/audit-events/?from={d}&to={d}",
    ],
)
def test_api_date_filters_outside_the_window_are_a_400_naming_the_field(world, url, day):
    api = api_client(world, "clinic_admin")
    response = api.get(url.format(d=day))
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert set(errors) & {"date_from", "date_to", "from", "to"}
    assert "between 1900-01-01 and 2200-12-31" in str(errors)


@pytest.mark.parametrize("day", OUT_OF_WINDOW)
@pytest.mark.parametrize(
    "url",
    [
        "/substances/?date_from={d}&date_to={d}",
        "/substances/report/?date_from={d}&date_to={d}&format=csv",
        "/audit/?from={d}&to={d}",
    ],
)
def test_page_date_filters_outside_the_window_never_fail(world, url, day):
    client = web_client(world, "clinic_admin")
    response = client.get(url.format(d=day))
    assert response.status_code in (200, 400)
    if "substances" in url:
        assert b"Give a date between 1900-01-01 and 2200-12-31" in response.content


@pytest.mark.parametrize("field", ["family_name", "given_name", "phone"])
def test_control_characters_in_patient_text_are_refused_at_every_door(world, field):
    from kitclinic.patients import services
    from tests.api.helpers import demographics

    api = api_client(world, "physician")
    before = Patient.objects.count()
    response = api.post(
        "/api/v1/patients/", demographics(**{field: "Ok\x1b[2Jafor"}), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    with pytest.raises(ValidationError) as error:
        data = demographics(**{field: "A\x00b", "date_of_birth": dt.date(1975, 3, 2)})
        services.patient_register(
            actor=world.actor("physician"), data=services.Demographics(**data)
        )
    assert field in error.value.message_dict
    assert Patient.objects.count() == before


def test_an_address_keeps_its_line_breaks(world):
    from kitclinic.lib.bounds import validate_plain_text

    validate_plain_text("12 Main St\r\nApt 4\trear")


def test_a_json_body_over_the_size_limit_is_a_413_and_writes_nothing(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = Patient.objects.count()
    body = json.dumps({"mrn": "X-1", "family_name": "A" * 2000})
    response = api.post("/api/v1/patients/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is larger than the 1000 bytes accepted."
    assert Patient.objects.count() == before


def test_the_parser_refuses_a_body_over_the_limit_itself(settings):
    """Behind Django's own check (which runs when a middleware reads the body first)."""
    import io

    from kitclinic.lib.api.parsers import BoundedJSONParser, RequestBodyTooLarge

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    request = RequestFactory().post("/api/v1/patients/", data="{}", content_type="application/json")
    request.META["CONTENT_LENGTH"] = "11"
    with pytest.raises(RequestBodyTooLarge):
        BoundedJSONParser().parse(io.BytesIO(b"{}"), parser_context={"request": request})
    request.META["CONTENT_LENGTH"] = "2"
    assert BoundedJSONParser().parse(io.BytesIO(b"{}"), parser_context={"request": request}) == {}
