"""The stop (what the pump delivered is stored; an early stop needs its reason) and the
witnessed waste of what was drawn for the session but not given."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.dosing.units import format_number
from kitclinic.infusions.delivery import (
    COMPLETED,
    STOP_REASON_LABELS,
    STOP_REASONS,
    remainder_outstanding_mg,
    session_delivery,
    share_text,
    stop_is_complete,
)
from kitclinic.infusions.models import EventKind, InfusionSession, SessionEvent
from kitclinic.infusions.services._common import begin_step, field_error, move
from kitclinic.infusions.services.infusion.events import MG, session_event_record, session_order
from kitclinic.infusions.states import Step
from kitclinic.substances.models import EntryKind, SubstanceLogEntry
from kitclinic.substances.services.counts import substance_adjust
from kitclinic.substances.services.dispensing import substance_waste


def _waste_remainder(
    actor: Actor, session: InfusionSession, witness: User | None, now: dt.datetime
) -> SubstanceLogEntry | None:
    """Book back and waste, witnessed, what was drawn for the session but not given."""
    draw = (
        SubstanceLogEntry.objects.filter(session=session, kind=EntryKind.DISPENSE)
        .select_related("lot")
        .order_by("occurred_at", "id")
        .first()
    )
    if draw is None:
        raise field_error(
            "waste_witness",
            "No draw was logged at the start of this infusion; record waste on the "
            "controlled-substance log instead.",
        )
    remainder = remainder_outstanding_mg(session)
    if remainder <= 0:
        return None
    given_mg = session.delivered_mg or Decimal(0)
    text = (
        f"{format_number(remainder)} mg of the {format_number(draw.quantity_mg)} mg drawn not "
        f"given (infusion stopped after {format_number(given_mg)} mg)"
    )
    try:
        substance_adjust(
            actor=actor,
            lot=draw.lot,
            change_mg=remainder,
            witness=witness,
            reason=text + "; booked back from the draw and wasted",
            occurred_at=now,
            corrects=draw,
        )
        return substance_waste(
            actor=actor,
            lot=draw.lot,
            quantity_mg=remainder,
            witness=witness,
            reason=text,
            session=session,
            occurred_at=now,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and "witness" in error.error_dict:
            raise field_error("waste_witness", " ".join(error.message_dict["witness"])) from None
        raise


@transaction.atomic
def infusion_stop(
    *,
    actor: Actor,
    session: InfusionSession,
    reason: str = "",
    stop_reason: str = "",
    waste_witness: User | None = None,
) -> SessionEvent:
    """End the infusion; recovery begins. What the pump delivered (replayed from its events) is
    stored on the stop event and the session. When the ordered dose was not delivered (beyond
    the stop tolerance settings), ``stop_reason`` (one of ``STOP_REASONS``) and the free text
    ``reason`` are required. With ``waste_witness``, what was drawn but not given is wasted
    now; otherwise it must be wasted (:func:`remainder_waste`) before sign-off."""
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, to = begin_step(session, Step.STOP)
    order = session_order(session)
    now = timezone.now()
    done = session_delivery(order, SessionEvent.objects.filter(session=session), now)
    complete = stop_is_complete(done.delivered_ml, order.volume_ml)
    code = stop_reason.strip()
    text = reason.strip()
    errors: dict[str, list[str]] = {}
    if code and code not in STOP_REASON_LABELS:
        errors["stop_reason"] = [
            "Choose one of: " + ", ".join(f"{c} ({label})" for c, label in STOP_REASONS) + "."
        ]
    if not complete:
        given = (
            f"{format_number(done.delivered_ml, 2)} mL ({format_number(done.delivered_mg, 2)} "
            f"mg) of the ordered {format_number(order.volume_ml, 2)} mL "
            f"({format_number(order.dose_mg, 2)} mg), "
            f"{share_text(done.delivered_ml, order.volume_ml)}"
        )
        if not code or code == COMPLETED:
            errors.setdefault("stop_reason", []).append(
                f"The ordered dose was not delivered ({given}): choose why the infusion stops "
                "early."
            )
        if not text:
            errors["reason"] = [
                f"The ordered dose was not delivered ({given}): describe why the infusion stops "
                "early."
            ]
    if errors:
        raise ValidationError(errors)
    code = code or COMPLETED
    detail: dict[str, Any] = {
        "stop_reason": code,
        "complete": complete,
        "delivered_ml": str(done.delivered_ml),
        "delivered_mg": str(done.delivered_mg),
        "ordered_ml": str(order.volume_ml),
        "ordered_mg": str(order.dose_mg),
        "running_min": str(done.running_min.quantize(Decimal("0.1"))),
    }
    event = session_event_record(
        actor, session, EventKind.STOP, reason=text, detail=detail, when=now
    )
    move(
        actor=actor,
        session=session,
        to=to,
        extra_fields={
            "ended_at": now,
            "delivered_ml": done.delivered_ml,
            "delivered_mg": done.delivered_mg,
        },
    )
    if waste_witness is not None:
        waste = _waste_remainder(actor, session, waste_witness, now)
        if waste is not None:
            event.detail = {
                **detail,
                "waste_entry_id": waste.pk,
                "wasted_mg": str(waste.quantity_mg.quantize(MG)),
            }
            event.save(update_fields=["detail"])
    return event


@transaction.atomic
def remainder_waste(
    *, actor: Actor, session: InfusionSession, witness: User | None
) -> SessionEvent:
    """After the stop and before sign-off: waste, witnessed, what was drawn for the session but
    not given (booked back against the draw, then wasted); recorded as a session event."""
    actor = actor.require_at(session.clinic_id, Action.SUBSTANCE_DISPENSE)
    session, _ = begin_step(session, Step.WASTE)
    remainder = remainder_outstanding_mg(session)
    if remainder <= 0:
        raise ValidationError(
            "Nothing drawn for this session is left to waste: what was drawn was given or "
            "has been wasted."
        )
    now = timezone.now()
    if witness is None:
        raise field_error("witness", "A witness (a physician or nurse) is required.")
    try:
        waste = _waste_remainder(actor, session, witness, now)
    except ValidationError as error:
        if hasattr(error, "error_dict") and "waste_witness" in error.error_dict:
            raise field_error("witness", " ".join(error.message_dict["waste_witness"])) from None
        raise
    assert waste is not None
    return session_event_record(
        actor,
        session,
        EventKind.WASTE,
        reason=waste.reason,
        detail={
            "waste_entry_id": waste.pk,
            "wasted_mg": str(waste.quantity_mg.quantize(MG)),
            "witness_id": witness.pk,
        },
        when=now,
    )
