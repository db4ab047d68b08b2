"""Support for the infusion API tests: a walk of a session to any state through the services with
a second physician as the orderer (so that the physician persona may double-check), valid request
bodies per operation, and row counts of every table an infusion API call may write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework.test import APIClient

from kitclinic.accounts.actor import Actor
from kitclinic.infusions.models import InfusionOrder, InfusionSession
from kitclinic.infusions.services import infusion, orders, sessions
from kitclinic.infusions.states import SessionState
from kitclinic.substances.models import SubstanceLogEntry, SubstanceLot
from tests.infusions.helpers import ALDRETE_READY, NORMAL, ORDER, PHQ9, check_in_data
from tests.infusions.helpers import row_counts as infusion_row_counts

PATH = [
    SessionState.CHECKED_IN,
    SessionState.ORDERED,
    SessionState.VERIFIED,
    SessionState.RUNNING,
    SessionState.PAUSED,
    SessionState.RECOVERING,
    SessionState.DISCHARGED,
    SessionState.SIGNED,
]


def row_counts() -> dict[str, int]:
    return {
        **infusion_row_counts(),
        "SubstanceLot": SubstanceLot.objects.count(),
        "SubstanceLogEntry": SubstanceLogEntry.objects.count(),
    }


def walk(world, session: InfusionSession, to: SessionState, orderer: Actor) -> InfusionSession:  # type: ignore[no-untyped-def]
    """``session`` (scheduled) through the services to ``to``; ``orderer`` places the order and
    the nurse does everything else (double check included)."""
    nurse, physician = world.actor("nurse"), world.actor("physician")
    if to == SessionState.SCHEDULED:
        return session
    for state in PATH[: PATH.index(to) + 1]:
        session.refresh_from_db()
        if state == SessionState.CHECKED_IN:
            sessions.session_check_in(actor=nurse, session=session, data=check_in_data())
        elif state == SessionState.ORDERED:
            orders.order_place(actor=orderer, session=session, **ORDER)
        elif state == SessionState.VERIFIED:
            order = InfusionOrder.objects.get(session=session)
            orders.order_double_check(
                actor=nurse,
                session=session,
                rate_ml_per_h=order.rate_ml_per_h,
                vtbi_ml=order.volume_ml,
            )
        elif state == SessionState.RUNNING:
            infusion.infusion_start(actor=nurse, session=session)
        elif state == SessionState.PAUSED and to == SessionState.PAUSED:
            infusion.infusion_pause(actor=nurse, session=session, reason="patient asked")
        elif state == SessionState.RECOVERING:
            infusion.infusion_stop(actor=nurse, session=session)
        elif state == SessionState.DISCHARGED:
            sessions.session_discharge(
                actor=nurse,
                session=session,
                aldrete_answers=ALDRETE_READY,
                escort_present=True,
                instructions_given=True,
            )
        elif state == SessionState.SIGNED:
            sessions.session_sign(actor=physician, session=session)
    session.refresh_from_db()
    assert session.state == to, (session.state, to)
    return session


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


ORDER_BODY = {"dose": "0.5", "duration_min": "40", "concentration_mg_per_ml": "1"}
VITALS_BODY = {"slot_minute": 10, **NORMAL}
DISCHARGE_BODY = {
    "aldrete_answers": ALDRETE_READY,
    "escort_present": True,
    "instructions_given": True,
}


def client_for(world, persona: str) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    if persona != "anonymous":
        client.force_authenticate(world.users[persona])
    return client
