"""Support for the infusion API tests: a walk of a session to any state through the services with
a second physician as the orderer (so that the physician persona may double-check), valid request
bodies per operation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kitclinic.accounts.actor import Actor
from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import ALDRETE_READY, NORMAL, ORDER, PHQ9, advance


def walk(  # type: ignore[no-untyped-def]
    world,
    session: InfusionSession,
    to: SessionState,
    orderer: Actor,
    elapsed_min: float | None = None,
) -> InfusionSession:
    """``session`` (scheduled) through the services to ``to``; ``orderer`` places the order and
    the nurse does everything else (double check included), back-dated as ``advance`` does."""
    if to == SessionState.SCHEDULED:
        return session
    return advance(world, session, to, orderer=orderer, elapsed_min=elapsed_min)


def check_in_body(**overrides: Any) -> dict[str, Any]:
    from django.utils import timezone

    body: dict[str, Any] = {
        "identity_confirmed": True,
        "consent_on_file": True,
        "consent_date": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "fasting_confirmed": True,
        "escort_confirmed": True,
        "escort_name": "Lee Rivera",
        "weight_kg": "70",
        "pregnancy_status": "not_pregnant",
        "rating_answers": PHQ9,
        **NORMAL,
    }
    body.update(overrides)
    return body


ORDER_BODY = ORDER  # the order the service walk places, as the API takes it
VITALS_BODY = {"slot_minute": 10, **NORMAL}
DISCHARGE_BODY = {
    "aldrete_answers": ALDRETE_READY,
    "escort_present": True,
    "instructions_given": True,
}
