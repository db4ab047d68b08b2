"""``/healthz`` in-process: the answer with the database up, no log-in, no session, cheap.

With the database really unreachable (a server process on a closed port, a database refusing
connections): tests/deployment/test_healthz_down.py."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

UP = {"status": "ok", "database": "ok"}


def test_healthz_answers_200_with_the_database_state_without_log_in():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == UP
    assert response["Cache-Control"] == "no-store"
    assert reverse("healthz") == "/healthz"


def test_healthz_of_a_logged_in_browser_leaves_its_session_alone(login):
    """Every other page saves the session (idle expiry); the probe must not, or a monitor's
    browser tab would keep a session alive and the database down would make it a 500."""
    client = login("nurse")
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == UP
    assert not response.cookies  # no Set-Cookie at all
    assert not any("django_session" in q["sql"] for q in queries.captured_queries)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == before


def test_healthz_runs_one_select_and_nothing_else():
    with CaptureQueriesContext(connection) as queries:
        Client().get("/healthz")
    statements = [q["sql"] for q in queries.captured_queries]
    selects = [sql for sql in statements if "SELECT" in sql.upper()]
    assert selects == ["SELECT 1"]
    assert not [sql for sql in statements if sql.upper().startswith(("INSERT", "UPDATE"))]


def test_healthz_answers_over_plain_http_with_any_host_header(settings):
    """A load balancer probes each server by its address, over HTTP behind the TLS proxy."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["clinic.example.org"]
    response = Client().get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == UP
    # The rest of the site still redirects and checks the host.
    assert Client().get("/login/", HTTP_HOST="clinic.example.org").status_code == 301
    assert Client().get("/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400


def test_healthz_answers_503_without_detail_when_the_query_fails(monkeypatch):
    """The refusal reaches the probe as Django's OperationalError (a real refused connection:
    tests/deployment/test_healthz_down.py); the answer names no error, host or setting."""
    from django.db import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db.internal" (10.0.0.5), port 5432 failed')

    monkeypatch.setattr(connection, "cursor", refuse)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert b"db.internal" not in response.content
    assert not response.cookies
