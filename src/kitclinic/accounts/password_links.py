"""Set-password links: single use, expiring, sent by e-mail when a member of staff is invited or
asks (or their clinic admin asks) for a password reset.

The secret is in the e-mail only; the table keeps its SHA-256. A link works once, until its
lifetime (the issuing clinic's ``staff_link_hours``, else ``KITCLINIC_STAFF_LINK_HOURS``) runs out,
and stops at once when a newer link is sent, the invitation is cancelled or the user deactivated.
Using it sets the password through Django's password validators."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, PasswordLink, StaffMembership, User
from kitclinic.accounts.selectors import clinic_settings
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record

# A self-service reset is not sent again while the last one is younger than this (a form sent
# twice, or someone repeating it to flood the mailbox).
SELF_SERVICE_QUIET = dt.timedelta(minutes=5)


class LinkUnavailable(Exception):
    """The link cannot be used; the message says why in plain words."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_url(secret: str) -> str:
    return settings.KITCLINIC_SITE_URL + reverse("password-link", args=[secret])


def open_links_cancel(user: User, now: dt.datetime) -> int:
    """Cancel every open link of ``user`` (inside the caller's transaction)."""
    return PasswordLink.objects.filter(
        user=user, used_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=now
    ).update(cancelled_at=now)


def link_issue(
    *,
    user: User,
    clinic: Clinic,
    kind: str,
    created_by: User | None,
    organization_id: int,
    actor: Actor | None = None,
) -> PasswordLink:
    """Cancel the user's open links, make a new one and e-mail it. Runs inside the caller's
    transaction (if the mail cannot be sent, nothing is kept)."""
    if not user.email:
        raise ValidationError({"email": ["This member of staff has no e-mail address."]})
    now = timezone.now()
    open_links_cancel(user, now)
    hours = clinic_settings(clinic.pk).staff_link_hours
    secret = secrets.token_urlsafe(32)
    link = PasswordLink.objects.create(
        user=user,
        clinic=clinic,
        kind=kind,
        key_hash=_hash(secret),
        created_by=created_by,
        created_at=now,
        expires_at=now + dt.timedelta(hours=hours),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=link,
        organization_id=organization_id,
        changes={"kind": [None, kind], "user": [None, user.pk]},
        detail=f"{link.get_kind_display().lower()} link sent to {user.username}",
    )
    until = timezone.localtime(link.expires_at)
    name = user.get_full_name() or user.username
    if kind == PasswordLink.Kind.INVITE:
        subject = f"Your account at {clinic.name}"
        lead = f"Hello {name},\n\n{clinic.name} has made you an account. Choose your password here:"
    else:
        subject = f"Set a new password for {clinic.name}"
        lead = (
            f"Hello {name},\n\nA new password was asked for your account at {clinic.name}. "
            "Choose it here:"
        )
    try:
        send_mail(
            subject=subject,
            message=(
                f"{lead}\n\n{link_url(secret)}\n\n"
                f"The link works once, until {until:%Y-%m-%d %H:%M}. Your user name is "
                f"{user.username}.\n\nIf you did not expect this e-mail, ignore it: nothing changes "
                "until the link is used.\n"
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    except OSError:
        # smtplib's errors are OSErrors too: the caller's transaction drops the link (and, for
        # an invitation, the account), and the page says so instead of failing
        raise ValidationError(
            {"email": ["The e-mail could not be sent, so nothing was saved. Try again later."]}
        ) from None
    return link


def link_open(secret: str) -> PasswordLink:
    """The link of ``secret`` if it may still be used; else LinkUnavailable saying why."""
    link = (
        PasswordLink.objects.select_related("user", "clinic").filter(key_hash=_hash(secret)).first()
    )
    if link is None:
        raise LinkUnavailable("This link is not valid.")
    if link.used_at is not None:
        raise LinkUnavailable("This link has already been used. A link works only once.")
    if link.cancelled_at is not None:
        raise LinkUnavailable("This link was replaced by a newer one or withdrawn.")
    if link.expires_at <= timezone.now():
        raise LinkUnavailable("This link has expired.")
    if not link.user.is_active:
        raise LinkUnavailable("This account is not active.")
    return link


def link_use(*, secret: str, password: str) -> User:
    """Set the password of the link's user (Django's validators; ValidationError on ``password``
    writes nothing) and spend the link. LinkUnavailable when it cannot be used."""
    with transaction.atomic():
        link = link_open(secret)
        link = PasswordLink.objects.select_for_update().select_related("user").get(pk=link.pk)
        if link.used_at is not None or link.cancelled_at is not None:
            raise LinkUnavailable("This link has already been used. A link works only once.")
        user = link.user
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"new_password1": exc.messages}) from None
        now = timezone.now()
        user.set_password(password)
        user.save(update_fields=["password"])
        link.used_at = now
        link.save(update_fields=["used_at"])
        open_links_cancel(user, now)
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            obj=link,
            organization_id=link.clinic.organization_id,
            changes={"used_at": [None, now]},
            detail=f"{user.username} set their password with a "
            f"{link.get_kind_display().lower()} link",
        )
    return user


def password_reset_request(*, email: str) -> None:
    """Someone who forgot their password gives their e-mail address. If it is the address of
    an active member of staff with a role and a password, a reset link is sent to it; otherwise
    nothing happens. The page says the same either way (it does not tell who has an account)."""
    address = (email or "").strip()
    if not address or "@" not in address:
        raise ValidationError({"email": ["Enter the e-mail address of your account."]})
    user = User.objects.filter(email__iexact=address, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    membership = (
        StaffMembership.objects.select_related("clinic")
        .filter(user=user, is_active=True)
        .order_by("pk")
        .first()
    )
    if membership is None:
        return
    recent = PasswordLink.objects.filter(
        user=user, created_at__gt=timezone.now() - SELF_SERVICE_QUIET
    ).exists()
    if recent:
        return
    with transaction.atomic():
        link_issue(
            user=user,
            clinic=membership.clinic,
            kind=PasswordLink.Kind.RESET,
            created_by=None,
            organization_id=membership.clinic.organization_id,
        )
