"""The esketamine nasal-spray steps of a session (docs/esketamine.md), where they differ from an
infusion's: the fixed-dose order (physician), the blood pressure before dosing (a reading above
the protocol's figures is a soft stop a physician answers with a reason), each device given (the
rest between devices enforced, each device's mg drawn from the controlled-substance log), and the
blood pressure after dosing. Check-in, vitals, scores, adverse events, discharge and sign-off are
the shared services; the discharge asks :func:`nasal_discharge_refusal` first.

Every figure is the protocol's (``kitclinic.dosing.nasal``, [spravato-label]).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.dosing import DoseInputError, Finding, Protocol
from kitclinic.dosing.nasal import (
    check_fixed_dose,
    discharge_possible_at,
    next_device_at,
    post_dose_bp_due_at,
    predose_bp_finding,
)
from kitclinic.infusions.models import (
    BloodPressureMoment,
    CheckIn,
    EventKind,
    InfusionOrder,
    InfusionSession,
    NasalBloodPressure,
    NasalDevice,
)
from kitclinic.infusions.services._common import begin_step, field_error, move
from kitclinic.infusions.services.corrections import effective_check_in
from kitclinic.infusions.services.courses import active_library_version
from kitclinic.infusions.services.draw import session_draw
from kitclinic.infusions.services.infusion.events import session_event_record
from kitclinic.infusions.services.orders import _history
from kitclinic.infusions.services.overrides import soft_limits_review
from kitclinic.infusions.services.sessions.protocol import order_protocol
from kitclinic.infusions.services.sessions.start import start_gate
from kitclinic.infusions.states import SessionState, Step
from kitclinic.infusions.vitals import validate_vitals
from kitclinic.substances.models import SubstanceLot

ZERO = Decimal(0)


def clock(t: dt.datetime) -> str:
    return timezone.localtime(t).strftime("%H:%M")


def _finding_dict(finding: Finding) -> dict[str, object]:
    return finding.to_dict()


# --------------------------------------------------------------------------------------------
# the order


def nasal_order_findings(
    session: InfusionSession, protocol: Protocol, dose_mg: Decimal | str, now: dt.datetime
) -> tuple[list[Finding], int, Decimal]:
    """The fixed-dose check of ``dose_mg`` for ``session`` (and the check-in gate's failures):
    (findings, devices, dose in mg). A dose that is no number is an error on ``dose_mg``."""
    hours, _ = _history(session, now)
    first = not InfusionOrder.objects.filter(
        session__course_id=session.course_id, session__started_at__isnull=False
    ).exists()
    try:
        check = check_fixed_dose(
            protocol, dose_mg=dose_mg, first_of_course=first, hours_since_last=hours
        )
    except DoseInputError as error:
        raise field_error("dose_mg", f"Give the dose in mg as a number: {error}") from None
    gate = effective_check_in(CheckIn.objects.get(session=session)).gate_findings()
    return [*check.findings, *gate], check.devices, check.dose_mg


@transaction.atomic
def nasal_order_place(
    *,
    actor: Actor,
    session: InfusionSession,
    dose_mg: Decimal | str,
    override_reasons: Mapping[str, str] | None = None,
    cosigner: User | None = None,
) -> InfusionOrder:
    """A physician orders one of the protocol's fixed doses. A hard finding (not a fixed dose, a
    course's first session not at the starting dose, too soon after the last session) refuses
    it on ``dose_mg``; each soft finding needs a reason and a second clinician's co-signature
    now (no pump double check follows: the order is ready to give)."""
    actor = actor.require_at(session.clinic_id, Action.ORDER_PLACE)
    session, to = begin_step(session, Step.NASAL_ORDER)
    version = active_library_version(session.patient.organization_id)
    try:
        protocol = version.library().protocol(session.course.protocol_id)
    except KeyError:
        raise ValidationError(
            f"The active library v{version.number} has no protocol {session.course.protocol_id}."
        ) from None
    now = timezone.now()
    findings, devices, dose = nasal_order_findings(session, protocol, dose_mg, now)
    reviewed = soft_limits_review(
        actor=actor,
        clinic=session.clinic,
        findings=findings,
        reasons=override_reasons,
        cosigner=cosigner,
        cosign_now=True,
        field_of={"fixed_dose": "dose_mg", "first_dose": "dose_mg", "dose_mg": "dose_mg"},
    )
    check_in = effective_check_in(CheckIn.objects.get(session=session))
    order = InfusionOrder.objects.create(
        session=session,
        ordered_by=actor.user,
        ordered_at=now,
        library_version=version,
        protocol_id=protocol.id,
        weight_kg=check_in.weight_kg,
        dose=dose,
        dose_unit="mg",
        duration_min=protocol.default_duration_min.value,
        concentration_mg_per_ml=ZERO,
        dose_mg=dose,
        dose_mg_per_kg=ZERO,
        rate_mg_per_h=ZERO,
        rate_ml_per_h=ZERO,
        rate_mg_per_kg_per_h=ZERO,
        volume_ml=ZERO,
        status=str(max((f.severity for f in findings), key=lambda s: s.rank)),
        findings=[_finding_dict(f) for f in findings],
        overrides={code: entry["reason"] for code, entry in reviewed.items()},
        devices=devices,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=order,
        patient=session.patient,
        changes={
            "dose_mg": [None, order.dose_mg],
            "devices": [None, devices],
            "library_version": [None, version.number],
            "overrides": [None, reviewed],
        },
    )
    move(actor=actor, session=session, to=to)
    return order


# --------------------------------------------------------------------------------------------
# blood pressure


def _reading_errors(sbp: int, dbp: int, hr: int, spo2: int) -> dict[str, list[str]]:
    # the shared vitals ranges; the breathing rate is not part of these readings
    errors = validate_vitals(sbp=sbp, dbp=dbp, hr=hr, rr=16, spo2=spo2)
    errors.pop("rr", None)
    return errors


def _bp_create(
    actor: Actor,
    session: InfusionSession,
    moment: BloodPressureMoment,
    reading: dict[str, int],
    finding: Finding | None,
    now: dt.datetime,
) -> NasalBloodPressure:
    row = NasalBloodPressure.objects.create(
        session=session,
        moment=moment,
        taken_at=now,
        recorded_by=actor.user,
        finding={} if finding is None else _finding_dict(finding),
        **reading,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=row,
        patient=session.patient,
        changes={"moment": [None, moment.value], **{k: [None, v] for k, v in reading.items()}},
    )
    return row


@transaction.atomic
def nasal_predose_bp_record(
    *, actor: Actor, session: InfusionSession, sbp: int, dbp: int, hr: int, spo2: int
) -> NasalBloodPressure:
    """The blood pressure before the first device (once). Above the protocol's figures it is a
    soft stop: no device is given until a physician records the reason to go on
    (:func:`nasal_predose_override`)."""
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, _ = begin_step(session, Step.PREDOSE_BP)
    errors = _reading_errors(sbp, dbp, hr, spo2)
    if errors:
        raise ValidationError(errors)
    if NasalBloodPressure.objects.filter(
        session=session, moment=BloodPressureMoment.PREDOSE
    ).exists():
        raise field_error(
            "sbp", "The blood pressure before dosing is already recorded for this session."
        )
    finding = predose_bp_finding(order_protocol(session), sbp_mmhg=sbp, dbp_mmhg=dbp)
    reading = {"sbp": sbp, "dbp": dbp, "hr": hr, "spo2": spo2}
    return _bp_create(actor, session, BloodPressureMoment.PREDOSE, reading, finding, timezone.now())


@transaction.atomic
def nasal_predose_override(
    *, actor: Actor, session: InfusionSession, reason: str
) -> NasalBloodPressure:
    """A physician weighs a raised pressure before dosing against the benefit and records why
    dosing goes ahead."""
    # the physician's call, as the order is
    actor = actor.require_at(session.clinic_id, Action.ORDER_PLACE)
    session, _ = begin_step(session, Step.PREDOSE_BP)
    row = NasalBloodPressure.objects.filter(
        session=session, moment=BloodPressureMoment.PREDOSE
    ).first()
    if row is None or not row.needs_physician:
        raise field_error(
            "reason", "There is no raised blood pressure before dosing waiting for a physician."
        )
    text = (reason or "").strip()
    if not text:
        raise field_error("reason", "Give the reason dosing goes ahead despite the pressure.")
    if len(text) > 300:
        raise field_error("reason", "Keep the reason within 300 characters.")
    row.override_reason = text
    row.override_by = actor.user
    row.save(update_fields=["override_reason", "override_by"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=row,
        patient=session.patient,
        changes={"override_reason": ["", text]},
    )
    return row


@transaction.atomic
def nasal_post_dose_bp_record(
    *, actor: Actor, session: InfusionSession, sbp: int, dbp: int, hr: int, spo2: int
) -> NasalBloodPressure:
    """The blood pressure after dosing, due ``post_dose_bp_at_min`` after the last device (at
    most ``KITCLINIC_VITALS_EARLY_MINUTES`` early, as every vitals slot); the discharge needs
    it."""
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, _ = begin_step(session, Step.POST_DOSE_BP)
    errors = _reading_errors(sbp, dbp, hr, spo2)
    if errors:
        raise ValidationError(errors)
    if NasalBloodPressure.objects.filter(
        session=session, moment=BloodPressureMoment.POST_DOSE
    ).exists():
        raise field_error(
            "sbp",
            "The blood pressure after dosing is already recorded; record later "
            "readings as vital signs.",
        )
    assert session.ended_at is not None  # recovering: the last device was given
    due = post_dose_bp_due_at(order_protocol(session), session.ended_at)
    early = int(settings.KITCLINIC_VITALS_EARLY_MINUTES)
    now = timezone.now()
    if now < due - dt.timedelta(minutes=early):
        raise field_error(
            "sbp",
            f"The blood pressure after dosing is due at {clock(due)} (after the last device at "
            f"{clock(session.ended_at)}); it can be recorded from "
            f"{clock(due - dt.timedelta(minutes=early))}.",
        )
    reading = {"sbp": sbp, "dbp": dbp, "hr": hr, "spo2": spo2}
    return _bp_create(actor, session, BloodPressureMoment.POST_DOSE, reading, None, now)


# --------------------------------------------------------------------------------------------
# the devices


def _device_refusal(
    session: InfusionSession, order: InfusionOrder, protocol: Protocol, now: dt.datetime
) -> str:
    """Why the next device may not be given now ("" when it may)."""
    given = list(NasalDevice.objects.filter(session=session).order_by("number"))
    if not given:
        predose = NasalBloodPressure.objects.filter(
            session=session, moment=BloodPressureMoment.PREDOSE
        ).first()
        if predose is None:
            return "Record the blood pressure before dosing first."
        if predose.needs_physician:
            return (
                f"The blood pressure before dosing ({predose.sbp}/{predose.dbp} mmHg) is above "
                "the protocol's limit: a physician must record the reason to go on first."
            )
        return ""
    ready = next_device_at(protocol, given[-1].given_at)
    if now < ready:
        return (
            f"Device {len(given) + 1} can be given from {clock(ready)}: at least "
            f"{protocol.nasal.device_interval_min.value.normalize():f} min after device "  # type: ignore[union-attr]
            f"{len(given)} at {clock(given[-1].given_at)}."
        )
    return ""


@transaction.atomic
def nasal_device_give(
    *, actor: Actor, session: InfusionSession, lot: SubstanceLot | None = None
) -> NasalDevice:
    """Chart the next device as given now. The first needs the blood pressure before dosing
    (answered by a physician when raised) and passes the start gate; each later one waits the
    protocol's rest after the previous. With ``lot``, the device's mg is drawn from it
    (``session_draw``, the rule an infusion's start follows). The last device ends the dosing:
    the session moves on to recovery."""
    actor = actor.require_at(session.clinic_id, Action.INFUSION_RUN)
    session, to = begin_step(session, Step.DEVICE)
    order = InfusionOrder.objects.select_related("library_version").get(session=session)
    protocol = order.library_version.library().protocol(order.protocol_id)
    assert protocol.nasal is not None and order.devices is not None
    now = timezone.now()
    refusal = _device_refusal(session, order, protocol, now)
    if refusal:
        raise ValidationError(refusal)
    number = NasalDevice.objects.filter(session=session).count() + 1
    first = number == 1
    if first:
        start_gate(actor=actor, session=session, prescriber_id=order.ordered_by_id, when=now)
    per_device = protocol.nasal.mg_per_device.value
    entry_id = None
    if lot is not None:
        entry = session_draw(
            actor=actor,
            session=session,
            lot=lot,
            quantity_mg=per_device,
            reason=f"Nasal-spray device {number} of {order.devices} "
            f"({per_device.normalize():f} mg)",
            now=now,
        )
        entry_id = entry.pk
    device = NasalDevice.objects.create(
        session=session,
        number=number,
        dose_mg=per_device,
        given_at=now,
        recorded_by=actor.user,
        draw_entry_id=entry_id,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=device,
        patient=session.patient,
        changes={"number": [None, number], "dose_mg": [None, per_device]},
    )
    extra: dict[str, object] = {}
    if first:
        session_event_record(actor, session, EventKind.START, when=now, detail={"device": 1})
        extra["started_at"] = now
    if number >= order.devices:
        session_event_record(actor, session, EventKind.STOP, when=now, detail={"devices": number})
        extra.update(ended_at=now, delivered_mg=per_device * number)
        to = SessionState.RECOVERING
    move(actor=actor, session=session, to=to, extra_fields=extra)
    return device


# --------------------------------------------------------------------------------------------
# discharge


def nasal_discharge_refusal(session: InfusionSession, protocol: Protocol, now: dt.datetime) -> str:
    """Why a nasal-spray session may not be discharged now ("" when it may): the label's
    observation after the last device is not over (the time it is), or the blood pressure after
    dosing is missing. Unlike an infusion's shorter clinic-set minimum, neither is overridable."""
    if session.ended_at is None:
        return "The dosing is not finished."
    ready = discharge_possible_at(protocol, session.ended_at)
    if now < ready:
        return (
            f"Not yet: the patient is observed at least "
            f"{protocol.min_observation_min.value.normalize():f} min after the last device "
            f"(given at {clock(session.ended_at)}); discharge is possible from {clock(ready)}."
        )
    if not NasalBloodPressure.objects.filter(
        session=session, moment=BloodPressureMoment.POST_DOSE
    ).exists():
        due = post_dose_bp_due_at(protocol, session.ended_at)
        return f"Record the blood pressure after dosing (due at {clock(due)}) before discharge."
    return ""
