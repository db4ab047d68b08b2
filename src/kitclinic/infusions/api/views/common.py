"""Shared pieces of the infusion API handlers: the 409 mapping, input validation and the
schema fragments the operations share."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from kitclinic.accounts.api.base import ApiView
from kitclinic.infusions.api.serializers.fields import ConflictOut
from kitclinic.infusions.api.serializers.records import SessionStateOut
from kitclinic.infusions.models import InfusionSession, SignedRecordError
from kitclinic.infusions.services.infusion.observations import IdempotencyKeyReused, VitalsSlotTaken
from kitclinic.infusions.states import SessionState, StepOutOfOrder
from kitclinic.lib.api.base import ErrorOut

TAG_LIBRARY = "infusions: drug library"
TAG_COURSES = "infusions: courses and booking"
TAG_SESSION = "infusions: session"

NOT_FOUND = {
    404: OpenApiResponse(ErrorOut, description="No such object in your organization."),
}
CONFLICT = {
    409: OpenApiResponse(
        ConflictOut,
        description="Not in the session's current state: a step out of order (the message "
        "says what must come first), a signed session, or a vitals slot already recorded.",
    ),
}
SESSION_ERRORS = {**NOT_FOUND, **CONFLICT}
IDEMPOTENCY_HEADER = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Up to 64 characters, unique per reading (e.g. a UUID from the monitor). A "
    "retry with the same key returns the stored reading with 200 instead of 201.",
)


class StateConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflicts with the record's current state."
    default_code = "conflict"


def _conflict(exc: ValidationError, state: str | None) -> StateConflict:
    body: dict[str, Any] = {"detail": " ".join(exc.messages)}
    if state is not None:
        body["state"] = state
    if hasattr(exc, "error_dict"):
        body["errors"] = exc.message_dict
    return StateConflict(body)


# Maps the services' state refusals to 409; everything else goes through the project's exception
# handler unchanged. No docstring: drf-spectacular would show it on every operation.
class InfusionApiView(ApiView):
    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StepOutOfOrder):
            exc = _conflict(exc, exc.state.value)
        elif isinstance(exc, SignedRecordError):
            exc = _conflict(exc, SessionState.SIGNED.value)
        elif isinstance(exc, VitalsSlotTaken | IdempotencyKeyReused):
            exc = _conflict(exc, None)
        return super().handle_exception(exc)


def created_response(out: Any) -> Response:
    return Response(out, status=status.HTTP_201_CREATED)


def session_state_out(session: InfusionSession) -> dict[str, Any]:
    session.refresh_from_db()
    return SessionStateOut(session).data
