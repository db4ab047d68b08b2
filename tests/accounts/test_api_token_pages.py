"""The API tokens page: each persona lists, creates (secret shown once) and revokes their own
tokens; a clinic admin also revokes the clinic's staff tokens; bad input writes nothing; CSRF."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kitclinic.accounts.models import ApiToken
from kitclinic.accounts.roles import Role
from kitclinic.accounts.tokens import api_token_revoke
from kitclinic.audit.models import AuditEvent
from tests.factories import api_token_for
from tests.support.clients import web_client

URL = "/account/api-tokens/"
PERSONAS = [r.value for r in Role] + ["other_org"]


def _create(client: Client, **fields: object):  # type: ignore[no-untyped-def]
    body = {"name": "pump gateway", "scope": "read", "days": 30, **fields}
    return client.post(URL, body)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_creates_a_token_and_sees_its_secret_once(world, persona):
    client = web_client(world, persona)
    assert client.get(URL).status_code == 200
    response = _create(client)
    assert response.status_code == 200
    html = response.content.decode()
    secret = re.search(r"data-token-secret>(kit_[A-Za-z0-9_-]+)<", html).group(1)
    token = ApiToken.objects.get()
    assert token.user == world.users[persona] and secret.startswith(token.prefix)
    assert "no-store" in response["Cache-Control"]
    again = client.get(URL).content.decode()
    assert secret not in again and token.prefix in again
    assert AuditEvent.objects.filter(action="create", object_type="accounts.apitoken").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"days": 0}, "Must be 1 to 365 days"),
        ({"days": 400}, "Must be 1 to 365 days"),
        ({"scope": "admin"}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"name": "a\x1bb"}, "Control characters"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_writes_nothing(world, fields, message):
    client = web_client(world, "nurse")
    audits = AuditEvent.objects.count()
    response = _create(client, **fields)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert "data-token-secret" not in response.content.decode()
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.count() == audits


def test_the_page_lists_only_one_s_own_tokens_for_a_non_admin(world):
    api_token_for(world.users["physician"])
    api_token_for(world.users["nurse"])
    physician_prefix = ApiToken.objects.get(user=world.users["physician"]).prefix
    nurse_prefix = ApiToken.objects.get(user=world.users["nurse"]).prefix
    html = web_client(world, "nurse").get(URL).content.decode()
    assert nurse_prefix in html and physician_prefix not in html
    assert "staff" not in html.lower().split("<h1>")[1]


def test_a_user_revokes_their_own_token(world):
    secret = api_token_for(world.users["nurse"])
    token = ApiToken.objects.get()
    client = web_client(world, "nurse")
    response = client.post(f"{URL}{token.pk}/revoke/", {"reason": "rotated"}, follow=True)
    assert response.status_code == 200
    assert "revoked" in response.content.decode()
    token.refresh_from_db()
    assert (token.revoke_reason, token.revoked_by) == ("rotated", world.users["nurse"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me/").status_code == 401


def test_the_clinic_admin_sees_and_revokes_the_staff_s_tokens(world):
    api_token_for(world.users["nurse"])
    token = ApiToken.objects.get()
    client = web_client(world, "clinic_admin")
    html = client.get(URL).content.decode()
    assert token.prefix in html and "nurse" in html
    response = client.post(f"{URL}{token.pk}/revoke/", {"reason": "left"})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == world.users["clinic_admin"]
    event = AuditEvent.objects.get(action="update", object_type="accounts.apitoken")
    assert (event.actor, event.actor_role) == (world.users["clinic_admin"], "clinic_admin")


@pytest.mark.parametrize(
    ("persona", "status"), [("physician", 403), ("auditor", 403), ("other_org", 404)]
)
def test_others_cannot_revoke_a_colleague_s_token(world, persona, status):
    api_token_for(world.users["nurse"])
    token = ApiToken.objects.get()
    response = web_client(world, persona).post(f"{URL}{token.pk}/revoke/", {"reason": "x"})
    assert response.status_code == status
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_twice_shows_the_reason_and_writes_nothing(world):
    api_token_for(world.users["nurse"])
    token = ApiToken.objects.get()
    client = web_client(world, "nurse")
    client.post(f"{URL}{token.pk}/revoke/", {})
    audits = AuditEvent.objects.count()
    response = client.post(f"{URL}{token.pk}/revoke/", {}, follow=True)
    assert "already revoked" in response.content.decode()
    assert AuditEvent.objects.count() == audits


def test_revoke_is_post_only(world):
    api_token_for(world.users["nurse"])
    token = ApiToken.objects.get()
    assert web_client(world, "nurse").get(f"{URL}{token.pk}/revoke/").status_code == 405


def test_anonymous_is_sent_to_log_in(db):
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_posts_without_the_csrf_token_are_refused_and_write_nothing(world):
    api_token_for(world.users["nurse"])
    token = ApiToken.objects.get()
    client = web_client(world, "nurse", enforce_csrf_checks=True)
    assert _create(client).status_code == 403
    assert client.post(f"{URL}{token.pk}/revoke/", {}).status_code == 403
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_s_queries_do_not_grow_with_the_tokens(world):
    client = web_client(world, "clinic_admin")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    api_token_for(world.users["clinic_admin"])
    api_token_for(world.users["nurse"])
    few = queries()
    for persona in ("clinic_admin", "nurse", "physician", "front_desk"):
        for _ in range(3):
            api_token_for(world.users[persona])
    api_token_revoke(token=ApiToken.objects.filter(user=world.users["nurse"]).first())
    assert queries() == few
