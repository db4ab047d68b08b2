"""Organizations, their clinic sites, staff users and per-clinic roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from kitclinic.accounts.roles import ROLE_LABELS, Role


class User(AbstractUser):
    """A staff login. What the user may do comes from StaffMembership, never from this row."""

    display_name = models.CharField(max_length=150, blank=True)
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")
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
