"""Staff accounts: inviting, sending the invitation again or cancelling it, deactivating and
reactivating, and password-reset links a clinic admin sends."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import PasswordLink, StaffMembership, User
from kitclinic.accounts.password_links import link_issue, open_links_cancel
from kitclinic.accounts.roles import Action, Role
from kitclinic.accounts.services.memberships import (
    admins_remain_check,
    staff_role_set,
)
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record


def _clean_name(value: str, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [f"Enter the {label}."]})
    if len(text) > 150:
        raise ValidationError({field: [f"The {label} may have at most 150 characters."]})
    return text


@transaction.atomic
def staff_invite(
    *, actor: Actor, first_name: str, last_name: str, email: str, roles: dict[int, str]
) -> User:
    """Make an account for a new member of staff with ``roles`` ({clinic id: role}) and e-mail
    them a link to set their password (single use, expiring). Their user name is their e-mail
    address. Bad input names the field and writes nothing."""
    actor.require(Action.STAFF_MANAGE)
    errors: dict[str, list[str]] = {}
    names = {}
    for field, label, value in (
        ("first_name", "first name", first_name),
        ("last_name", "last name", last_name),
    ):
        try:
            names[field] = _clean_name(value, field, label)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        errors["email"] = ["Enter a valid e-mail address, e.g. name@clinic.org."]
    else:
        if len(address) > 150:
            errors["email"] = ["The e-mail address may have at most 150 characters."]
        elif User.objects.filter(Q(username__iexact=address) | Q(email__iexact=address)).exists():
            errors["email"] = [
                "Someone already has an account with this e-mail address: grant them a role "
                "from their page in the staff list."
            ]
    if not roles:
        errors["roles"] = ["Give at least one role at one clinic."]
    for clinic_id, role in roles.items():
        if role not in {r.value for r in Role}:
            errors["roles"] = [f"Choose a role: {', '.join(r.label for r in Role)}."]
        elif clinic_id not in actor.clinic_ids_where(Action.STAFF_MANAGE):
            errors["roles"] = ["You can give roles only at clinics where you are a clinic admin."]
    if errors:
        raise ValidationError(errors)
    user = User(username=address, email=address, **names)
    user.set_unusable_password()
    user.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=user,
        changes={"username": [None, address], "email": [None, address]},
        detail=f"invited {address}",
    )
    for clinic_id, role in roles.items():
        staff_role_set(actor=actor, user=user, clinic_id=clinic_id, role=role)
    link_issue(
        user=user,
        clinic=actor.clinic,
        kind=PasswordLink.Kind.INVITE,
        created_by=actor.user,
        organization_id=actor.organization_id,
        actor=actor,
    )
    return user


@transaction.atomic
def staff_reinvite(*, actor: Actor, user: User) -> PasswordLink:
    """Send a new invitation link (the earlier one stops working); also after a cancellation."""
    actor.require(Action.STAFF_MANAGE)
    if not user.invitation_pending:
        raise ValidationError(
            {"user": ["They have already set a password: send a password-reset link instead."]}
        )
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=user, changes={"is_active": [False, True]}
        )
    return link_issue(
        user=user,
        clinic=actor.clinic,
        kind=PasswordLink.Kind.INVITE,
        created_by=actor.user,
        organization_id=actor.organization_id,
        actor=actor,
    )


@transaction.atomic
def staff_invitation_cancel(*, actor: Actor, user: User) -> User:
    """Withdraw a pending invitation: its link stops working and the account is deactivated
    (re-invite to open it again)."""
    actor.require(Action.STAFF_MANAGE)
    if not user.invitation_pending:
        raise ValidationError({"user": ["They have already accepted the invitation."]})
    if not user.is_active:
        raise ValidationError({"user": ["This invitation was already cancelled."]})
    return _account_close(actor, user, f"invitation of {user.username} cancelled")


@transaction.atomic
def staff_deactivate(*, actor: Actor, user: User, reason: str) -> User:
    """Deactivate ``user``: from their next request their browser sessions and API tokens are
    refused (both check that the user is active), and their set-password links stop. The rows
    and roles stay, so the records they made still name them and reactivation restores them."""
    actor.require(Action.STAFF_MANAGE)
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": ["Give the reason (e.g. left the clinic)."]})
    if len(text) > 200:
        raise ValidationError({"reason": ["The reason may have at most 200 characters."]})
    if user.pk == actor.user.pk:
        raise ValidationError({"user": ["You cannot deactivate your own account."]})
    if not user.is_active:
        raise ValidationError({"user": ["This account is already deactivated."]})
    elsewhere = (
        StaffMembership.objects.filter(user=user, is_active=True)
        .exclude(clinic__organization_id=actor.organization_id)
        .exists()
    )
    if elsewhere:
        # the account is also another organization's member of staff: not this admin's to close
        raise ValidationError(
            {
                "user": [
                    "They also work for another organization: revoke their roles here instead "
                    "of deactivating the account."
                ]
            }
        )
    admins_remain_check(actor.organization_id, user=user)
    return _account_close(actor, user, f"deactivated {user.username}: {text}"[:300])


def _account_close(actor: Actor, user: User, detail: str) -> User:
    """Deactivate the account and cancel its open set-password links, audited with ``detail``."""
    open_links_cancel(user, timezone.now())
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=user,
        changes={"is_active": [True, False]},
        detail=detail,
    )
    return user


@transaction.atomic
def staff_reactivate(*, actor: Actor, user: User) -> User:
    actor.require(Action.STAFF_MANAGE)
    if user.is_active:
        raise ValidationError({"user": ["This account is already active."]})
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=user,
        changes={"is_active": [False, True]},
        detail=f"reactivated {user.username}",
    )
    return user


@transaction.atomic
def staff_password_reset_send(*, actor: Actor, user: User) -> PasswordLink:
    """E-mail ``user`` a single-use link to choose a new password. Their current password keeps
    working until the link is used; no password is ever shown."""
    actor.require(Action.STAFF_MANAGE)
    if not user.is_active:
        raise ValidationError({"user": ["Reactivate the account first."]})
    if user.invitation_pending:
        raise ValidationError(
            {"user": ["They have not accepted their invitation yet: send it again instead."]}
        )
    return link_issue(
        user=user,
        clinic=actor.clinic,
        kind=PasswordLink.Kind.RESET,
        created_by=actor.user,
        organization_id=actor.organization_id,
        actor=actor,
    )
