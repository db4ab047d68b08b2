"""Writes to staff accounts: roles at clinics (``kitclinic staff_grant`` and the staff pages),
inviting, deactivating and reactivating staff, password-reset links sent by a clinic admin, and
a clinic's own settings. Each runs in one transaction with its audit events.

One rule holds at every door (the pages, the command): an organization always keeps at least one
active clinic admin, so no change of a role, revocation or deactivation may remove the last one;
and a clinic admin cannot take away their own admin role or deactivate themselves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, ClinicSettings, PasswordLink, StaffMembership, User
from kitclinic.accounts.password_links import link_issue, open_links_cancel
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
    if membership is None:
        membership = StaffMembership.objects.create(user=user, clinic=clinic, role=role)
        action, changes = AuditAction.CREATE, {"role": [None, role], "is_active": [None, True]}
    else:
        if membership.role != role and membership.is_active:
            admins_remain_check(organization_id, leaving=[membership], role=role)
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


def _staff_clinic(actor: Actor, clinic_id: int) -> tuple[Actor, Clinic]:
    """The clinic ``clinic_id`` of the actor's organization where they manage staff (403
    otherwise; a clinic of another organization is refused by ``at_clinic`` too)."""
    acting = actor.require_at(clinic_id, Action.STAFF_MANAGE)
    return acting, acting.clinic


def _role_value(role: str) -> str:
    if role not in {r.value for r in Role}:
        allowed = ", ".join(r.label for r in Role)
        raise ValidationError({"role": [f"Choose a role: {allowed}."]})
    return role


@transaction.atomic
def staff_role_set(*, actor: Actor, user: User, clinic_id: int, role: str) -> StaffMembership:
    """Give ``user`` the role ``role`` at clinic ``clinic_id`` (replacing a role held there)."""
    role = _role_value(role)
    acting, clinic = _staff_clinic(actor, clinic_id)
    membership = StaffMembership.objects.filter(user=user, clinic=clinic).first()
    if membership is None:
        membership = StaffMembership.objects.create(user=user, clinic=clinic, role=role)
        audit_record(
            actor=acting,
            action=AuditAction.CREATE,
            obj=membership,
            changes={"role": [None, role], "is_active": [None, True]},
            detail=f"{user.username} is {Role(role).label} at {clinic.name}",
        )
        return membership
    if membership.role == role and membership.is_active:
        raise ValidationError(
            {"role": [f"{user} already has the role {Role(role).label} at {clinic.name}."]}
        )
    if membership.is_active and membership.role != role:
        if user.pk == actor.user.pk and membership.role == Role.CLINIC_ADMIN:
            raise ValidationError(
                {"role": ["You cannot take away your own clinic admin role; ask another admin."]}
            )
        admins_remain_check(clinic.organization_id, leaving=[membership], role=role)
    changes: dict[str, list[object]] = {}
    if membership.role != role:
        changes["role"] = [membership.role, role]
    if not membership.is_active:
        changes["is_active"] = [False, True]
    membership.role, membership.is_active = role, True
    membership.save(update_fields=["role", "is_active"])
    audit_record(
        actor=acting,
        action=AuditAction.UPDATE,
        obj=membership,
        changes=changes,
        detail=f"{user.username} is {Role(role).label} at {clinic.name}",
    )
    return membership


@transaction.atomic
def staff_role_revoke(*, actor: Actor, membership: StaffMembership) -> StaffMembership:
    """End ``membership`` (the row stays, inactive, for the record)."""
    acting, clinic = _staff_clinic(actor, membership.clinic_id)
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


def _invitation_pending(user: User) -> bool:
    return not user.has_usable_password()


@transaction.atomic
def staff_reinvite(*, actor: Actor, user: User) -> PasswordLink:
    """Send a new invitation link (the earlier one stops working); also after a cancellation."""
    actor.require(Action.STAFF_MANAGE)
    if not _invitation_pending(user):
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
    if not _invitation_pending(user):
        raise ValidationError({"user": ["They have already accepted the invitation."]})
    if not user.is_active:
        raise ValidationError({"user": ["This invitation was already cancelled."]})
    open_links_cancel(user, timezone.now())
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=user,
        changes={"is_active": [True, False]},
        detail=f"invitation of {user.username} cancelled",
    )
    return user


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
    now = timezone.now()
    open_links_cancel(user, now)
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=user,
        changes={"is_active": [True, False]},
        detail=f"deactivated {user.username}: {text}"[:300],
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
    if _invitation_pending(user):
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


# What a clinic admin may set each per-clinic setting to (inclusive). Not clinical figures: the
# bounds keep a typo (minutes for hours, an extra zero) from reaching patients and staff.
SETTING_BOUNDS: dict[str, tuple[int, int]] = {
    "alert_escalation_minutes": (1, 1440),
    "self_report_link_days": (1, 30),
    "kiosk_link_minutes": (5, 480),
    "staff_link_hours": (1, 336),
    "pregnancy_age_min_y": (0, 120),
    "pregnancy_age_max_y": (0, 120),
}
CRISIS_TEXT_MAX = 600
LAB_UNIT_MAX = 20
SETTING_FIELDS = (
    "crisis_text",
    *SETTING_BOUNDS,
    "lab_units",
)


@transaction.atomic
def clinic_settings_update(*, actor: Actor, values: dict[str, Any]) -> ClinicSettings:
    """Set the acting clinic's own settings. A value of None (or "") returns that setting to
    the deployment's default. Every field is checked against its bounds; the audit event holds
    the old and new values."""
    actor.require(Action.CLINIC_SETTINGS_EDIT)
    errors: dict[str, list[str]] = {}
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        errors["__all__"] = [f"Unknown settings: {', '.join(sorted(unknown))}."]
    clean: dict[str, Any] = {}
    text = (values.get("crisis_text") or "").strip()
    if len(text) > CRISIS_TEXT_MAX:
        errors["crisis_text"] = [f"At most {CRISIS_TEXT_MAX} characters (got {len(text)})."]
    clean["crisis_text"] = text
    for name, (low, high) in SETTING_BOUNDS.items():
        value = values.get(name)
        if value in (None, ""):
            clean[name] = None
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[name] = [f"Enter a whole number from {low} to {high}."]
            continue
        if not low <= number <= high:
            errors[name] = [f"Enter a whole number from {low} to {high} (got {number})."]
        clean[name] = number
    low_age, high_age = clean.get("pregnancy_age_min_y"), clean.get("pregnancy_age_max_y")
    if (low_age is None) != (high_age is None):
        errors.setdefault(
            "pregnancy_age_max_y", ["Give both ends of the age range, or neither (the default)."]
        )
    elif low_age is not None and high_age is not None and low_age > high_age:
        errors.setdefault(
            "pregnancy_age_max_y", [f"The upper age must be at least the lower ({low_age})."]
        )
    units = values.get("lab_units")
    if units in (None, {}):
        clean["lab_units"] = None
    elif not isinstance(units, dict):
        errors["lab_units"] = ["Give one unit per analyte."]
    else:
        known = set(settings.KITCLINIC_LAB_UNITS_DEFAULT)
        unit_map: dict[str, str] = {}
        for analyte, unit in units.items():
            unit_text = str(unit or "").strip()
            if analyte not in known:
                errors["lab_units"] = [
                    f"Unknown analyte {analyte!r}; allowed: {', '.join(sorted(known))}."
                ]
            elif len(unit_text) > LAB_UNIT_MAX or not all(
                c.isalnum() or c in "/.%[]*^-_µ" for c in unit_text
            ):
                errors[f"lab_unit_{analyte}"] = [
                    f"A UCUM unit such as mg/L or pg/mL, at most {LAB_UNIT_MAX} characters."
                ]
            else:
                unit_map[analyte] = unit_text
        defaults = dict(settings.KITCLINIC_LAB_UNITS)
        clean["lab_units"] = None if unit_map == defaults else unit_map
    if errors:
        raise ValidationError(errors)
    row = ClinicSettings.objects.select_for_update().filter(clinic=actor.clinic).first()
    created = row is None
    if row is None:
        row = ClinicSettings(clinic=actor.clinic)
    before = {name: getattr(row, name) for name in SETTING_FIELDS} if not created else {}
    for name, value in clean.items():
        setattr(row, name, value)
    row.updated_at = timezone.now()
    row.save()
    changes = {
        name: [before.get(name), clean[name]]
        for name in SETTING_FIELDS
        if before.get(name) != clean[name]
    }
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=row,
        changes=changes,
        detail=f"settings of {actor.clinic.name}",
    )
    return row
