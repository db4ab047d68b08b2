"""Writes to staff accounts: granting a role at a clinic (used by ``kitclinic staff_grant``)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from kitclinic.accounts.models import Clinic, StaffMembership, User
from kitclinic.accounts.roles import Role
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record


@transaction.atomic
def membership_grant(
    *,
    username: str,
    clinic_id: int,
    role: str,
    create_user: bool = False,
    password: str | None = None,
) -> StaffMembership:
    """Give ``username`` the role ``role`` at clinic ``clinic_id`` (replacing a role held there).

    With ``create_user`` the user is created with ``password``. Run by an operator, not a staff
    member, so the audit events have no actor; ``detail`` says what was done. Bad input raises
    ValidationError naming the field and writes nothing."""
    errors: dict[str, list[str]] = {}
    allowed = ", ".join(r.value for r in Role)
    if role not in {r.value for r in Role}:
        errors["role"] = [f"Unknown role {role!r}; allowed: {allowed}."]
    clinic = Clinic.objects.select_related("organization").filter(pk=clinic_id).first()
    if clinic is None:
        errors["clinic_id"] = [f"No clinic with id {clinic_id}."]
    username = username.strip()
    user = User.objects.filter(username=username).first()
    if create_user:
        if user is not None:
            errors["username"] = [f"The user {username!r} already exists."]
        elif not password:
            errors["password"] = ["A new user needs a password."]
        else:
            try:
                User._meta.get_field("username").run_validators(username)
            except ValidationError as exc:
                errors["username"] = exc.messages
            try:
                validate_password(password, User(username=username))
            except ValidationError as exc:
                errors["password"] = exc.messages
    elif user is None:
        errors["username"] = [f"No user {username!r}; pass create_user to create one."]
    if errors:
        raise ValidationError(errors)
    assert clinic is not None
    organization_id = clinic.organization_id
    if user is None:
        user = User(username=username)
        user.set_password(password)
        user.full_clean()
        user.save()
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            obj=user,
            organization_id=organization_id,
            changes={"username": [None, username]},
            detail=f"staff_grant: created user {username}",
        )
    membership = StaffMembership.objects.filter(user=user, clinic=clinic).first()
    if membership is None:
        membership = StaffMembership.objects.create(user=user, clinic=clinic, role=role)
        action, changes = AuditAction.CREATE, {"role": [None, role], "is_active": [None, True]}
    else:
        changes = {}
        if membership.role != role:
            changes["role"] = [membership.role, role]
        if not membership.is_active:
            changes["is_active"] = [False, True]
        membership.role, membership.is_active = role, True
        membership.full_clean(validate_unique=False)
        membership.save(update_fields=["role", "is_active"])
        action = AuditAction.UPDATE
    audit_record(
        actor=None,
        action=action,
        obj=membership,
        organization_id=organization_id,
        changes=changes,
        detail=f"staff_grant: {username} is {role} at {clinic.name}",
    )
    return membership
