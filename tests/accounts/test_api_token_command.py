"""``kitclinic api_token create|list|revoke``: an operator issues a token that works at once,
lists tokens without their secrets, and revokes one; bad arguments name the option and write
nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from kitclinic.accounts.models import ApiToken
from kitclinic.audit.models import AuditEvent


def _run(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _me(secret: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/api/v1/me/").status_code


def test_create_prints_a_working_token_once_and_audits_it_without_actor(world, settings):
    secret = _run("create", "--username", "physician", "--name", "EHR bridge").strip()
    assert _me(secret) == 200
    token = ApiToken.objects.get()
    assert (token.user, token.scope, token.created_by) == (world.users["physician"], "read", None)
    assert token.expires_at - token.created_at == dt.timedelta(
        days=settings.KITCLINIC_API_TOKEN_DAYS
    )
    event = AuditEvent.objects.get(action="create", object_type="accounts.apitoken")
    assert event.actor is None
    assert event.organization_id == world.clinic.organization_id
    assert "physician" in event.detail
    # each create is a new token; the secret is never printed again
    second = _run("create", "--username", "physician", "--name", "other", "--scope", "write")
    assert second.strip() != secret
    assert secret not in _run("list", "--all")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--username", "nobody", "--name", "x"], "--username"),
        (["--username", "nurse", "--name", ""], "--name"),
        (["--username", "nurse", "--name", "x", "--scope", "admin"], "--scope"),
        (["--username", "nurse", "--name", "x", "--days", "0"], "--days"),
        (["--username", "nurse", "--name", "x", "--days", "400"], "--days"),
    ],
)
def test_create_refuses_bad_arguments_naming_the_option(world, args, option):
    audits = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=option):
        _run("create", *args)
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.count() == audits


def test_create_refuses_a_deactivated_user(world):
    nurse = world.users["nurse"]
    nurse.is_active = False
    nurse.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="--username: .*deactivated"):
        _run("create", "--username", "nurse", "--name", "x")
    assert not ApiToken.objects.exists()


def test_list_shows_active_tokens_and_with_all_the_revoked_ones(world):
    _run("create", "--username", "nurse", "--name", "kept")
    _run("create", "--username", "nurse", "--name", "dropped")
    _run("create", "--username", "physician", "--name", "other")
    dropped = ApiToken.objects.get(name="dropped")
    _run("revoke", "--id", str(dropped.pk), "--reason", "unused")
    active = _run("list", "--username", "nurse")
    assert "kept" in active and "dropped" not in active and "other" not in active
    everything = _run("list", "--all")
    assert "revoked" in everything and "other" in everything
    assert dropped.prefix in everything


def test_revoke_stops_the_token_and_audits_it(world):
    secret = _run("create", "--username", "nurse", "--name", "x").strip()
    token = ApiToken.objects.get()
    output = _run("revoke", "--id", str(token.pk), "--reason", "compromised")
    assert token.prefix in output
    assert _me(secret) == 401
    token.refresh_from_db()
    assert (token.revoke_reason, token.revoked_by) == ("compromised", None)
    event = AuditEvent.objects.get(action="update", object_type="accounts.apitoken")
    assert event.changes["revoke_reason"] == ["", "compromised"]


def test_revoke_refuses_an_unknown_or_already_revoked_token(world):
    with pytest.raises(CommandError, match="--id: no API token 999"):
        _run("revoke", "--id", "999")
    _run("create", "--username", "nurse", "--name", "x")
    token = ApiToken.objects.get()
    _run("revoke", "--id", str(token.pk))
    with pytest.raises(CommandError, match="--id: .*already revoked"):
        _run("revoke", "--id", str(token.pk))


def test_list_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="--username: no user 'nobody'"):
        _run("list", "--username", "nobody")
