from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from kitclinic.accounts.actor import actor_from_request
from kitclinic.accounts.roles import Action
from kitclinic.accounts.second_factor import pending_step


def memberships(request: HttpRequest) -> dict[str, Any]:
    """The acting clinic and role, and what the navigation may offer (nothing when anonymous)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    if pending_step(request) is not None:
        return {"actor": None}  # the log-in is not complete: no navigation yet
    try:
        actor = actor_from_request(request)
    except PermissionDenied:
        return {"actor": None}
    return {
        "actor": actor,
        "clinic_choices": actor.available,
        "nav": {
            "register": actor.may(Action.PATIENT_REGISTER),
            "audit": actor.may(Action.AUDIT_VIEW),
            "administration": actor.may(Action.STAFF_MANAGE),
        },
    }
