"""Who may take part in a clinical step: the clinicians (physicians and nurses) of a clinic.

A second clinician is needed to witness controlled-substance waste and to co-sign a soft-limit
override; both choose from the same people."""

from __future__ import annotations

from django.db.models import QuerySet

from kitclinic.accounts.models import Clinic, User
from kitclinic.accounts.roles import Role

CLINICIAN_ROLES = frozenset({Role.PHYSICIAN, Role.NURSE})


def clinicians(clinic: Clinic, *, exclude: User | None = None) -> QuerySet[User]:
    """Active users with an active physician or nurse role at ``clinic`` (other than ``exclude``)."""
    qs = User.objects.filter(
        memberships__clinic=clinic,
        memberships__is_active=True,
        memberships__role__in=[r.value for r in CLINICIAN_ROLES],
        is_active=True,
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.distinct().order_by("last_name", "first_name", "username")
