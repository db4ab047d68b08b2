"""Fetching a member of staff or a role for a clinic admin: a user with no role in the actor's
organization is a 404 (whether or not they exist), a role that may not manage staff a 403."""

from __future__ import annotations

from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import StaffMembership, User
from kitclinic.accounts.roles import Action


def access_staff_member(actor: Actor, user_id: int) -> User:
    """A member of staff of the actor's organization (any role, active or not, at any of its
    clinics), for a role that manages staff."""
    actor.require(Action.STAFF_MANAGE)
    user = (
        User.objects.filter(pk=user_id, memberships__clinic__organization_id=actor.organization_id)
        .distinct()
        .first()
    )
    if user is None:
        raise Http404("No such member of staff.")
    return user


def access_membership(actor: Actor, membership_id: int) -> StaffMembership:
    """One role of a member of staff of the actor's organization."""
    actor.require(Action.STAFF_MANAGE)
    membership = (
        StaffMembership.objects.select_related("user", "clinic")
        .filter(pk=membership_id, clinic__organization_id=actor.organization_id)
        .first()
    )
    if membership is None:
        raise Http404("No such role.")
    return membership
