"""The pump: start (only after the double check; with a ``lot``, the controlled-substance draw of
the ordered amount is logged in the same transaction), pause, resume, and the rate change under
the one soft-limit rule (the protocol's rate and duration limits, never more than the ordered
volume)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.dosing import DosingMode, Finding, Severity
from kitclinic.dosing.checker import PER_KG_PLACES, check_limits
from kitclinic.dosing.units import format_number
from kitclinic.infusions.delivery import session_delivery, stop_is_complete
from kitclinic.infusions.models import EventKind, InfusionOrder, InfusionSession, SessionEvent
from kitclinic.infusions.services._common import begin_step, field_error, move
from kitclinic.infusions.services.draw import session_draw
from kitclinic.infusions.services.infusion.events import (
    MG,
    current_rate_ml_per_h,
    session_event_record,
    session_order,
)
from kitclinic.infusions.services.overrides import soft_limits_review
from kitclinic.infusions.services.sessions.start import start_gate
from kitclinic.infusions.states import Step
from kitclinic.substances.models import SubstanceLot


@transaction.atomic
def infusion_start(
    *, actor: Actor, session: InfusionSession, lot: SubstanceLot | None = None
) -> SessionEvent:
    """Start the pump at the ordered rate. With ``lot``, the controlled-substance draw of the
    ordered amount is logged against it (``substance_dispense``) in the same transaction."""
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, to = begin_step(session, Step.START)
    order = session_order(session)
    now = timezone.now()
    start_gate(actor=actor, session=session, prescriber_id=order.ordered_by_id, when=now)
    detail: dict[str, Any] = {}
    if lot is not None:
        entry = session_draw(
            actor=actor,
            session=session,
            lot=lot,
            quantity_mg=order.dose_mg,
            reason=f"Drawn for the infusion ({order.dose_mg.normalize():f} mg ordered)",
            now=now,
        )
        detail = {
            "draw_entry_id": entry.pk,
            "lot_id": lot.pk,
            "lot_number": entry.lot.lot_number,
            "drawn_mg": str(entry.quantity_mg.quantize(MG)),
        }
    event = session_event_record(
        actor,
        session,
        EventKind.START,
        rate_ml_per_h=order.rate_ml_per_h,
        detail=detail,
        when=now,
    )
    move(actor=actor, session=session, to=to, extra_fields={"started_at": now})
    return event


@transaction.atomic
def infusion_pause(*, actor: Actor, session: InfusionSession, reason: str) -> SessionEvent:
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, to = begin_step(session, Step.PAUSE)
    if not reason.strip():
        raise field_error("reason", "Give the reason for pausing.")
    event = session_event_record(actor, session, EventKind.PAUSE, reason=reason.strip())
    move(actor=actor, session=session, to=to)
    return event


@transaction.atomic
def infusion_resume(*, actor: Actor, session: InfusionSession, reason: str = "") -> SessionEvent:
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, to = begin_step(session, Step.RESUME)
    rate = current_rate_ml_per_h(session, session_order(session))
    event = session_event_record(
        actor, session, EventKind.RESUME, rate_ml_per_h=rate, reason=reason.strip()
    )
    move(actor=actor, session=session, to=to)
    return event


def rate_finding(order: InfusionOrder, rate_ml_per_h: Decimal) -> Finding:
    """The new rate in mg/kg/h against the protocol's rate limits (dose limits in rate mode)."""
    protocol = order.library_version.library().protocol(order.protocol_id)
    per_kg = (rate_ml_per_h * order.concentration_mg_per_ml / order.weight_kg).quantize(
        Decimal(1).scaleb(-PER_KG_PLACES)
    )
    if protocol.dosing_mode is DosingMode.MG_PER_KG_OVER_DURATION:
        limits = protocol.rate_limits_mg_per_kg_per_h
        assert limits is not None
    else:
        limits = protocol.dose_limits
    return check_limits("rate", "Rate", per_kg, limits, "mg/kg/h", PER_KG_PLACES)


# rate-change finding rule -> the field it is shown on
RATE_CHANGE_FIELDS = {
    "rate": "rate_ml_per_h",
    "duration": "rate_ml_per_h",
    "volume": "rate_ml_per_h",
}


