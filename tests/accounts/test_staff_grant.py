"""``kitclinic staff_grant`` and the membership_grant service behind it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kitclinic.accounts.models import StaffMembership, User
from kitclinic.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-unusual-passphrase-42"


def _counts() -> tuple[int, int, int]:
    return User.objects.count(), StaffMembership.objects.count(), AuditEvent.objects.count()


def _grant(*args: str, stdin: str | None = None) -> str:
    out = StringIO()
    kwargs = {"stdout": out}
    if stdin is not None:
        kwargs["stdin"] = StringIO(stdin)
    call_command("staff_grant", *args, **kwargs)
    return out.getvalue()


def test_grant_gives_an_existing_user_a_role_and_audits_it_without_actor(world):
    from tests.factories import UserFactory

    UserFactory(username="newdoc")
    output = _grant("--username", "newdoc", "--clinic-id", str(world.clinic.pk), "--role", "nurse")
    membership = StaffMembership.objects.get(user__username="newdoc")
    assert (membership.clinic_id, membership.role, membership.is_active) == (
        world.clinic.pk,
        "nurse",
        True,
    )
    assert "newdoc is nurse at Northside" in output
    event = AuditEvent.objects.get(object_type="accounts.staffmembership")
    assert event.actor_id is None
    assert event.action == AuditAction.CREATE
    assert event.organization_id == world.clinic.organization_id
    assert event.object_id == str(membership.pk)
    assert event.changes == {"role": [None, "nurse"], "is_active": [None, True]}
    assert "newdoc" in event.detail and "nurse" in event.detail


def test_grant_replaces_the_role_held_at_the_clinic_and_reactivates(world):
    membership = world.memberships["nurse"]
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    _grant("--username", "nurse", "--clinic-id", str(world.clinic.pk), "--role", "physician")
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == ("physician", True)
    assert StaffMembership.objects.filter(user=world.users["nurse"]).count() == 1
    event = AuditEvent.objects.get()
    assert event.action == AuditAction.UPDATE
    assert event.changes == {"role": ["nurse", "physician"], "is_active": [False, True]}


def test_create_user_reads_the_password_from_stdin(world):
    _grant(
        "--username",
        "casey",
        "--clinic-id",
        str(world.clinic.pk),
        "--role",
        "front_desk",
        "--create-user",
        "--password-stdin",
        stdin=NEW_PASSWORD + "\n",
    )
    user = User.objects.get(username="casey")
    assert user.check_password(NEW_PASSWORD)
    assert user.memberships.get().role == "front_desk"
    actions = sorted(AuditEvent.objects.values_list("object_type", "action"))
    assert actions == [("accounts.staffmembership", "create"), ("accounts.user", "create")]
    assert not AuditEvent.objects.filter(actor__isnull=False).exists()


def test_unknown_role_names_the_option_and_allowed_values_and_writes_nothing(world):
    before = _counts()
    with pytest.raises(CommandError) as caught:
        _grant("--username", "nurse", "--clinic-id", str(world.clinic.pk), "--role", "surgeon")
    message = str(caught.value)
    assert "--role" in message and "surgeon" in message
    for role in ("physician", "nurse", "front_desk", "clinic_admin", "auditor"):
        assert role in message
    assert _counts() == before
    assert world.memberships["nurse"].role == "nurse"


def test_unknown_role_with_create_user_creates_no_user(world):
    before = _counts()
    with pytest.raises(CommandError, match="--role"):
        _grant(
            "--username",
            "ghost",
            "--clinic-id",
            str(world.clinic.pk),
            "--role",
            "boss",
            "--create-user",
            "--password-stdin",
            stdin=NEW_PASSWORD,
        )
    assert _counts() == before


@pytest.mark.parametrize(
    ("args", "stdin", "option"),
    [
        (["--username", "nobody", "--role", "nurse"], None, "--username"),
        (["--username", "nurse", "--role", "nurse", "--clinic-id", "999999"], None, "--clinic-id"),
        (
            ["--username", "x", "--role", "nurse", "--create-user", "--password-stdin"],
            "short",
            "--password-stdin",
        ),
        (
            ["--username", "nurse", "--role", "nurse", "--create-user", "--password-stdin"],
            NEW_PASSWORD,
            "--username",
        ),
        (["--username", "x", "--role", "nurse", "--create-user"], None, "--password-stdin"),
    ],
    ids=["unknown-user", "unknown-clinic", "weak-password", "user-exists", "no-password"],
)
def test_bad_input_names_the_option_and_writes_nothing(world, args, stdin, option):
    if "--clinic-id" not in args:
        args = [*args, "--clinic-id", str(world.clinic.pk)]
    before = _counts()
    with pytest.raises(CommandError) as caught:
        _grant(*args, stdin=stdin)
    assert option in str(caught.value)
    assert _counts() == before
