"""Staff administration: inviting (single-use, expiring set-password links), roles per clinic with
the one-admin rule, deactivation (sessions and API tokens refused at once), password resets."""

from __future__ import annotations

import datetime as dt
import re
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kitclinic.accounts import password_links
from kitclinic.accounts.models import ClinicSettings, PasswordLink, StaffMembership, User
from kitclinic.accounts.services import (
    LAST_ADMIN_MESSAGE,
    membership_grant,
    staff_deactivate,
    staff_invitation_cancel,
    staff_invite,
    staff_password_reset_send,
    staff_reactivate,
    staff_reinvite,
    staff_role_revoke,
    staff_role_set,
)
from kitclinic.audit.models import AuditEvent
from tests.support.clients import token_client
from tests.support.rows import row_counts

NEW_PASSWORD = "a-long-new-passphrase-42"


def _logs_in(username: str, password: str) -> bool:
    """The log-in page accepts the password (a redirect away from it, not the form again)."""
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def _secret_from(message: mail.EmailMessage) -> str:
    found = re.search(r"/staff-link/([^/\s]+)/", message.body)
    assert found, message.body
    return found.group(1)


def _invite(world, email="sam.nurse@example.org"):
    return staff_invite(
        actor=world.actor("clinic_admin"),
        first_name="Sam",
        last_name="Nurse",
        email=email,
        roles={world.clinic.pk: "nurse"},
    )


# --- invitations ------------------------------------------------------------------------------


def test_invite_creates_an_account_without_password_and_emails_a_single_use_link(world, client):
    user = _invite(world)
    assert user.username == "sam.nurse@example.org" and not user.has_usable_password()
    assert StaffMembership.objects.get(user=user).role == "nurse"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sam.nurse@example.org"]
    secret = _secret_from(mail.outbox[0])
    assert secret not in PasswordLink.objects.get(user=user).key_hash  # only the hash is kept
    url = reverse("password-link", args=[secret])
    opened = client.get(url)
    assert opened.status_code == 200
    # the secret never leaves in a Referer to another site; same-origin keeps the form's
    # Origin header, which the CSRF check needs ("no-referrer" posts "Origin: null")
    assert opened["Referrer-Policy"] == "same-origin"
    assert "no-store" in opened["Cache-Control"]
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert _logs_in(user.username, NEW_PASSWORD)
    # used once: the same link now says so and offers no form
    again = client.get(url)
    assert again.status_code == 410
    body = again.content.decode()
    assert "already been used" in body and "<input" not in body.split("<main")[1]
    audited = AuditEvent.objects.filter(object_type="accounts.passwordlink")
    assert {e.action for e in audited} == {"create", "update"}


def test_an_expired_link_says_so_and_sets_nothing(world, client):
    user = _invite(world)
    secret = _secret_from(mail.outbox[0])
    PasswordLink.objects.filter(user=user).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    url = reverse("password-link", args=[secret])
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 410 and "expired" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_link_lifetime_is_the_clinic_setting(world, settings):
    settings.KITCLINIC_STAFF_LINK_HOURS = 72
    ClinicSettings.objects.create(clinic=world.clinic, staff_link_hours=5)
    user = _invite(world)
    link = PasswordLink.objects.get(user=user)
    assert link.expires_at - link.created_at == dt.timedelta(hours=5)


