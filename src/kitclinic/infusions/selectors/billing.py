"""The billable codes of signed sessions: what was delivered decides them, never what was planned.

An IV ketamine session's codes come from the minutes the pump actually ran (the pump replay,
``kitclinic.dosing.pump``: pauses and the time after the VTBI was in are not counted), in whole
minutes (a part-minute is not counted), through the CPT time rules of
``kitclinic.billing_codes.infusion_codes`` ([cpt-infusion]). An esketamine session's code comes from
the dose given (its order's dose in mg, [hcpcs-esketamine]). Only signed sessions are billed: a
signed record no longer changes, so neither do its codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from kitclinic.billing_codes import BillingCodeError, CodeUnits, esketamine_code, infusion_codes
from kitclinic.infusions.delivery import session_delivery
from kitclinic.infusions.models import InfusionOrder, InfusionSession, SessionEvent
from kitclinic.infusions.states import SessionState


@dataclass(frozen=True)
class BilledSession:
    session: InfusionSession
    date_of_service: dt.datetime  # when the treatment started (the infusion or the spray)
    running_min: int | None  # whole minutes the pump ran (IV only)
    codes: tuple[CodeUnits, ...]


def _order(session: InfusionSession) -> InfusionOrder | None:
    try:
        return session.order
    except InfusionOrder.DoesNotExist:
        return None


def _billed(session: InfusionSession, events: Iterable[SessionEvent]) -> BilledSession:
    if session.state != SessionState.SIGNED:
        raise ValidationError({"session": ["Only a signed session is billed."]})
    order = _order(session)
    started = session.started_at or session.created_at
    if order is None:
        return BilledSession(session, started, None, ())
    if session.course.is_esketamine:
        try:
            code = esketamine_code(order.dose_mg)
        except BillingCodeError as error:
            raise ValidationError({"session": [f"No esketamine code: {error.message}"]}) from None
        return BilledSession(session, started, None, (CodeUnits(code, 1),))
    until = session.ended_at or session.signed_at
    done = session_delivery(order, events, until)
    minutes = int(done.running_min)  # whole minutes: a part-minute is not billed
    codes = infusion_codes(minutes) if minutes > 0 else ()
    return BilledSession(session, done.started_at or started, minutes, codes)


def session_billable_codes(session: InfusionSession) -> BilledSession:
    """The codes of one signed session from its pump events (a ValidationError naming
    ``session`` for one not signed). An infusion that never ran has no codes."""
    return _billed(session, SessionEvent.objects.filter(session=session))


def signed_sessions_billed(
    *, clinic_id: int, patient_id: int, start: dt.datetime, end: dt.datetime
) -> list[BilledSession]:
    """The patient's signed sessions at the clinic that started in [start, end), oldest first,
    each with its codes; three queries however many sessions."""
    sessions = (
        InfusionSession.objects.filter(
            clinic_id=clinic_id,
            patient_id=patient_id,
            state=SessionState.SIGNED,
            started_at__gte=start,
            started_at__lt=end,
        )
        .select_related("order", "course", "signed_by")
        .prefetch_related(Prefetch("events", queryset=SessionEvent.objects.order_by("occurred_at")))
        .order_by("started_at", "id")
    )
    return [_billed(s, s.events.all()) for s in sessions]
