"""Roles at clinics: granting (``kitclinic staff_grant`` and the staff pages), changing and
revoking, and the one rule every door keeps: an organization always has an active clinic admin."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, StaffMembership, User
from kitclinic.accounts.roles import Action, Role
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
    if membership is not None and membership.role != role and membership.is_active:
        admins_remain_check(organization_id, leaving=[membership], role=role)
    membership, action, changes = _membership_put(membership, user, clinic, role)
    audit_record(
        actor=None,
        action=action,
        obj=membership,
        organization_id=organization_id,
        changes=changes,
        detail=f"staff_grant: {username} is {role} at {clinic.name}",
    )
    return membership


def _membership_put(
    membership: StaffMembership | None, user: User, clinic: Clinic, role: str
) -> tuple[StaffMembership, str, dict[str, list[object]]]:
    """Give ``user`` the role ``role`` at ``clinic`` (creating their membership there or changing
    and reopening ``membership``), after the caller's checks: the membership, the audit action
    and the changes for the caller's audit event."""
    if membership is None:
        membership = StaffMembership.objects.create(user=user, clinic=clinic, role=role)
        return membership, AuditAction.CREATE, {"role": [None, role], "is_active": [None, True]}
    changes: dict[str, list[object]] = {}
    if membership.role != role:
        changes["role"] = [membership.role, role]
    if not membership.is_active:
        changes["is_active"] = [False, True]
    membership.role, membership.is_active = role, True
    membership.full_clean(validate_unique=False)
    membership.save(update_fields=["role", "is_active"])
    return membership, AuditAction.UPDATE, changes


LAST_ADMIN_MESSAGE = (
    "The organization would have no active clinic admin left: give another member of staff "
    "the clinic admin role first."
)


def admins_remain_check(
    organization_id: int,
    *,
    leaving: Sequence[StaffMembership] = (),
    role: str | None = None,
    user: User | None = None,
) -> None:
    """The one place of the rule that an organization keeps an active clinic admin: refuse
    (ValidationError) when the memberships ``leaving`` (revoked, or changed to ``role``) or the
    deactivation of ``user`` would leave none."""
    if role == Role.CLINIC_ADMIN:
        return
    admins = StaffMembership.objects.filter(
        clinic__organization_id=organization_id,
        role=Role.CLINIC_ADMIN,
        is_active=True,
        user__is_active=True,
    ).exclude(pk__in=[m.pk for m in leaving])
    if user is not None:
        admins = admins.exclude(user=user)
    if not admins.exists():
        field = "user" if user is not None else "role"
        raise ValidationError({field: [LAST_ADMIN_MESSAGE]})


def staff_clinic(actor: Actor, clinic_id: int) -> tuple[Actor, Clinic]:
    """The clinic ``clinic_id`` of the actor's organization where they manage staff (403
    otherwise; a clinic of another organization is refused by ``at_clinic`` too)."""
    acting = actor.require_at(clinic_id, Action.STAFF_MANAGE)
    return acting, acting.clinic


def role_value(role: str) -> str:
    if role not in {r.value for r in Role}:
        allowed = ", ".join(r.label for r in Role)
        raise ValidationError({"role": [f"Choose a role: {allowed}."]})
    return role


@transaction.atomic
def staff_role_set(*, actor: Actor, user: User, clinic_id: int, role: str) -> StaffMembership:
    """Give ``user`` the role ``role`` at clinic ``clinic_id`` (replacing a role held there)."""
    role = role_value(role)
    acting, clinic = staff_clinic(actor, clinic_id)
    membership = StaffMembership.objects.filter(user=user, clinic=clinic).first()
    if membership is not None and membership.role == role and membership.is_active:
        raise ValidationError(
            {"role": [f"{user} already has the role {Role(role).label} at {clinic.name}."]}
        )
    if membership is not None and membership.is_active and membership.role != role:
        if user.pk == actor.user.pk and membership.role == Role.CLINIC_ADMIN:
            raise ValidationError(
                {"role": ["You cannot take away your own clinic admin role; ask another admin."]}
            )
        admins_remain_check(clinic.organization_id, leaving=[membership], role=role)
    membership, action, changes = _membership_put(membership, user, clinic, role)
    audit_record(
        actor=acting,
        action=action,
        obj=membership,
        changes=changes,
        detail=f"{user.username} is {Role(role).label} at {clinic.name}",
    )
    return membership


@transaction.atomic
def staff_role_revoke(*, actor: Actor, membership: StaffMembership) -> StaffMembership:
    """End ``membership`` (the row stays, inactive, for the record)."""
    acting, clinic = staff_clinic(actor, membership.clinic_id)
    if not membership.is_active:
        raise ValidationError({"role": ["This role was already revoked."]})
    if membership.user_id == actor.user.pk and membership.role == Role.CLINIC_ADMIN:
        raise ValidationError(
            {"role": ["You cannot revoke your own clinic admin role; ask another admin."]}
        )
    admins_remain_check(clinic.organization_id, leaving=[membership])
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    audit_record(
        actor=acting,
        action=AuditAction.UPDATE,
        obj=membership,
        changes={"is_active": [True, False]},
        detail=f"{membership.user.username}: role {membership.get_role_display()} at "
        f"{clinic.name} revoked",
    )
    return membership
