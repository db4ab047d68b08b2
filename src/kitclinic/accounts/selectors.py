"""Reads of accounts: who may take part in a clinical step (the clinicians, physicians and nurses,
of a clinic: a second clinician witnesses controlled-substance waste and co-signs a soft-limit
override), and the settings a clinic runs with (``clinic_settings``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from kitclinic.accounts.models import (
    Clinic,
    ClinicSettings,
    PasswordLink,
    StaffMembership,
    User,
)
from kitclinic.accounts.roles import Action, Role
from kitclinic.intake.pregnancy import PREGNANCY_AGE_Y
from kitclinic.lib.listing import Column, ListPage, ListSpec, list_page

if TYPE_CHECKING:
    from kitclinic.accounts.actor import Actor

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


@dataclass(frozen=True)
class ClinicSettingsValues:
    """The settings a clinic runs with: its own value where its admin set one, else the
    deployment's default (``KITCLINIC_*``). ``own`` names the fields the clinic set itself."""

    crisis_text: str
    alert_escalation_minutes: int
    self_report_link_days: int
    kiosk_link_minutes: int
    staff_link_hours: int
    lab_units: dict[str, str]
    pregnancy_age_y: tuple[int, int]
    own: frozenset[str]


def clinic_settings_defaults() -> ClinicSettingsValues:
    """The deployment's defaults (environment variables; the pregnancy-test age range from
    ``kitclinic.intake.pregnancy``)."""
    return ClinicSettingsValues(
        crisis_text=settings.KITCLINIC_CRISIS_TEXT,
        alert_escalation_minutes=settings.KITCLINIC_ALERT_ESCALATION_MINUTES,
        self_report_link_days=settings.KITCLINIC_SELF_REPORT_LINK_DAYS,
        kiosk_link_minutes=settings.KITCLINIC_KIOSK_LINK_MINUTES,
        staff_link_hours=settings.KITCLINIC_STAFF_LINK_HOURS,
        lab_units=dict(getattr(settings, "KITCLINIC_LAB_UNITS", {}) or {}),
        pregnancy_age_y=PREGNANCY_AGE_Y,
        own=frozenset(),
    )


def clinic_settings(clinic_id: int | None) -> ClinicSettingsValues:
    """The settings of clinic ``clinic_id`` (one query): the one place every page, service, task
    and command reads a per-clinic setting."""
    defaults = clinic_settings_defaults()
    row = ClinicSettings.objects.filter(clinic_id=clinic_id).first() if clinic_id else None
    if row is None:
        return defaults
    own: set[str] = set()

    def pick(name: str, value: Any, default: Any) -> Any:
        if value is None or value == "":
            return default
        own.add(name)
        return value

    low = pick("pregnancy_age_y", row.pregnancy_age_min_y, None)
    high = pick("pregnancy_age_y", row.pregnancy_age_max_y, None)
    age = (low, high) if low is not None and high is not None else defaults.pregnancy_age_y
    return ClinicSettingsValues(
        crisis_text=pick("crisis_text", row.crisis_text, defaults.crisis_text),
        alert_escalation_minutes=pick(
            "alert_escalation_minutes",
            row.alert_escalation_minutes,
            defaults.alert_escalation_minutes,
        ),
        self_report_link_days=pick(
            "self_report_link_days", row.self_report_link_days, defaults.self_report_link_days
        ),
        kiosk_link_minutes=pick(
            "kiosk_link_minutes", row.kiosk_link_minutes, defaults.kiosk_link_minutes
        ),
        staff_link_hours=pick("staff_link_hours", row.staff_link_hours, defaults.staff_link_hours),
        lab_units=dict(pick("lab_units", row.lab_units, defaults.lab_units)),
        pregnancy_age_y=age,
        own=frozenset(own),
    )


STAFF_PAGE_SIZE = 50


@dataclass(frozen=True)
class StaffRow:
    """One member of staff as the staff pages show them."""

    user: User
    memberships: tuple[StaffMembership, ...]  # their roles at the organization's clinics
    status: str  # Active, Invited, Invitation expired, Invitation cancelled, Deactivated
    invitation_until: dt.datetime | None  # the open invitation link's end

    @property
    def invitation_pending(self) -> bool:
        return self.user.invitation_pending


def _staff_row(
    user: User, memberships: list[StaffMembership], links: list[PasswordLink]
) -> StaffRow:
    now = timezone.now()
    open_invites = [
        link
        for link in links
        if link.kind == PasswordLink.Kind.INVITE
        and link.used_at is None
        and link.cancelled_at is None
    ]
    until = max((link.expires_at for link in open_invites), default=None)
    if user.invitation_pending:
        if not user.is_active:
            status = "Invitation cancelled"
        elif until is not None and until > now:
            status = "Invited"
        else:
            status = "Invitation expired"
    else:
        status = "Active" if user.is_active else "Deactivated"
    return StaffRow(
        user=user,
        memberships=tuple(memberships),
        status=status,
        invitation_until=until if until is not None and until > now else None,
    )


def _staff_queryset(organization_id: int) -> QuerySet[User]:
    return (
        User.objects.filter(memberships__clinic__organization_id=organization_id)
        .distinct()
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=StaffMembership.objects.filter(clinic__organization_id=organization_id)
                .select_related("clinic")
                .order_by("clinic__name"),
            ),
            Prefetch(
                "password_links",
                queryset=PasswordLink.objects.filter(kind=PasswordLink.Kind.INVITE),
            ),
        )
        .order_by("last_name", "first_name", "username")
    )


# The staff list's columns (kitclinic.lib.listing): a few hundred rows at most per organization.
STAFF_LIST = ListSpec(
    columns=(
        Column("name", "Name", ("last_name", "first_name", "username")),
        Column("email", "E-mail", ("email",)),
        Column("roles", "Roles"),
        Column("state", "State"),
        # not sortable: "never" (no time) would sort first on one database, last on the other
        Column("last_login", "Last log-in"),
    ),
    default_sort="name",
    page_size=STAFF_PAGE_SIZE,
)


def staff_page(actor: Actor, params: Mapping[str, Any], *, query: str = "") -> ListPage[StaffRow]:
    """A page of the organization's staff (name, e-mail, roles per clinic, state, last log-in)
    as ``params`` ask (``?page=``, ``?sort=``, ``?size=``), in a fixed number of queries;
    ``query`` filters by name, user name or e-mail."""
    actor.require(Action.STAFF_MANAGE)
    users = _staff_queryset(actor.organization_id)
    text = query.strip()
    if text:
        users = users.filter(
            Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(username__icontains=text)
            | Q(email__icontains=text)
        )
    page = list_page(params, users, STAFF_LIST)
    rows = [
        _staff_row(u, list(u.memberships.all()), list(u.password_links.all())) for u in page.rows
    ]
    return dataclasses.replace(page, rows=rows)


def staff_member(actor: Actor, user: User) -> StaffRow:
    """One member of staff (already fetched through ``access_staff_member``)."""
    fetched = _staff_queryset(actor.organization_id).get(pk=user.pk)
    return _staff_row(fetched, list(fetched.memberships.all()), list(fetched.password_links.all()))
