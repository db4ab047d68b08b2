"""API tokens: creating and revoking them (audited), listing them, and who may revoke which.

The rules that need no database (the token's form, scopes, lifetime, when a token is usable) are
in ``kitclinic.accounts.token_rules``; the API's authentication (``kitclinic.accounts.api.authentication``)
applies them to every request. The web page, the API endpoints and ``kitclinic api_token`` all
call these functions, so the same rules hold at every entry point."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kitclinic.accounts import token_rules
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import ApiToken, StaffMembership, User
from kitclinic.accounts.roles import Action
from kitclinic.accounts.token_rules import Refusal, Scope
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.lib.bounds import validate_plain_text

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def _max_length(field: models.Field[Any, Any]) -> int:
    if field.max_length is None:  # never for the CharFields named below; narrows the type
        raise TypeError(f"{field} has no max_length")
    return field.max_length


NAME_MAX_LENGTH = _max_length(ApiToken._meta.get_field("name"))
REASON_MAX_LENGTH = _max_length(ApiToken._meta.get_field("revoke_reason"))


def _organization_of(user: User) -> int | None:
    """The organization an operator's (actor-less) event about ``user`` belongs to: that of the
    user's first clinic, active or not."""
    membership = (
        StaffMembership.objects.filter(user=user)
        .select_related("clinic")
        .order_by("-is_active", "id")
        .first()
    )
    return membership.clinic.organization_id if membership else None


