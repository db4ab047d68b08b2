"""Organizations, their clinic sites, staff users, per-clinic roles and API tokens."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from kitclinic.accounts.roles import ROLE_LABELS, Role
from kitclinic.accounts.token_rules import Scope, token_state


class User(AbstractUser):
    """A staff login. What the user may do comes from StaffMembership, never from this row."""

    display_name = models.CharField(max_length=150, blank=True)
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def invitation_pending(self) -> bool:
        """Invited but no password chosen yet: an invitation makes the account without one and
        only its set-password link gives one."""
        return not self.has_usable_password()


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")
    second_factor_for_all_staff = models.BooleanField(
        default=False,
        db_default=False,  # rows written outside Django (a restore, raw SQL) get it too
        help_text="Every member of staff logs in with a second factor, not only physicians and "
        "clinic admins (who always do).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Clinic(models.Model):
    """A clinic site of an organization."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="clinics")
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, blank=True, help_text="Empty: the server's zone.")
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="clinic_name_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> dt.tzinfo:
        """The clinic's time zone: every time its pages, charts and reports show is in it
        (``clinic_page`` activates it); the server's (``KITCLINIC_TIME_ZONE``) when empty or not
        a known zone name."""
        if self.time_zone:
            try:
                return ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                pass
        return timezone.get_default_timezone()


class StaffMembership(models.Model):
    """One role of one user at one clinic."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=[(r.value, ROLE_LABELS[r]) for r in Role])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_role_per_user_and_clinic")
        ]

    @property
    def organization_id(self) -> int:
        return self.clinic.organization_id

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.clinic}"


class ApiToken(models.Model):
    """An API token of a user: named, scoped, expiring, revocable. Only the SHA-256 of the
    secret is stored (``kitclinic.accounts.token_rules``); the token itself is shown once, when
    it is created. Rows are kept after revocation or expiry so the audit trail can name them."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for.")
    scope = models.CharField(max_length=10, choices=[(s.value, s.label) for s in Scope])
    prefix = models.CharField(max_length=16, help_text="The token's first characters (not secret).")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Empty: created by an operator's command.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoke_reason = models.CharField(max_length=200, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_refused_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_created")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def state(self) -> str:
        """``revoked``, ``expired`` or ``active`` now (``token_rules.token_state``)."""
        return token_state(
            now=timezone.now(), expires_at=self.expires_at, revoked_at=self.revoked_at
        )


class PasswordLink(models.Model):
    """A single-use, expiring link by which a member of staff sets their password: sent when they
    are invited, or when a clinic admin (or they themselves) ask for a reset. Only the SHA-256 of
    the secret is stored; the secret is in the e-mail only. Rows are kept after use, expiry or
    cancellation so the audit trail can name them."""

    class Kind(models.TextChoices):
        INVITE = "invite", "Invitation"
        RESET = "reset", "Password reset"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="password_links")
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The clinic whose setting gave the link its lifetime.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Empty: asked for by the user themselves.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user}"

    @property
    def is_open(self) -> bool:
        return (
            self.used_at is None and self.cancelled_at is None and self.expires_at > timezone.now()
        )


class ClinicSettings(models.Model):
    """A clinic's own values of the settings that are clinic policy. An empty field means the
    deployment's default (the ``KITCLINIC_*`` environment variable); read them only through
    ``kitclinic.accounts.clinic_settings.clinic_settings``. Changes are audited with old and new
    values."""

    clinic = models.OneToOneField(Clinic, on_delete=models.PROTECT, related_name="own_settings")
    crisis_text = models.TextField(blank=True, max_length=600)
    alert_escalation_minutes = models.PositiveIntegerField(null=True, blank=True)
    self_report_link_days = models.PositiveIntegerField(null=True, blank=True)
    kiosk_link_minutes = models.PositiveIntegerField(null=True, blank=True)
    staff_link_hours = models.PositiveIntegerField(null=True, blank=True)
    lab_units = models.JSONField(null=True, blank=True)
    pregnancy_age_min_y = models.PositiveSmallIntegerField(null=True, blank=True)
    pregnancy_age_max_y = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Settings of {self.clinic}"
