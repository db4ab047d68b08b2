"""Idle sign-out: a page left open (its alert count polling in the background) does not keep the
session alive; a person's request does."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.lib.web import idle
from tests.support.clients import MODEL_BACKEND, web_client

pytestmark = pytest.mark.django_db

BACKGROUND = {"HTTP_X_KITCLINIC_BACKGROUND": "1", "HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(idle, "now_seconds", lambda: now[0])
    return now


@pytest.fixture
def signed_in(world):
    return web_client(world, "nurse")


def test_background_polls_do_not_keep_an_idle_session_alive(signed_in, clock, settings):
    limit = idle.idle_limit_seconds()
    assert signed_in.get("/").status_code == 200
    for _ in range(limit // 60):
        clock[0] += 60
        assert signed_in.get("/alerts/count/", **BACKGROUND).status_code == 200
    clock[0] += 61
    response = signed_in.get("/alerts/count/", **BACKGROUND)
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/?next=%2F&idle=")
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT).count() == 1
    assert signed_in.get("/").status_code == 302


def test_a_person_s_requests_keep_the_session(signed_in, clock):
    limit = idle.idle_limit_seconds()
    for _ in range(3):
        clock[0] += limit - 5
        assert signed_in.get("/").status_code == 200


def test_an_idle_page_request_returns_to_the_login_with_its_address(signed_in, clock):
    signed_in.get("/")
    clock[0] += idle.idle_limit_seconds() + 1
    response = signed_in.get("/patients/?q=riv")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=%2Fpatients%2F%3Fq%3Driv&idle=")
    login = signed_in.get(response["Location"])
    assert b"signed out after" in login.content


def test_an_idle_api_call_with_the_session_cookie_is_a_json_401(world, clock):
    api = APIClient()
    api.force_login(world.users["nurse"], backend=MODEL_BACKEND)
    assert api.get("/api/v1/me/").status_code == 200
    clock[0] += idle.idle_limit_seconds() + 1
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert "without activity" in response.json()["detail"]


def test_an_idle_fhir_call_with_the_session_cookie_is_a_401_operation_outcome(world, clock):
    api = APIClient()
    api.force_login(world.users["nurse"], backend=MODEL_BACKEND)
    assert api.get("/fhir/Patient").status_code == 200
    clock[0] += idle.idle_limit_seconds() + 1
    response = api.get("/fhir/Patient")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/fhir+json"
    (issue,) = response.json()["issue"]
    assert issue["code"] == "login" and "without activity" in issue["diagnostics"]


def test_a_signed_in_page_carries_the_idle_warning_with_the_limit(signed_in, settings):
    settings.SESSION_COOKIE_AGE = 15 * 60
    html = signed_in.get("/").content.decode()
    assert 'id="idle-warning"' in html
    assert 'data-idle-limit-seconds="900"' in html
    assert 'data-idle-warning-seconds="120"' in html
    assert "Stay signed in" in html


@pytest.mark.parametrize(("limit", "lead"), [(900, 120), (240, 120), (180, 90), (8, 4)])
def test_the_warning_comes_two_minutes_or_half_the_limit_before(limit, lead):
    assert idle.warning_lead_seconds(limit) == lead


def test_the_login_page_has_no_idle_warning(client):
    assert 'id="idle-warning"' not in client.get("/login/").content.decode()


def test_stay_signed_in_is_a_person_s_request_that_renews_the_session(signed_in, clock):
    signed_in.get("/")
    clock[0] += idle.idle_limit_seconds() - 30
    response = signed_in.post("/session/keepalive/")
    assert response.status_code == 204
    clock[0] += idle.idle_limit_seconds() - 30  # counted from the keep-alive, not the page
    assert signed_in.get("/").status_code == 200


def test_stay_signed_in_after_the_limit_is_too_late(signed_in, clock):
    signed_in.get("/")
    clock[0] += idle.idle_limit_seconds() + 1
    response = signed_in.post("/session/keepalive/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert signed_in.get("/").status_code == 302


def test_keepalive_needs_a_post_and_a_login(signed_in):
    from django.test import Client

    assert signed_in.get("/session/keepalive/").status_code == 405
    response = Client().post("/session/keepalive/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
