"""API tokens at the API: each refusal (401 with its reason), the scope (403 naming it), expiry
under a controlled clock, revocation, last use, and the /api/v1/api-tokens/ endpoints."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kitclinic.accounts.models import ApiToken
from kitclinic.accounts.token_rules import REFUSAL_MESSAGES, Refusal
from kitclinic.audit.models import AuditEvent
from kitclinic.patients.models import Diagnosis
from tests.factories import api_token_for
from tests.support.rows import row_counts

DIAGNOSIS = {"icd10_code": "F33.2", "description": "MDD"}


def bearer(secret: str, scheme: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {secret}")
    return client


def at(when: dt.datetime):  # type: ignore[no-untyped-def]
    return mock.patch.object(timezone, "now", return_value=when)


def refusals() -> list[str]:
    return list(
        AuditEvent.objects.filter(action="login_failed", object_type="accounts.apitoken")
        .order_by("id")
        .values_list("detail", flat=True)
    )


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_a_token_authenticates_with_either_scheme(world, scheme):
    response = bearer(api_token_for(world.users["nurse"]), scheme).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "nurse"


def test_a_malformed_bearer_header_is_401_saying_how(world):
    response = bearer("two parts").get("/api/v1/me/")
    assert response.status_code == 401
    assert "Bearer <token>" in response.json()["detail"]


def test_an_unknown_token_is_401_and_not_audited(world):
    before = AuditEvent.objects.count()
    response = bearer("kit_" + "x" * 43).get("/api/v1/me/")
    assert response.status_code == 401
    assert "Unknown API token" in response.json()["detail"]
    assert AuditEvent.objects.count() == before


def test_a_token_expires_at_its_expiry_time(world, settings):
    settings.KITCLINIC_API_TOKEN_DAYS = 30
    secret = api_token_for(world.users["nurse"])
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == dt.timedelta(days=30)
    client = bearer(secret)
    with at(token.expires_at - dt.timedelta(seconds=1)):
        assert client.get("/api/v1/me/").status_code == 200
    with at(token.expires_at):
        response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": REFUSAL_MESSAGES[Refusal.EXPIRED]}
    assert refusals() == [f"API token {token.prefix}… of nurse refused: expired"]


def test_a_revoked_token_is_refused_from_the_next_request(world):
    from kitclinic.accounts.tokens import api_token_revoke

    client = bearer(api_token_for(world.users["nurse"]))
    assert client.get("/api/v1/me/").status_code == 200
    api_token_revoke(token=ApiToken.objects.get(), reason="laptop lost")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": REFUSAL_MESSAGES[Refusal.REVOKED]}


def test_deactivating_the_user_stops_their_tokens_at_once(world):
    nurse = world.users["nurse"]
    client = bearer(api_token_for(nurse))
    assert client.get("/api/v1/me/").status_code == 200
    nurse.is_active = False
    nurse.save(update_fields=["is_active"])
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": REFUSAL_MESSAGES[Refusal.USER_INACTIVE]}
    nurse.is_active = True
    nurse.save(update_fields=["is_active"])
    assert client.get("/api/v1/me/").status_code == 200


def test_a_user_without_an_active_role_cannot_use_a_token(world):
    client = bearer(api_token_for(world.users["nurse"]))
    membership = world.memberships["nurse"]
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": REFUSAL_MESSAGES[Refusal.NO_MEMBERSHIP]}


def test_a_refused_token_is_audited_at_most_once_a_minute(world):
    from kitclinic.accounts.tokens import api_token_revoke

    client = bearer(api_token_for(world.users["nurse"]))
    token = api_token_revoke(token=ApiToken.objects.get())
    start = timezone.now()
    with at(start):
        for _ in range(3):
            assert client.get("/api/v1/me/").status_code == 401
    assert len(refusals()) == 1
    with at(start + dt.timedelta(seconds=61)):
        assert client.get("/api/v1/me/").status_code == 401
    assert refusals() == [f"API token {token.prefix}… of nurse refused: revoked"] * 2
    event = AuditEvent.objects.filter(action="login_failed").last()
    assert event.organization_id == world.clinic.organization_id
    assert event.object_id == str(token.pk)


def test_last_use_is_written_at_most_once_a_minute(world):
    client = bearer(api_token_for(world.users["nurse"]))
    start = timezone.now() + dt.timedelta(minutes=5)
    with at(start):
        client.get("/api/v1/me/")
    assert ApiToken.objects.get().last_used_at == start
    with at(start + dt.timedelta(seconds=59)):
        client.get("/api/v1/me/")
    assert ApiToken.objects.get().last_used_at == start
    later = start + dt.timedelta(seconds=60)
    with at(later):
        client.get("/api/v1/me/")
    assert ApiToken.objects.get().last_used_at == later


# --- scope ------------------------------------------------------------------------------------


def test_a_read_token_reads_but_a_write_is_403_naming_the_scope(world, patient):
    client = bearer(api_token_for(world.users["nurse"], scope="read"))
    assert client.get(f"/api/v1/patients/{patient.pk}/").status_code == 200
    before = row_counts()
    response = client.post(f"/api/v1/patients/{patient.pk}/diagnoses/", DIAGNOSIS, format="json")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "'read'" in detail and "POST" in detail and "'write'" in detail
    assert row_counts() == before
    assert not Diagnosis.objects.exists()


def test_a_write_token_writes_within_the_role(world, patient):
    nurse = bearer(api_token_for(world.users["nurse"], scope="write"))
    url = f"/api/v1/patients/{patient.pk}/diagnoses/"
    assert nurse.post(url, DIAGNOSIS, format="json").status_code == 201
    # the scope never adds to the role: front desk may not add a diagnosis
    front_desk = bearer(api_token_for(world.users["front_desk"], scope="write"))
    assert front_desk.post(url, DIAGNOSIS, format="json").status_code == 403


# --- the endpoints ----------------------------------------------------------------------------


def test_create_from_a_session_returns_the_token_once_and_it_works(world, client_for):
    client = client_for("nurse")
    response = client.post(
        "/api/v1/api-tokens/", {"name": "pump gateway", "scope": "read", "days": 7}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    token = ApiToken.objects.get()
    assert body["token"].startswith(token.prefix)
    assert token.key_hash != body["token"] and body["token"] not in token.key_hash
    assert (body["name"], body["scope"], body["user"]["username"]) == (
        "pump gateway",
        "read",
        "nurse",
    )
    assert token.expires_at - token.created_at == dt.timedelta(days=7)
    assert token.created_by == world.users["nurse"]
    event = AuditEvent.objects.get(action="create", object_type="accounts.apitoken")
    assert event.actor == world.users["nurse"]
    assert body["token"] not in str(event.changes)
    listed = client.get("/api/v1/api-tokens/").json()
    assert [t["prefix"] for t in listed["results"]] == [token.prefix]
    assert "token" not in listed["results"][0]
    assert bearer(body["token"]).get("/api/v1/me/").status_code == 200


def test_the_list_holds_only_the_caller_s_tokens(world, client_for):
    api_token_for(world.users["physician"])
    api_token_for(world.users["nurse"])
    results = client_for("nurse").get("/api/v1/api-tokens/").json()["results"]
    assert [t["user"]["username"] for t in results] == ["nurse"]


def test_a_token_cannot_create_a_token(world):
    client = bearer(api_token_for(world.users["nurse"], scope="write"))
    response = client.post("/api/v1/api-tokens/", {"name": "x", "scope": "read"}, format="json")
    assert response.status_code == 403
    assert "browser session" in response.json()["detail"]
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "scope": "read", "days": 0}, "days"),
        ({"name": "x", "scope": "read", "days": 366}, "days"),
        ({"name": "x", "scope": "read", "days": "30"}, "days"),
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"scope": "read"}, "name"),
        ({"name": "   ", "scope": "read"}, "name"),
        ({"name": "x\x00y", "scope": "read"}, "name"),
        ({"name": "x", "scope": "read", "user": 1}, "user"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(world, client_for, body, field):
    audits = AuditEvent.objects.count()
    response = client_for("nurse").post("/api/v1/api-tokens/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.count() == audits


def test_the_maximum_lifetime_is_a_setting(world, client_for, settings):
    settings.KITCLINIC_API_TOKEN_MAX_DAYS = 30
    response = client_for("nurse").post(
        "/api/v1/api-tokens/", {"name": "x", "scope": "read", "days": 31}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["days"] == ["Must be 1 to 30 days; got 31."]


def _revoke(client: APIClient, token: ApiToken, reason: str = ""):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/api-tokens/{token.pk}/revoke/", {"reason": reason}, format="json")


def test_a_user_revokes_their_own_token_with_its_own_credentials(world):
    client = bearer(api_token_for(world.users["nurse"]))
    token = ApiToken.objects.get()
    response = _revoke(client, token, "rotated")
    assert response.status_code == 200
    assert response.json()["revoke_reason"] == "rotated"
    token.refresh_from_db()
    assert token.revoked_by == world.users["nurse"] and token.revoked_at is not None
    event = AuditEvent.objects.get(action="update", object_type="accounts.apitoken")
    assert event.changes["revoke_reason"] == ["", "rotated"]
    assert client.get("/api/v1/me/").status_code == 401


def test_revoking_twice_is_400_and_writes_nothing(world, client_for):
    api_token_for(world.users["nurse"])
    token = ApiToken.objects.get()
    client = client_for("nurse")
    assert _revoke(client, token).status_code == 200
    audits = AuditEvent.objects.count()
    response = _revoke(client, token)
    assert response.status_code == 400
    assert "already revoked" in response.json()["errors"]["token"][0]
    assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("clinic_admin", 200),
        ("physician", 403),
        ("front_desk", 403),
        ("auditor", 403),
        ("other_org", 404),
    ],
)
def test_only_the_clinic_admin_revokes_a_colleague_s_token(world, client_for, persona, status):
    api_token_for(world.users["nurse"])
    token = ApiToken.objects.get()
    response = _revoke(client_for(persona), token, "left the clinic")
    assert response.status_code == status, response.content
    token.refresh_from_db()
    assert (token.revoked_at is not None) is (status == 200)
    if status == 200:
        assert token.revoked_by == world.users["clinic_admin"]


def test_an_unknown_token_id_is_404(world, client_for):
    response = _revoke(client_for("clinic_admin"), ApiToken(pk=999_999))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["physician", "nurse", "front_desk", "clinic_admin", "auditor"])
def test_every_role_lists_creates_and_revokes_its_own_tokens(world, client_for, persona):
    client = client_for(persona)
    created = client.post("/api/v1/api-tokens/", {"name": "x", "scope": "read"}, format="json")
    assert created.status_code == 201
    listed = client.get("/api/v1/api-tokens/").json()
    assert [t["id"] for t in listed["results"]] == [created.json()["id"]]
    token = ApiToken.objects.get()
    assert _revoke(client, token).status_code == 200


def test_a_read_token_cannot_revoke_even_itself(world):
    client = bearer(api_token_for(world.users["nurse"], scope="read"))
    response = _revoke(client, ApiToken.objects.get())
    assert response.status_code == 403
    assert "'read'" in response.json()["detail"]
    assert ApiToken.objects.get().revoked_at is None


def test_without_credentials_the_token_endpoints_are_401(db):
    assert APIClient().get("/api/v1/api-tokens/").status_code == 401
    response = APIClient().post("/api/v1/api-tokens/", {"name": "x", "scope": "read"})
    assert response.status_code == 401
    assert not ApiToken.objects.exists()
