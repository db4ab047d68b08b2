"""Log-in, log-out and failed log-in are in the audit trail, attributed to the user when known."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from kitclinic.audit.models import AuditEvent
from tests.support.personas import PASSWORD


def _post_login(username: str, password: str) -> Client:
    client = Client(REMOTE_ADDR="10.0.0.7")
    client.post(reverse("login"), {"username": username, "password": password})
    return client


def test_login_and_logout_are_audited_with_the_user_and_organization(world):
    user = world.users["physician"]
    client = _post_login("physician", PASSWORD)
    client.post(reverse("logout"))
    events = list(AuditEvent.objects.filter(actor=user).order_by("id"))
    assert [e.action for e in events] == ["login", "logout"]
    for event in events:
        assert event.organization_id == world.clinic.organization_id
        assert event.object_type == "accounts.user"
        assert event.object_id == str(user.pk)
        assert event.client_address == "10.0.0.7"


def test_failed_login_of_a_known_user_is_attributed_to_them(world):
    _post_login("physician", "wrong")
    event = AuditEvent.objects.get(action="login_failed")
    assert event.actor == world.users["physician"]
    assert event.detail == "username=physician"


def test_failed_login_of_an_unknown_username_has_no_actor(world):
    _post_login("nobody", "wrong")
    event = AuditEvent.objects.get(action="login_failed")
    assert event.actor is None
    assert event.organization_id is None
    assert event.object_id == ""
    assert event.detail == "username=nobody"
