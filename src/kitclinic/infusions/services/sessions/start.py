"""The gate every session passes when treatment starts (the IV pump's start, a nasal-spray
session's first device): one function, so a check every start needs is added here once."""

from __future__ import annotations

import datetime as dt

from kitclinic.accounts.actor import Actor
from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.services.rems_form import esketamine_gate


def start_gate(
    *, actor: Actor, session: InfusionSession, prescriber_id: int | None, when: dt.datetime
) -> None:
    """Raise a ValidationError if ``session`` may not start now (``prescriber_id``: the
    order's physician). The locked session is given, inside the start's transaction; nothing is
    written here. The REMS hard stop again on the day itself: an enrolment may have ended since
    the booking."""
    del actor
    esketamine_gate(
        course=session.course,
        clinic_id=session.clinic_id,
        patient_id=session.patient_id,
        prescriber_id=prescriber_id,
        when=when,
        zone=session.clinic.zone,
    )