def rate_change_review(
    order: InfusionOrder,
    events: Sequence[SessionEvent],
    rate_ml_per_h: Decimal,
    now: dt.datetime,
) -> tuple[list[Finding], dict[str, Any]]:
    """The findings of a new rate and the plan it implies; writes nothing.

    The pump keeps the order's total: what is left to infuse is the order's VTBI minus what the
    pump delivered so far (replayed from its events). The new rate is checked against the
    protocol's rate limits; the total running time it implies (time run so far + what is left at
    the new rate) against the protocol's duration limits; a rate change once the ordered volume
    is in is refused (stop instead)."""
    protocol = order.library_version.library().protocol(order.protocol_id)
    so_far = session_delivery(order, events, now)
    remaining = max(order.volume_ml - so_far.delivered_ml, Decimal(0))
    findings = [rate_finding(order, rate_ml_per_h)]
    plan: dict[str, Any] = {
        "delivered_ml": str(so_far.delivered_ml),
        "delivered_mg": str(so_far.delivered_mg),
        "remaining_ml": str(remaining),
    }
    if stop_is_complete(so_far.delivered_ml, order.volume_ml) or remaining <= 0:
        findings.append(
            Finding(
                rule="volume",
                code="volume_ordered_given",
                severity=Severity.HARD,
                message=f"The ordered {format_number(order.volume_ml, 2)} mL "
                f"({format_number(so_far.delivered_ml, 3)} mL delivered) is in: the pump must "
                "not deliver more than ordered. Stop the infusion instead.",
                value=so_far.delivered_ml,
                limit=order.volume_ml,
                unit="mL",
            )
        )
        return findings, plan
    rest_min = remaining / rate_ml_per_h * 60
    total_min = (so_far.running_min + rest_min).quantize(Decimal("0.1"))
    findings.append(
        check_limits(
            "duration", "Total infusion time", total_min, protocol.duration_limits_min, "min", 1
        )
    )
    plan |= {
        "projected_total_min": str(total_min),
        "projected_end": (now + dt.timedelta(minutes=float(rest_min))).isoformat(),
    }
    return findings, plan


def parse_rate(value: Decimal | str) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise field_error("rate_ml_per_h", "Give the new rate in mL/h.") from None
    if not rate.is_finite() or rate <= 0:
        raise field_error("rate_ml_per_h", "Give a rate above 0 mL/h (pause or stop instead).")
    if rate != rate.quantize(Decimal("0.01")):
        raise field_error("rate_ml_per_h", "Give the rate to at most 0.01 mL/h.")
    if rate > Decimal("9999.99"):
        raise field_error("rate_ml_per_h", "Give a rate of at most 9999.99 mL/h.")
    return rate


@transaction.atomic
def infusion_rate_change(
    *,
    actor: Actor,
    session: InfusionSession,
    rate_ml_per_h: Decimal | str,
    reason: str,
    override_reasons: Mapping[str, str] | None = None,
    cosigner: User | None = None,
) -> SessionEvent:
    """Change the pump rate under the one soft-limit rule (kitclinic.dosing.overrides): the
    reason for the change is always required; a hard finding (rate or total time beyond a hard
    limit, or the ordered volume already in) refuses it on ``rate_ml_per_h``; each soft finding
    needs a reason (``override_reasons``) and a second clinician co-signs now (``cosigner``).
    The findings, the overrides and the plan (delivered so far, VTBI left, projected end) are
    kept in the event's detail."""
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, _ = begin_step(session, Step.RATE_CHANGE)
    rate = parse_rate(rate_ml_per_h)
    order = session_order(session)
    now = timezone.now()
    events = list(SessionEvent.objects.filter(session=session))
    findings, plan = rate_change_review(order, events, rate, now)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["Give the reason for the rate change."]
    overrides: dict[str, Any] = {}
    try:
        overrides = soft_limits_review(
            actor=actor,
            clinic=session.clinic,
            findings=findings,
            reasons=override_reasons,
            cosigner=cosigner,
            cosign_now=True,
            field_of=RATE_CHANGE_FIELDS,
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    previous = current_rate_ml_per_h(session, order)
    return session_event_record(
        actor,
        session,
        EventKind.RATE_CHANGE,
        rate_ml_per_h=rate,
        reason=reason.strip(),
        detail={
            "from_ml_per_h": str(previous),
            "finding": findings[0].to_dict(),
            "findings": [f.to_dict() for f in findings],
            "overrides": overrides,
            **plan,
        },
        when=now,
    )
