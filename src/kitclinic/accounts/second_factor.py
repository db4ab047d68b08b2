"""The second factor at log-in: a time-based code from an authenticator app (TOTP, RFC 6238,
through django-otp) or one of ten single-use recovery codes.

Who must: physicians and clinic admins always; everyone else when their organization asks it of
all staff (``Organization.second_factor_for_all_staff``); anyone who has set one up. The step
after the password is decided once, at log-in (:func:`step_at_login`), and kept in the session:
until it is passed the session reaches only the step's own pages (``SecondFactorMiddleware``),
and after ``KITCLINIC_SECOND_FACTOR_STEP_MINUTES`` the log-in starts again.

Every step is audited: a code accepted or refused, a recovery code used, an authenticator set up
or replaced, recovery codes renewed, a reset by a clinic admin or an operator (with the reason).
"""

from __future__ import annotations

import datetime as dt
from base64 import b32encode
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import StaffMembership, User
from kitclinic.accounts.roles import Action, Role
from kitclinic.accounts.signals import account_event_record
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record

# Roles whose log-in always asks for the second factor: they prescribe and sign, or administer.
ROLES_THAT_MUST = frozenset({Role.PHYSICIAN, Role.CLINIC_ADMIN})
RECOVERY_CODE_COUNT = 10
# Fewer recovery codes left than this: the second-factor page asks for new ones.
RECOVERY_CODES_LOW = 3

STEP_SESSION_KEY = "kitclinic_second_factor_step"
STEP_SINCE_SESSION_KEY = "kitclinic_second_factor_since"
ENROL_DEVICE_SESSION_KEY = "kitclinic_second_factor_new_device"

VERIFY = "verify"  # has an authenticator: enter a code
ENROL = "enrol"  # must, and has none: set one up now

APP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def second_factor_required(roles: Iterable[Role | str], organization_requires_all: bool) -> bool:
    """Pure rule: a physician or clinic admin role (at any clinic) or an organization that asks
    it of all staff."""
    return organization_requires_all or any(Role(r) in ROLES_THAT_MUST for r in roles)


def required_for(user: User) -> bool:
    memberships = StaffMembership.objects.filter(user=user, is_active=True).select_related(
        "clinic__organization"
    )
    return second_factor_required(
        [m.role for m in memberships],
        any(m.clinic.organization.second_factor_for_all_staff for m in memberships),
    )