def _text_errors(value: object, *, field: str, max_length: int, required: bool) -> list[str]:
    if not isinstance(value, str):
        return ["Must be a string."]
    if required and not value.strip():
        return [f"Required: say what the {field} is for."]
    if len(value) > max_length:
        return [f"At most {max_length} characters; got {len(value)}."]
    try:
        validate_plain_text(value)
    except ValidationError as exc:
        return exc.messages
    return []


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    scope: str,
    days: int | None = None,
    actor: Actor | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return it with its secret, which is never shown again.

    ``days`` defaults to ``KITCLINIC_API_TOKEN_DAYS`` and may not exceed
    ``KITCLINIC_API_TOKEN_MAX_DAYS``. ``actor`` is the person creating it (None: an operator's
    command). Only an active user with an active role may hold a token. Bad input raises
    ValidationError naming each field and writes nothing."""
    maximum = settings.KITCLINIC_API_TOKEN_MAX_DAYS
    days = settings.KITCLINIC_API_TOKEN_DAYS if days is None else days
    errors: dict[str, list[str]] = {}
    if problems := _text_errors(name, field="token", max_length=NAME_MAX_LENGTH, required=True):
        errors["name"] = problems
    if scope not in {s.value for s in Scope}:
        allowed = ", ".join(s.value for s in Scope)
        errors["scope"] = [f"Unknown scope {scope!r}; allowed: {allowed}."]
    if problems := token_rules.lifetime_errors(days, maximum=maximum):
        errors["days"] = problems
    if not user.is_active:
        errors["user"] = [f"The user {user.username!r} is deactivated."]
    elif not StaffMembership.objects.filter(user=user, is_active=True).exists():
        errors["user"] = [f"The user {user.username!r} has no active role at any clinic."]
    if errors:
        raise ValidationError(errors)
    assert isinstance(days, int)
    new = token_rules.token_new()
    now = timezone.now()
    token = ApiToken(
        user=user,
        name=name.strip(),
        scope=scope,
        prefix=new.prefix,
        key_hash=new.digest,
        created_by=actor.user if actor else None,
        created_at=now,
        expires_at=token_rules.expiry(now, days),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=token,
        organization_id=None if actor else _organization_of(user),
        changes={
            "user": [None, user.username],
            "name": [None, token.name],
            "scope": [None, scope],
            "prefix": [None, token.prefix],
            "expires_at": [None, token.expires_at.isoformat()],
        },
        detail="" if actor else f"api_token create: for {user.username}",
    )
    return token, new.token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, reason: str = "", actor: Actor | None = None) -> ApiToken:
    """Revoke ``token`` at once; it is refused from the next request on. ``actor`` is the person
    revoking (access checked by the caller, ``access_api_token``); None: an operator's command.
    A token already revoked is refused (ValidationError on ``token``), as is a bad reason."""
    locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    errors: dict[str, list[str]] = {}
    if locked.revoked_at is not None:
        errors["token"] = [
            f"The token {locked.prefix}… was already revoked at "
            f"{locked.revoked_at.isoformat(timespec='seconds')}."
        ]
    if problems := _text_errors(
        reason, field="revocation", max_length=REASON_MAX_LENGTH, required=False
    ):
        errors["reason"] = problems
    if errors:
        raise ValidationError(errors)
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor.user if actor else None
    locked.revoke_reason = reason.strip()
    locked.full_clean()
    locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        organization_id=None if actor else _organization_of(locked.user),
        changes={
            "revoked_at": [None, locked.revoked_at.isoformat()],
            "revoke_reason": ["", locked.revoke_reason],
        },
        detail=f"API token {locked.prefix}… of {locked.user.username} revoked"
        + ("" if actor else " (api_token revoke)"),
    )
    return locked


def api_token_touch(token: ApiToken, now: dt.datetime) -> None:
    """Record a use, at most once per ``LAST_USED_RESOLUTION`` (one conditional UPDATE, so two
    requests at once write once). Not audited: use is not a change of the token."""
    if not token_rules.due(token.last_used_at, now, token_rules.LAST_USED_RESOLUTION):
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - token_rules.LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now


def api_token_refusal_record(
    *, token: ApiToken, refusal: Refusal, client_address: str | None
) -> None:
    """Audit that a known token was refused (revoked, expired, account deactivated, without a
    role, or locked): someone still holds it. At most one event per token per
    ``REFUSAL_AUDIT_RESOLUTION``, so a client retrying in a loop does not flood the trail. An
    unknown token is not audited: it names no account, and anyone could send millions."""
    now = timezone.now()
    if not token_rules.due(token.last_refused_at, now, token_rules.REFUSAL_AUDIT_RESOLUTION):
        return
    with transaction.atomic():
        claimed = (
            ApiToken.objects.filter(pk=token.pk)
            .filter(
                Q(last_refused_at__isnull=True)
                | Q(last_refused_at__lte=now - token_rules.REFUSAL_AUDIT_RESOLUTION)
            )
            .update(last_refused_at=now)
        )
        if not claimed:
            return
        audit_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            obj=token,
            organization_id=_organization_of(token.user),
            client_address=client_address,
            detail=f"API token {token.prefix}… of {token.user.username} refused: {refusal.value}",
        )


# --- reads ------------------------------------------------------------------------------------


class _MembershipAnnotation(TypedDict):
    has_membership: bool


def api_token_for_authentication(
    raw: str,
) -> WithAnnotations[ApiToken, _MembershipAnnotation] | None:
    """The token row a presented token hashes to, with its user and whether the user holds an
    active role anywhere (one query)."""
    return (
        ApiToken.objects.select_related("user")
        .annotate(
            has_membership=Exists(
                StaffMembership.objects.filter(user=OuterRef("user"), is_active=True)
            )
        )
        .filter(key_hash=token_rules.token_digest(raw))
        .first()
    )


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("created_by", "revoked_by")


def api_tokens_of_clinic_staff(actor: Actor) -> QuerySet[ApiToken]:
    """Tokens of the other staff of the actor's clinic (any role there, active or not), for a
    clinic admin to revoke; empty for a role that may not."""
    if not actor.may(Action.API_TOKEN_REVOKE_STAFF):
        return ApiToken.objects.none()
    staff = StaffMembership.objects.filter(clinic=actor.clinic).values("user_id")
    return (
        ApiToken.objects.filter(user_id__in=staff)
        .exclude(user=actor.user)
        .select_related("user", "created_by", "revoked_by")
        .order_by("user__username", "-created_at", "-id")
    )


def access_api_token(actor: Actor, token_id: int) -> ApiToken:
    """A token the actor may revoke: their own, or (clinic admin) one of a user with a role at
    the actor's clinic (403 for other roles). Any other token is 404, the same as none."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise Http404("No such API token.")
    if token.user_id == actor.user.pk:
        return token
    if StaffMembership.objects.filter(user_id=token.user_id, clinic=actor.clinic).exists():
        actor.require(Action.API_TOKEN_REVOKE_STAFF)
        return token
    raise Http404("No such API token.")
