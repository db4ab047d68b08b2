"""Who is acting, in which clinic and role, from where: the input of every access check and audit event."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from kitclinic.accounts.models import Clinic, StaffMembership, User
from kitclinic.accounts.roles import ACTION_DESCRIPTIONS, Action, Role, role_may

ACTIVE_CLINIC_SESSION_KEY = "kitclinic_active_clinic_id"
CLINIC_HEADER = "HTTP_X_KITCLINIC_CLINIC"


@dataclass(frozen=True)
class Actor:
    user: User
    membership: StaffMembership
    client_address: str | None = None
    # All the user's active memberships (for the clinic switcher), when known.
    available: tuple[StaffMembership, ...] = ()

    @property
    def role(self) -> Role:
        return Role(self.membership.role)

    @property
    def clinic(self) -> Clinic:
        return self.membership.clinic

    @property
    def organization_id(self) -> int:
        return self.membership.clinic.organization_id

    def may(self, action: Action) -> bool:
        return role_may(self.role, action)

    def require(self, action: Action) -> None:
        """Raise PermissionDenied (HTTP 403) unless the actor's role may do ``action``."""
        if not self.may(action):
            raise PermissionDenied(
                f"Your role ({self.role.label}) may not: {ACTION_DESCRIPTIONS[action].lower()}."
            )

    def at_clinic(self, clinic_id: int) -> Actor:
        """The same person acting through their role at ``clinic_id``: a clinic-owned object (a
        session, an appointment, a lot, a count, an alert) is acted on with the role held at its
        own clinic, whichever clinic is active, and its audit events carry that clinic. No active
        role there, or a clinic of another organization: PermissionDenied (403), naming the
        clinic only when it is of the actor's organization. Callers look objects up within the
        organization first, so another organization's object is a 404 before this is asked."""
        if clinic_id == self.membership.clinic_id:
            return self
        # An actor built outside a request (a command, a task) knows only its own membership.
        known = self.available or tuple(
            StaffMembership.objects.select_related("clinic", "clinic__organization").filter(
                user=self.user, clinic_id=clinic_id, is_active=True
            )
        )
        membership = next(
            (
                m
                for m in known
                if m.clinic_id == clinic_id and m.clinic.organization_id == self.organization_id
            ),
            None,
        )
        if membership is None:
            clinic = (
                Clinic.objects.filter(pk=clinic_id, organization_id=self.organization_id)
                .only("name")
                .first()
            )
            where = f"at {clinic.name}, the clinic" if clinic is not None else "at the clinic"
            raise PermissionDenied(f"You have no role {where} this belongs to.")
        return replace(self, membership=membership)

    def clinic_ids_where(self, action: Action) -> frozenset[int]:
        """The clinics of the actor's organization where one of their active roles may do
        ``action`` (what a page offers to open or change there)."""
        memberships = self.available or (self.membership,)
        return frozenset(
            m.clinic_id
            for m in memberships
            if m.clinic.organization_id == self.organization_id and role_may(Role(m.role), action)
        )

    def require_at(self, clinic_id: int, action: Action) -> Actor:
        """``at_clinic(clinic_id)`` that may do ``action`` there (else 403): the actor a service
        acts and audits as."""
        actor = self.at_clinic(clinic_id)
        actor.require(action)
        return actor


def forwarded_client_address(
    remote_address: str | None, forwarded_for: str, trusted_proxies: int
) -> str | None:
    """The client's address behind ``trusted_proxies`` reverse proxies, each of which appends the
    address it received the request from to ``X-Forwarded-For``: the entry the outermost trusted
    proxy wrote. Entries further left were written by the client and prove nothing. Without
    proxies, or when the header is too short or not an address, the connection's own address."""
    if trusted_proxies <= 0:
        return remote_address
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        return remote_address
    try:
        return str(ipaddress.ip_address(hops[-trusted_proxies]))
    except ValueError:
        return remote_address


def client_address(request: HttpRequest) -> str | None:
    """The address of the person's device, as the audit trail and the log-in lockout key it
    (``KITCLINIC_TRUSTED_PROXIES``: how many reverse proxies stand in front of the server)."""
    return forwarded_client_address(
        request.META.get("REMOTE_ADDR") or None,
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.KITCLINIC_TRUSTED_PROXIES,
    )


def active_memberships(user: User) -> list[StaffMembership]:
    return list(
        StaffMembership.objects.filter(user=user, is_active=True)
        .select_related("clinic", "clinic__organization")
        .order_by("clinic__organization__name", "clinic__name")
    )


def actor_from_request(request: HttpRequest) -> Actor:
    """The acting membership: the clinic chosen in the session or the X-Kitclinic-Clinic header,
    else the user's only membership. A user with no active role anywhere is refused (403)."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied("Log in first.")
    if not user.is_active:
        # Django's ModelBackend already gives a deactivated user's session no user; this holds
        # even for a request authenticated some other way.
        raise PermissionDenied("This account is deactivated.")
    cached: Actor | None = getattr(request, "_kitclinic_actor", None)
    if cached is not None:
        return cached
    memberships = active_memberships(user)
    if not memberships:
        raise PermissionDenied("You have no role at any clinic.")
    header = request.META.get(CLINIC_HEADER)
    wanted = header or (
        request.session.get(ACTIVE_CLINIC_SESSION_KEY) if hasattr(request, "session") else None
    )
    chosen = memberships[0]
    if wanted is not None:
        matching = [m for m in memberships if str(m.clinic_id) == str(wanted)]
        if matching:
            chosen = matching[0]
        elif header:
            raise PermissionDenied("You have no role at the requested clinic.")
        # A clinic remembered in the session whose role was revoked since: act in a remaining
        # one, or the user could not reach any page (not even the clinic switch) to choose again.
    actor = Actor(
        user=user,
        membership=chosen,
        client_address=client_address(request),
        available=tuple(memberships),
    )
    request._kitclinic_actor = actor  # type: ignore[attr-defined]  # this request's cache, read above
    return actor


def actor_for_username(
    username: str, *, organization_id: int | None = None, clinic_id: int | None = None
) -> Actor | None:
    """The Actor a command acts as (``--username``, with ``--clinic-id`` or an organization): an
    active role of an active user, at that clinic, or else at the organization's first clinic;
    None when there is none (the command says so, naming its arguments)."""
    memberships = StaffMembership.objects.select_related("user", "clinic__organization").filter(
        user__username=username, user__is_active=True, is_active=True
    )
    if organization_id is not None:
        memberships = memberships.filter(clinic__organization_id=organization_id)
    if clinic_id is not None:
        memberships = memberships.filter(clinic_id=clinic_id)
    membership = memberships.order_by("clinic_id").first()
    return None if membership is None else Actor(user=membership.user, membership=membership)