def has_authenticator(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def step_at_login(user: User) -> str | None:
    """The step the session must pass after the password: VERIFY, ENROL or none."""
    if has_authenticator(user):
        return VERIFY
    if required_for(user):
        return ENROL
    return None


def step_begin(request: HttpRequest, user: User) -> None:
    """At log-in (the ``user_logged_in`` signal): remember the pending step and when it began."""
    step = step_at_login(user)
    if step is None:
        request.session.pop(STEP_SESSION_KEY, None)
        return
    request.session[STEP_SESSION_KEY] = step
    request.session[STEP_SINCE_SESSION_KEY] = timezone.now().isoformat()


def pending_step(request: HttpRequest) -> str | None:
    """The step this session still has to pass (none once passed or when none is needed)."""
    session: SessionBase | None = getattr(request, "session", None)
    if session is None:
        return None
    step: str | None = session.get(STEP_SESSION_KEY)
    return step


def step_expired(request: HttpRequest, now: dt.datetime | None = None) -> bool:
    since = request.session.get(STEP_SINCE_SESSION_KEY)
    if not since:
        return True
    began = dt.datetime.fromisoformat(since)
    limit = dt.timedelta(minutes=settings.KITCLINIC_SECOND_FACTOR_STEP_MINUTES)
    return (now or timezone.now()) - began > limit


def _step_passed(request: HttpRequest, device: Any) -> None:
    otp_login(request, device)
    request.session.pop(STEP_SESSION_KEY, None)
    request.session.pop(STEP_SINCE_SESSION_KEY, None)
    request.session.pop(ENROL_DEVICE_SESSION_KEY, None)
    request.session.cycle_key()  # a new session id once the log-in is complete


# --- the code step -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeResult:
    accepted: bool
    recovery_code_used: bool = False
    recovery_codes_left: int = 0
    wait_seconds: int = 0  # throttled: wrong codes in a row make the next try wait


def _normalized(code: str) -> str:
    return "".join(str(code).split()).replace("-", "").lower()[:32]


def code_verify(request: HttpRequest, user: User, code: str) -> CodeResult:
    """Check ``code`` against the user's authenticator, then their recovery codes. Wrong codes
    are throttled per device (django-otp: 1, 2, 4, 8 ... seconds between tries) and audited."""
    token = _normalized(code)
    now = timezone.now()
    waits: list[int] = []
    with transaction.atomic():
        devices = [
            device
            for device in devices_for_user(user, confirmed=True, for_verify=True)
            if isinstance(device, TOTPDevice | StaticDevice)
        ]
        for device in devices:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                until = (info or {}).get("locked_until")
                waits.append(max(1, int((until - now).total_seconds()) + 1) if until else 1)
                continue
            if token and device.verify_token(token):
                recovery = isinstance(device, StaticDevice)
                left = device.token_set.count() if recovery else 0
                _step_passed(request, device)
                account_event_record(
                    AuditAction.LOGIN,
                    request,
                    user,
                    detail=(
                        f"second factor: recovery code ({left} left)"
                        if recovery
                        else "second factor: authenticator code"
                    ),
                )
                return CodeResult(True, recovery_code_used=recovery, recovery_codes_left=left)
    wait = min(waits) if waits and len(waits) == len(devices) else 0
    account_event_record(
        AuditAction.LOGIN_FAILED,
        request,
        user,
        detail="second factor: too many wrong codes, waiting"
        if wait
        else "second factor: wrong code",
    )
    return CodeResult(False, wait_seconds=wait)


# --- setting up an authenticator ------------------------------------------------------------------


def enrolment_device(request: HttpRequest, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up in this session (made on first use): its
    secret is shown until a code from the app confirms it."""
    device_id = request.session.get(ENROL_DEVICE_SESSION_KEY)
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
        request.session[ENROL_DEVICE_SESSION_KEY] = device.pk
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no script, no image request)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#111")


def secret_text(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _actor(request: HttpRequest, user: User) -> Actor | None:
    membership = (
        StaffMembership.objects.filter(user=user, is_active=True)
        .select_related("clinic__organization")
        .first()
    )
    if membership is None:
        return None
    from kitclinic.accounts.actor import client_address

    return Actor(user=user, membership=membership, client_address=client_address(request))


def _recovery_codes_new(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def enrolment_confirm(request: HttpRequest, user: User, code: str) -> list[str]:
    """Confirm the authenticator being set up with a current code from it: it replaces any
    earlier one, ten new recovery codes replace any earlier ones (returned, shown once), and the
    session counts as verified. A wrong code raises ValidationError on ``code``."""
    with transaction.atomic():
        device = enrolment_device(request, user)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            until = (info or {}).get("locked_until")
            wait = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
            raise ValidationError(
                {"code": [f"Too many wrong codes: wait {wait} seconds, then try again."]}
            )
        if not device.verify_token(_normalized(code)):
            raise ValidationError(
                {"code": ["That code does not match: enter the 6 digits the app shows now."]}
            )
        replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
        had_one = replaced.exists()
        replaced.delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_new(user)
        actor = _actor(request, user)
        detail = "authenticator replaced" if had_one else "authenticator set up"
        if actor is not None:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE if had_one else AuditAction.CREATE,
                obj=user,
                changes={"second_factor": [had_one, True]},
                detail=f"{detail}; {RECOVERY_CODE_COUNT} new recovery codes",
            )
        else:
            account_event_record(AuditAction.UPDATE, request, user, detail=detail)
        _step_passed(request, device)
    return codes


def recovery_codes_renew(request: HttpRequest, actor: Actor) -> list[str]:
    """Ten new recovery codes (the old ones stop working), for a user with an authenticator."""
    if not has_authenticator(actor.user):
        raise ValidationError("Set up an authenticator app first.")
    with transaction.atomic():
        codes = _recovery_codes_new(actor.user)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=actor.user,
            detail=f"{RECOVERY_CODE_COUNT} new recovery codes; the earlier ones stop working",
        )
    return codes


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user).count())


def recovery_codes_running_low(left: int) -> bool:
    """Few enough recovery codes left that the holder should make new ones."""
    return left < RECOVERY_CODES_LOW


# --- reset after a lost device ------------------------------------------------------------------


def _reset(user: User) -> bool:
    had = bool(
        TOTPDevice.objects.filter(user=user).exists()
        or StaticDevice.objects.filter(user=user).exists()
    )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return had


def resettable_staff(actor: Actor) -> list[StaffMembership]:
    """The other staff of the acting clinic, whose second factor its clinic admin may reset."""
    actor.require(Action.SECOND_FACTOR_RESET)
    return list(
        StaffMembership.objects.filter(clinic=actor.clinic, is_active=True)
        .exclude(user=actor.user)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def second_factor_reset(*, actor: Actor, user: User, reason: str) -> None:
    """A clinic admin resets the second factor of a member of staff of their clinic who lost
    their device: the authenticator and recovery codes are removed and, if the user must have
    one, the next log-in sets up a new one. The reason is required and audited."""
    actor.require(Action.SECOND_FACTOR_RESET)
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": ["Give the reason (e.g. phone lost, identity checked)."]})
    if user.pk == actor.user.pk:
        raise ValidationError(
            {"user": ["Your own second factor is replaced from your second-factor page."]}
        )
    if not StaffMembership.objects.filter(user=user, clinic=actor.clinic).exists():
        raise ValidationError({"user": ["Choose a member of staff of this clinic."]})
    with transaction.atomic():
        had = _reset(user)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=user,
            changes={"second_factor": [had, False]},
            detail=f"second factor reset: {text}"[:300],
        )


def second_factor_reset_by_operator(*, user: User, reason: str) -> bool:
    """The same reset from the command line, for when no clinic admin can log in; audited as a
    system action in each of the user's organizations."""
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": ["Give the reason."]})
    organizations = sorted(
        set(
            StaffMembership.objects.filter(user=user).values_list(
                "clinic__organization_id", flat=True
            )
        )
    )
    with transaction.atomic():
        had = _reset(user)
        # A user with no clinic still gets the one event, in no organization.
        targets: list[int | None] = [*organizations] if organizations else [None]
        for organization_id in targets:
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                obj=user,
                organization_id=organization_id,
                changes={"second_factor": [had, False]},
                detail=f"second factor reset from the command line: {text}"[:300],
            )
    return had
