"""What is observed at the bedside: vitals on the schedule (not before a slot is due, at most
once per slot, retries answered from the idempotency key) with the protocol's threshold alerts,
dissociation and sedation scores, and adverse events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from kitclinic import instruments
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.infusions.models import (
    AdverseEvent,
    EventKind,
    InfusionOrder,
    InfusionSession,
    ScoreKind,
    SessionScore,
    VitalSign,
)
from kitclinic.infusions.models.library import approved_library
from kitclinic.infusions.services._common import begin_step, field_error, lock_session
from kitclinic.infusions.services.infusion.events import session_event_record
from kitclinic.infusions.services.sessions.check_in import INDICATION_SCALE
from kitclinic.infusions.states import Step, next_state
from kitclinic.infusions.vitals import Reading, alerts_for, validate_vitals

# MOAA/S (Modified Observer's Assessment of Alertness/Sedation, [moaas-summary]): 0–5, stored as
# the observed level with its end-point wording; the scale is not in kitclinic.instruments.
MOAAS_LEVELS = range(0, 6)
# A vitals slot is minutes from the infusion's start; a booking holds at most 24 h of infusion
# and 24 h of recovery (scheduling.appointment_book), so no slot lies beyond 48 h.
MAX_SLOT_MINUTE = 2 * 24 * 60
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
        session_event_record(
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
    stored: list[int | None]
    if kind == ScoreKind.MOAAS:
        if level is None or isinstance(level, bool) or level not in MOAAS_LEVELS:
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