def test_a_weak_password_is_refused_on_the_field_and_the_link_stays_usable(world, client):
    user = _invite(world)
    url = reverse("password-link", args=[_secret_from(mail.outbox[0])])
    response = client.post(url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 422
    assert "too short" in response.content.decode()
    assert PasswordLink.objects.get(user=user).used_at is None
    assert client.get(url).status_code == 200


def test_mismatched_passwords_are_422(world, client):
    _invite(world)
    url = reverse("password-link", args=[_secret_from(mail.outbox[0])])
    response = client.post(
        url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 422 and "not the same" in response.content.decode()


def test_unknown_link_is_410(client, db):
    response = client.get(reverse("password-link", args=["not-a-real-secret"]))
    assert response.status_code == 410 and "not valid" in response.content.decode()


def test_reinvite_replaces_the_link_and_cancel_stops_it(world, client):
    user = _invite(world)
    first = _secret_from(mail.outbox[0])
    staff_reinvite(actor=world.actor("clinic_admin"), user=user)
    second = _secret_from(mail.outbox[1])
    assert client.get(reverse("password-link", args=[first])).status_code == 410
    assert client.get(reverse("password-link", args=[second])).status_code == 200
    staff_invitation_cancel(actor=world.actor("clinic_admin"), user=user)
    user.refresh_from_db()
    assert not user.is_active
    assert client.get(reverse("password-link", args=[second])).status_code == 410
    # the way back: invite again
    staff_reinvite(actor=world.actor("clinic_admin"), user=user)
    user.refresh_from_db()
    assert user.is_active
    assert (
        client.get(reverse("password-link", args=[_secret_from(mail.outbox[2])])).status_code == 200
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "nurse@example.org", "first_name": " "}, "first_name"),
        ({"roles": {}}, "roles"),
        ({"roles": {"CLINIC": "chief"}}, "roles"),
    ],
)
def test_invite_bad_input_names_the_field_and_writes_nothing(world, fields, field):
    args = {
        "first_name": "Sam",
        "last_name": "Nurse",
        "email": "sam@example.org",
        "roles": {world.clinic.pk: "nurse"},
    }
    args.update(fields)
    if args["roles"] and "CLINIC" in args["roles"]:
        args["roles"] = {world.clinic.pk: args["roles"]["CLINIC"]}
    before = row_counts()
    with pytest.raises(ValidationError) as raised:
        staff_invite(actor=world.actor("clinic_admin"), **args)
    assert field in raised.value.message_dict
    assert row_counts() == before and not mail.outbox


def test_invite_refuses_an_address_that_has_an_account(world):
    world.users["nurse"].email = "taken@example.org"
    world.users["nurse"].save()
    with pytest.raises(ValidationError) as raised:
        _invite(world, email="TAKEN@example.org")
    assert "already has an account" in raised.value.message_dict["email"][0]


def test_invite_refuses_roles_at_a_clinic_where_the_admin_is_not_admin(world):
    with pytest.raises(ValidationError) as raised:
        staff_invite(
            actor=world.actor("clinic_admin"),
            first_name="A",
            last_name="B",
            email="ab@example.org",
            roles={world.other_clinic.pk: "nurse"},
        )
    assert "roles" in raised.value.message_dict


@pytest.mark.parametrize("persona", ["physician", "nurse", "front_desk", "auditor"])
def test_only_a_clinic_admin_invites(world, persona):
    with pytest.raises(PermissionDenied):
        staff_invite(
            actor=world.actor(persona),
            first_name="A",
            last_name="B",
            email="ab@example.org",
            roles={world.clinic.pk: "nurse"},
        )


# --- roles ------------------------------------------------------------------------------------


def test_grant_change_and_revoke_a_role_are_audited(world):
    admin = world.actor("clinic_admin")
    southside = world.sister_clinic()
    StaffMembership.objects.create(
        user=world.users["clinic_admin"], clinic=southside, role="clinic_admin"
    )
    nurse = world.users["nurse"]
    membership = staff_role_set(actor=admin, user=nurse, clinic_id=southside.pk, role="front_desk")
    assert membership.clinic == southside and membership.role == "front_desk"
    staff_role_set(actor=admin, user=nurse, clinic_id=southside.pk, role="nurse")
    staff_role_revoke(actor=admin, membership=membership)
    membership.refresh_from_db()
    assert not membership.is_active
    changes = [
        e.changes
        for e in AuditEvent.objects.filter(
            object_type="accounts.staffmembership", object_id=str(membership.pk)
        ).order_by("id")
    ]
    assert changes == [
        {"role": [None, "front_desk"], "is_active": [None, True]},
        {"role": ["front_desk", "nurse"]},
        {"is_active": [True, False]},
    ]


def test_a_role_at_a_clinic_without_an_admin_role_there_is_403(world):
    southside = world.sister_clinic()
    with pytest.raises(PermissionDenied):
        staff_role_set(
            actor=world.actor("clinic_admin"),
            user=world.users["nurse"],
            clinic_id=southside.pk,
            role="nurse",
        )


