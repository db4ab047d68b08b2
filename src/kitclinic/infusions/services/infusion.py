"""Running the infusion: start (only after the double check), pause, resume, rate change
(under the one soft-limit rule: the protocol's rate and duration limits, never more than the
ordered volume), stop (an early stop documented with its reason); vitals on the schedule (not
before a slot is due) with threshold alerts; dissociation and sedation scores; adverse events.

The controlled-substance draw ([kitclinic-workflow]: after the double check, before the pump is set)
is logged at the start: with a ``lot``, the ordered amount is dispensed from it to the session in
the start's transaction. What was drawn but not given (an early stop) must be wasted with a witness
before sign-off, at the stop (``waste_witness``) or later (:func:`remainder_waste`): the part not
given is booked back against the dispense (an adjustment naming it) and recorded as witnessed waste,
so the lot's balance drops by exactly the amount drawn and the session's net dispense is the amount
given. The amount given is the pump replay's (``kitclinic.infusions.delivery``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from kitclinic import instruments
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.dosing import DosingMode, Finding, Severity
from kitclinic.dosing.checker import PER_KG_PLACES, check_limits
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
from kitclinic.infusions.models import (
    AdverseEvent,
    EventKind,
    InfusionOrder,
    InfusionSession,
    ScoreKind,
    SessionEvent,
    SessionScore,
    VitalSign,
)
from kitclinic.infusions.models.library import approved_library
from kitclinic.infusions.services._common import begin_step, field_error, lock_session, move
from kitclinic.infusions.services.overrides import soft_limits_review
from kitclinic.infusions.services.sessions import INDICATION_SCALE, validate_vitals
from kitclinic.infusions.states import Step, next_state
from kitclinic.infusions.vitals import Reading, alerts_for
from kitclinic.substances.models import EntryKind, SubstanceLogEntry, SubstanceLot
from kitclinic.substances.services.counts import substance_adjust
from kitclinic.substances.services.dispensing import substance_dispense, substance_waste

# MOAA/S (Modified Observer's Assessment of Alertness/Sedation, [moaas-summary]): 0–5, stored as
# the observed level with its end-point wording; the scale is not in kitclinic.instruments.
MOAAS_LEVELS = range(0, 6)
# A vitals slot is minutes from the infusion's start; a booking holds at most 24 h of infusion
# and 24 h of recovery (scheduling.appointment_book), so no slot lies beyond 48 h.
MAX_SLOT_MINUTE = 2 * 24 * 60
MG = Decimal("0.001")  # controlled-substance amounts are kept to 0.001 mg
MOAAS_ENDS = {5: "responds readily to name spoken in normal tone", 0: "no response"}


class IdempotencyKeyReused(ValidationError):
    """The key was already used for a different reading of this session; nothing is written."""

    def __init__(self, existing: VitalSign) -> None:
        self.existing = existing
        super().__init__(
            {
                "idempotency_key": [
                    f"This key was already used for the {existing.slot_minute}-min reading "
                    f"(BP {existing.sbp}/{existing.dbp}, HR {existing.hr}, RR {existing.rr}, "
                    f"SpO2 {existing.spo2}); a retry must repeat the same reading."
                ]
            }
        )


def _replay(existing: VitalSign, slot_minute: int, reading: dict[str, int]) -> VitalSign:
    same = existing.slot_minute == slot_minute and all(
        getattr(existing, name) == value for name, value in reading.items()
    )
    if not same:
        raise IdempotencyKeyReused(existing)
    return existing


class VitalsSlotTaken(ValidationError):
    """Another clinician recorded this slot first; their reading is kept, nothing is lost."""

    def __init__(self, existing: VitalSign) -> None:
        self.existing = existing
        who = existing.recorded_by
        when = timezone.localtime(existing.taken_at).strftime("%H:%M")
        super().__init__(
            {
                "slot_minute": [
                    f"The {existing.slot_minute}-min vitals were already recorded by {who} at "
                    f"{when}; nothing was overwritten."
                ]
            }
        )


def _order(session: InfusionSession) -> InfusionOrder:
    return InfusionOrder.objects.select_related("library_version").get(session=session)


def _event(
    actor: Actor,
    session: InfusionSession,
    kind: str,
    *,
    rate_ml_per_h: Decimal | None = None,
    reason: str = "",
    detail: dict | None = None,
    when: dt.datetime | None = None,
) -> SessionEvent:
    event = SessionEvent.objects.create(
        session=session,
        kind=kind,
        occurred_at=when or timezone.now(),
        recorded_by=actor.user,
        rate_ml_per_h=rate_ml_per_h,
        reason=reason[:300],
        detail=detail or {},
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=event,
        patient=session.patient,
        changes={"kind": [None, kind], "rate_ml_per_h": [None, rate_ml_per_h]},
        detail=reason,
    )
    return event


def current_rate_ml_per_h(session: InfusionSession, order: InfusionOrder) -> Decimal:
    last = (
        SessionEvent.objects.filter(session=session, rate_ml_per_h__isnull=False)
        .order_by("-occurred_at", "-id")
        .values_list("rate_ml_per_h", flat=True)
        .first()
    )
    return last if last is not None else order.rate_ml_per_h


def _draw(
    actor: Actor,
    session: InfusionSession,
    order: InfusionOrder,
    lot: SubstanceLot,
    now: dt.datetime,
) -> SubstanceLogEntry:
    """Dispense the ordered amount from ``lot`` to the session; a refusal names the lot field."""
    try:
        return substance_dispense(
            actor=actor,
            lot=lot,
            quantity_mg=order.dose_mg,
            session=session,
            occurred_at=now,
            reason=f"Drawn for the infusion ({order.dose_mg.normalize():f} mg ordered)",
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        messages = [m for ms in error.message_dict.values() for m in ms]
        raise field_error("lot", " ".join(messages)) from None


@transaction.atomic
def infusion_start(
    *, actor: Actor, session: InfusionSession, lot: SubstanceLot | None = None
) -> SessionEvent:
    """Start the pump at the ordered rate. With ``lot``, the controlled-substance draw of the
    ordered amount is logged against it (``substance_dispense``) in the same transaction."""
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, to = begin_step(session, Step.START)
    order = _order(session)
    now = timezone.now()
    detail: dict = {}
    if lot is not None:
        entry = _draw(actor, session, order, lot, now)
        detail = {
            "draw_entry_id": entry.pk,
            "lot_id": lot.pk,
            "lot_number": entry.lot.lot_number,
            "drawn_mg": str(entry.quantity_mg.quantize(MG)),
        }
    event = _event(
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
    event = _event(actor, session, EventKind.PAUSE, reason=reason.strip())
    move(actor=actor, session=session, to=to)
    return event


@transaction.atomic
def infusion_resume(*, actor: Actor, session: InfusionSession, reason: str = "") -> SessionEvent:
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, to = begin_step(session, Step.RESUME)
    rate = current_rate_ml_per_h(session, _order(session))
    event = _event(actor, session, EventKind.RESUME, rate_ml_per_h=rate, reason=reason.strip())
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
    order = _order(session)
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
    return _event(
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
    order = _order(session)
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
    event = _event(actor, session, EventKind.STOP, reason=text, detail=detail, when=now)
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
    return _event(
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


def _before_due(session: InfusionSession, slot_minute: int, when: dt.datetime) -> str:
    """Why a reading taken at ``when`` is too early for its slot ("" when it is not): a slot is
    due ``slot_minute`` minutes after the infusion's start and may be recorded at most
    ``KITCLINIC_VITALS_EARLY_MINUTES`` before that."""
    if session.started_at is None:
        return ""
    due = session.started_at + dt.timedelta(minutes=slot_minute)
    early = int(settings.KITCLINIC_VITALS_EARLY_MINUTES)
    opens = due - dt.timedelta(minutes=early)
    if when >= opens:
        return ""

    def clock(t: dt.datetime) -> str:
        return timezone.localtime(t).strftime("%H:%M")

    return (
        f"The {slot_minute}-min vitals are due at {clock(due)} ({slot_minute} min after the "
        f"start at {clock(session.started_at)}); they can be recorded from {clock(opens)} "
        f"({early} min early at most), not at {clock(when)}."
    )


@transaction.atomic
def vitals_record(
    *,
    actor: Actor,
    session: InfusionSession,
    slot_minute: int,
    sbp: int,
    dbp: int,
    hr: int,
    rr: int,
    spo2: int,
    taken_at: dt.datetime | None = None,
    idempotency_key: str | None = None,
) -> tuple[VitalSign, bool]:
    """Record the vitals of one slot (minutes from the start). Returns (reading, created): a retry
    with the same idempotency key returns the first reading (the key reused for another reading
    raises IdempotencyKeyReused); a slot already recorded raises VitalsSlotTaken naming who and
    when. Threshold alerts are recorded as events."""
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    key = (idempotency_key or "").strip()[:64] or None
    values = {"sbp": sbp, "dbp": dbp, "hr": hr, "rr": rr, "spo2": spo2}
    slot_valid = not isinstance(slot_minute, bool) and isinstance(slot_minute, int)
    slot_valid = slot_valid and 0 < slot_minute <= MAX_SLOT_MINUTE
    # Under the session lock, one query finds what the checks below need: a reading stored
    # with this key (a retry: returned as it is, in any state), the slot's reading (taken) and
    # the baseline (slot 0).
    session = lock_session(session)
    wanted = Q(slot_minute__in=[0, slot_minute] if slot_valid else [0])
    if key is not None:
        wanted |= Q(idempotency_key=key)
    found = list(VitalSign.objects.filter(wanted, session=session))
    if key is not None:
        existing = next((v for v in found if v.idempotency_key == key), None)
        if existing is not None:
            return _replay(existing, slot_minute, values), False
    next_state(Step.VITALS, session.state)
    errors = validate_vitals(sbp=sbp, dbp=dbp, hr=hr, rr=rr, spo2=spo2)
    if not slot_valid:
        errors["slot_minute"] = [f"Choose the slot (minutes from the start, 1–{MAX_SLOT_MINUTE})."]
    now = timezone.now()
    if taken_at is not None and taken_at > now + dt.timedelta(minutes=1):
        errors["taken_at"] = ["The time taken cannot be in the future."]
    if slot_valid and "taken_at" not in errors:
        early = _before_due(session, slot_minute, taken_at or now)
        if early:
            errors["slot_minute"] = [early]
    if errors:
        raise ValidationError(errors)
    taken = next((v for v in found if v.slot_minute == slot_minute), None)
    if taken is not None:
        raise VitalsSlotTaken(taken)
    # The order's version and protocol only: the parsed library of an approved version is
    # cached per process (DrugLibraryVersion.library), its JSON is not read again.
    version_id, version_created_at, protocol_id = (
        InfusionOrder.objects.filter(session=session)
        .values_list("library_version_id", "library_version__created_at", "protocol_id")
        .get()
    )
    protocol = approved_library(version_id, version_created_at).protocol(protocol_id)
    base = next((v for v in found if v.slot_minute == 0), None)
    baseline = (
        Reading(sbp=base.sbp, dbp=base.dbp, hr=base.hr, rr=base.rr, spo2=base.spo2)
        if base
        else None
    )
    reading = Reading(sbp=sbp, dbp=dbp, hr=hr, rr=rr, spo2=spo2)
    alerts = alerts_for(protocol, reading, baseline)
    try:
        with transaction.atomic():
            vital = VitalSign.objects.create(
                session=session,
                slot_minute=slot_minute,
                taken_at=taken_at or now,
                recorded_by=actor.user,
                idempotency_key=key,
                alerts=alerts,
                **reading.as_fields(),
            )
    except IntegrityError:
        winner = (
            VitalSign.objects.select_related("recorded_by")
            .filter(session=session, slot_minute=slot_minute)
            .first()
        )
        if winner is None and key is not None:
            same = VitalSign.objects.filter(session=session, idempotency_key=key).first()
            if same is not None:
                return _replay(same, slot_minute, values), False
        if winner is None:
            raise
        raise VitalsSlotTaken(winner) from None
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=vital,
        patient=session.patient,
        changes={
            "slot_minute": [None, slot_minute],
            **{k: [None, v] for k, v in reading.as_fields().items()},
        },
    )
    for alert in alerts:
        _event(
            actor,
            session,
            EventKind.ALERT,
            reason=alert["message"],
            detail={**alert, "vitals_id": vital.pk, "slot_minute": slot_minute},
            when=vital.taken_at,
        )
    return vital, True


@transaction.atomic
def score_record(
    *,
    actor: Actor,
    session: InfusionSession,
    kind: str,
    answers: Sequence[int | None] | None = None,
    level: int | None = None,
) -> SessionScore:
    """CADSS (23 items, kitclinic.instruments), MOAA/S (observed level 0–5) or the post-infusion
    rating on the indication's scale."""
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, _ = begin_step(session, Step.SCORE)
    flags: list[str] = []
    if kind == ScoreKind.MOAAS:
        if isinstance(level, bool) or level not in MOAAS_LEVELS:
            raise field_error("level", "MOAA/S is a level from 0 (no response) to 5 (alert).")
        instrument, stored, total = "moaas", [level], Decimal(level)
        label = f"MOAA/S {level}" + (f" ({MOAAS_ENDS[level]})" if level in MOAAS_ENDS else "")
    elif kind in (ScoreKind.CADSS, ScoreKind.POST_RATING):
        instrument = (
            "cadss" if kind == ScoreKind.CADSS else INDICATION_SCALE[session.course.indication]
        )
        try:
            result = instruments.score(instrument, list(answers or []))
        except instruments.InstrumentError as error:
            raise field_error("answers", f"{instrument.upper()}: {error}") from None
        stored, total, flags = list(result.answers), Decimal(str(result.total)), list(result.flags)
        label = f"{instrument.upper()} {result.total}/{result.max}" + (
            f" ({result.severity_label})" if result.severity_label else ""
        )
    else:
        raise field_error("kind", f"Unknown score kind {kind!r}.")
    assessment = None
    if kind == ScoreKind.POST_RATING:
        assessment = assessment_record(
            actor=actor,
            patient=session.patient,
            instrument=instrument,
            answers=stored,
            administered_at=timezone.now(),
        )
    score = SessionScore.objects.create(
        session=session,
        kind=kind,
        instrument=instrument,
        answers=stored,
        total=total,
        label=label,
        flags=flags,
        taken_at=timezone.now(),
        recorded_by=actor.user,
        assessment=assessment,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=score,
        patient=session.patient,
        changes={"kind": [None, kind], "total": [None, total]},
    )
    return score


