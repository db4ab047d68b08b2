"""Production settings (kitclinic.config.settings, not tests.settings) and what they enforce."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import kitclinic.config.settings as production
from tests.support.clients import web_client
from tests.support.personas import PASSWORD

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _clean_env(**values: str) -> dict[str, str]:
    """The environment of a fresh deployment: no KITCLINIC_* or Django variables but ``values``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KITCLINIC_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(values)
    return env


def test_argon2_is_the_first_password_hasher():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    import argon2  # noqa: F401  (the hasher's dependency is installed)


def test_sessions_expire_after_15_idle_minutes():
    assert production.SESSION_COOKIE_AGE == 15 * 60
    assert production.SESSION_SAVE_EVERY_REQUEST is True
    assert production.SESSION_COOKIE_HTTPONLY is True


def test_csrf_middleware_is_on():
    assert "django.middleware.csrf.CsrfViewMiddleware" in production.MIDDLEWARE
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_production_cookies_are_secure_and_hsts_is_on():
    assert production.DEBUG is False
    assert production.SESSION_COOKIE_SECURE is True
    assert production.CSRF_COOKIE_SECURE is True
    assert production.SECURE_HSTS_SECONDS >= 31536000


@pytest.mark.django_db
def test_each_request_renews_the_idle_expiry_and_an_idle_session_is_over(world):
    client = web_client(world, "nurse")
    assert client.get(reverse("dashboard")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert dt.timedelta(minutes=14) < remaining <= dt.timedelta(minutes=15)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_account_is_locked_after_the_failure_limit_even_for_the_right_password(world):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == production.AXES_FAILURE_LIMIT == 5
    client = Client()
    for _ in range(limit):
        response = _login(client, "nurse", "wrong-password-123")
        assert "_auth_user_id" not in client.session
    # The lock is per account: another browser with the right password is refused as well.
    for attempt in (client, Client()):
        response = _login(attempt, "nurse", PASSWORD)
        assert response.status_code == 429
        assert b"Account locked" in response.content
        assert "_auth_user_id" not in attempt.session


@pytest.mark.django_db
def test_fewer_failures_than_the_limit_do_not_lock(world):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "nurse", "wrong-password-123").status_code == 200
    response = _login(client, "nurse", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.users["nurse"].pk)


def test_missing_secret_key_with_debug_off_refuses_to_start():
    result = subprocess.run(
        [sys.executable, "-c", "import kitclinic.config.settings"],
        env=_clean_env(),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "KITCLINIC_SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_production_values():
    result = subprocess.run(
        [sys.executable, "-m", "kitclinic", "check", "--deploy"],
        env=_clean_env(
            KITCLINIC_SECRET_KEY=secrets.token_urlsafe(48),
            KITCLINIC_ALLOWED_HOSTS="clinic.example.org",
        ),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