def test_the_last_clinic_admin_cannot_be_removed_at_any_door(world):
    admin = world.actor("clinic_admin")
    second = User.objects.create_user(username="second_admin", password="x" * 20)
    membership = StaffMembership.objects.create(
        user=second, clinic=world.clinic, role="clinic_admin"
    )
    # with two admins, one may go
    staff_role_revoke(actor=admin, membership=membership)
    # now the admin is the only one: not themselves ...
    with pytest.raises(ValidationError):
        staff_role_set(actor=admin, user=admin.user, clinic_id=world.clinic.pk, role="nurse")
    with pytest.raises(ValidationError):
        staff_deactivate(actor=admin, user=admin.user, reason="test")
    # ... nor through the operator's command
    before = row_counts()
    with pytest.raises(ValidationError) as raised:
        membership_grant(username="clinic_admin", clinic_id=world.clinic.pk, role="nurse")
    assert raised.value.message_dict["role"] == [LAST_ADMIN_MESSAGE]
    assert row_counts() == before


def test_deactivating_the_only_other_admin_is_refused_when_none_would_remain(world):
    admin = world.actor("clinic_admin")
    # the acting admin's own role is revoked by a second admin: then the second is the last one
    second = User.objects.create_user(username="second_admin", password="x" * 20)
    StaffMembership.objects.create(user=second, clinic=world.clinic, role="clinic_admin")
    world.memberships["clinic_admin"].is_active = False
    world.memberships["clinic_admin"].save()
    with pytest.raises(ValidationError) as raised:
        staff_deactivate(actor=admin, user=second, reason="left")
    assert raised.value.message_dict["user"] == [LAST_ADMIN_MESSAGE]


# --- deactivation -----------------------------------------------------------------------------