@transaction.atomic
def adverse_event_record(
    *,
    actor: Actor,
    session: InfusionSession,
    description: str,
    severity: str,
    action_taken: str,
    rescue_medication: str = "",
    rescue_dose: str = "",
    occurred_at: dt.datetime | None = None,
) -> AdverseEvent:
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, _ = begin_step(session, Step.ADVERSE_EVENT)
    errors: dict[str, list[str]] = {}
    if not description.strip():
        errors["description"] = ["Describe the event."]
    if severity not in dict(AdverseEvent.SEVERITIES):
        errors["severity"] = ["Choose mild, moderate or severe."]
    if not action_taken.strip():
        errors["action_taken"] = ["Say what was done (e.g. infusion paused, observed)."]
    if rescue_medication.strip() and not rescue_dose.strip():
        errors["rescue_dose"] = ["Give the rescue medication's dose and route."]
    if occurred_at is not None and occurred_at > timezone.now() + dt.timedelta(minutes=1):
        errors["occurred_at"] = ["The time of the event cannot be in the future."]
    if errors:
        raise ValidationError(errors)
    event = AdverseEvent.objects.create(
        session=session,
        occurred_at=occurred_at or timezone.now(),
        recorded_by=actor.user,
        description=description.strip()[:300],
        severity=severity,
        action_taken=action_taken.strip()[:300],
        rescue_medication=rescue_medication.strip()[:120],
        rescue_dose=rescue_dose.strip()[:60],
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=event,
        patient=session.patient,
        changes={"description": [None, event.description], "severity": [None, severity]},
    )
    return event