def test_deactivation_refuses_the_next_page_request_and_the_api_token(world, login):
    nurse = world.users["nurse"]
    browser = login("nurse")
    api = token_client(nurse)
    assert browser.get(reverse("patient-list")).status_code == 200
    assert api.get(reverse("api:patient-list")).status_code == 200
    staff_deactivate(actor=world.actor("clinic_admin"), user=nurse, reason="left the clinic")
    page = browser.get(reverse("patient-list"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    refused = api.get(reverse("api:patient-list"))
    assert refused.status_code == 401
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(nurse.pk)).latest(
        "id"
    )
    assert event.changes == {"is_active": [True, False]} and "left the clinic" in event.detail
    # and the way back
    staff_reactivate(actor=world.actor("clinic_admin"), user=nurse)
    assert api.get(reverse("api:patient-list")).status_code == 200
    assert _logs_in("nurse", "correct-horse-battery")


def test_deactivation_needs_a_reason_and_never_the_admin_themselves(world):
    admin = world.actor("clinic_admin")
    before = row_counts()
    with pytest.raises(ValidationError) as raised:
        staff_deactivate(actor=admin, user=world.users["nurse"], reason=" ")
    assert "reason" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        staff_deactivate(actor=admin, user=admin.user, reason="test")
    assert "user" in raised.value.message_dict
    assert row_counts() == before


def test_an_account_that_also_works_for_another_organization_is_not_deactivated(world):
    nurse = world.users["nurse"]
    StaffMembership.objects.create(user=nurse, clinic=world.other_clinic, role="nurse")
    before = row_counts()
    with pytest.raises(ValidationError) as raised:
        staff_deactivate(actor=world.actor("clinic_admin"), user=nurse, reason="left")
    assert "another organization" in raised.value.message_dict["user"][0]
    assert row_counts() == before
    # their role here can still be revoked
    staff_role_revoke(actor=world.actor("clinic_admin"), membership=world.memberships["nurse"])


def test_deactivation_cancels_open_links(world, client):
    user = _invite(world)
    secret = _secret_from(mail.outbox[0])
    staff_deactivate(actor=world.actor("clinic_admin"), user=user, reason="never started")
    assert client.get(reverse("password-link", args=[secret])).status_code == 410


# --- password reset ---------------------------------------------------------------------------


def test_admin_password_reset_sends_a_link_and_the_old_password_works_until_used(world, client):
    nurse = world.users["nurse"]
    nurse.email = "nurse@example.org"
    nurse.save()
    staff_password_reset_send(actor=world.actor("clinic_admin"), user=nurse)
    assert _logs_in("nurse", "correct-horse-battery")
    message = mail.outbox[0]
    assert "correct-horse-battery" not in message.body
    url = reverse("password-link", args=[_secret_from(message)])
    client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert not _logs_in("nurse", "correct-horse-battery")
    assert _logs_in("nurse", NEW_PASSWORD)


def test_password_reset_needs_an_email_address(world):
    before = row_counts()
    with pytest.raises(ValidationError) as raised:
        staff_password_reset_send(actor=world.actor("clinic_admin"), user=world.users["nurse"])
    assert "email" in raised.value.message_dict and row_counts() == before


def test_forgot_password_answers_the_same_and_sends_only_to_an_account(world, client):
    nurse = world.users["nurse"]
    nurse.email = "nurse@example.org"
    nurse.save()
    url = reverse("password-forgot")
    known = client.post(url, {"email": "NURSE@example.org"})
    unknown = client.post(url, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200

    def main(response):  # the page without its per-request CSRF token
        return response.content.decode().split("<main", 1)[1]

    assert main(known) == main(unknown) and "Check your e-mail" in main(known)
    assert [m.to for m in mail.outbox] == [["nurse@example.org"]]
    # asked again at once: no second mail
    client.post(url, {"email": "nurse@example.org"})
    assert len(mail.outbox) == 1
    assert client.post(url, {"email": "not an address"}).status_code == 422


def test_link_use_through_the_service_refuses_a_second_use(world):
    user = _invite(world)
    secret = _secret_from(mail.outbox[0])
    password_links.link_use(secret=secret, password=NEW_PASSWORD)
    with pytest.raises(password_links.LinkUnavailable):
        password_links.link_use(secret=secret, password=NEW_PASSWORD + "2")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


# --- a mail server that refuses -----------------------------------------------------------------


def _refuse_mail(*args, **kwargs):
    raise smtplib.SMTPServerDisconnected("connection closed")


@pytest.fixture
def mail_down(monkeypatch):
    monkeypatch.setattr(password_links, "send_mail", _refuse_mail)


def test_an_invitation_whose_mail_fails_names_the_field_and_writes_nothing(world, mail_down):
    before = row_counts()
    with pytest.raises(ValidationError) as raised:
        _invite(world)
    assert "could not be sent" in raised.value.message_dict["email"][0]
    assert row_counts() == before
    assert not User.objects.filter(username="sam.nurse@example.org").exists()


def test_a_reinvitation_whose_mail_fails_keeps_the_earlier_link(world, client, monkeypatch):
    user = _invite(world)
    first = _secret_from(mail.outbox[0])
    before = row_counts()
    monkeypatch.setattr(password_links, "send_mail", _refuse_mail)
    with pytest.raises(ValidationError):
        staff_reinvite(actor=world.actor("clinic_admin"), user=user)
    assert row_counts() == before
    assert client.get(reverse("password-link", args=[first])).status_code == 200


def test_the_invite_page_says_the_mail_failed_with_422(world, login, mail_down):
    admin = login("clinic_admin")
    before = row_counts()
    response = admin.post(
        reverse("staff-invite"),
        {
            "first_name": "Sam",
            "last_name": "Nurse",
            "email": "sam@example.org",
            f"role_{world.clinic.pk}": "nurse",
        },
    )
    assert response.status_code == 422
    assert "could not be sent" in response.content.decode()
    assert row_counts() == before


def test_an_invitation_is_pending_until_its_link_sets_a_password(world):
    user = _invite(world)
    assert user.invitation_pending
    password_links.link_use(secret=_secret_from(mail.outbox[0]), password=NEW_PASSWORD)
    user.refresh_from_db()
    assert not user.invitation_pending
    with pytest.raises(ValidationError):
        staff_reinvite(actor=world.actor("clinic_admin"), user=user)
