"""The session's bedside steps that are not the pump: check-in, discharge, sign-off, addenda."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic import instruments
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.consent.selectors import consent_status
from kitclinic.dosing import Finding, Protocol, Severity
from kitclinic.dosing.units import format_number
from kitclinic.infusions.delivery import remainder_outstanding_mg
from kitclinic.infusions.models import (
    Addendum,
    CheckIn,
    Discharge,
    InfusionOrder,
    InfusionSession,
    PregnancyStatus,
    VitalSign,
)
from kitclinic.infusions.services._common import begin_step, field_error, move
from kitclinic.infusions.services.courses import course_start_if_planned
from kitclinic.infusions.services.overrides import soft_limits_review
from kitclinic.infusions.services.weights import (
    last_accepted_weight_kg,
    parse_weight_kg,
    weight_review,
)
from kitclinic.infusions.states import Step
from kitclinic.infusions.vitals import Reading, absolute_alerts
from kitclinic.patients.models import Patient

# The rating scale recorded before and after a session, per indication ([kitclinic-workflow],
# intake: PHQ-9, GAD-7, PCL-5 or a pain scale per indication; [kitclinic-workflow]).
INDICATION_SCALE = {"depression": "phq9", "ptsd": "pcl5", "anxiety": "gad7", "chronic_pain": "peg"}
# Pregnancy status is required for patients of these sexes at birth within this age range.
PREGNANCY_SEXES = ("female", "intersex")
PREGNANCY_AGE_Y = (12, 55)
CONSENT_WHERE = " Record the consent (patient chart → Record consent) before checking in."


def age_years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def pregnancy_status_required(patient: Patient, on: dt.date) -> bool:
    low, high = PREGNANCY_AGE_Y
    return (
        patient.sex_at_birth in PREGNANCY_SEXES
        and low <= age_years(patient.date_of_birth, on) <= high
    )


def session_protocol(session: InfusionSession) -> Protocol:
    """The course's protocol in the course's library version (used before an order exists)."""
    return session.course.library_version.library().protocol(session.course.protocol_id)


def previous_weight_kg(session: InfusionSession) -> Decimal | None:
    """The patient's last *accepted* weight from another check-in (any course): a weight that
    needed an override is not one until confirmed (kitclinic.infusions.services.weights)."""
    return last_accepted_weight_kg(session)


def pregnancy_status_errors(status: str, required: bool) -> dict[str, list[str]]:
    if status not in PregnancyStatus.values:
        return {"pregnancy_status": ["Choose a pregnancy status."]}
    if required and status == PregnancyStatus.NOT_APPLICABLE:
        return {
            "pregnancy_status": [
                "Required for this patient (sex at birth female or intersex, age 12–55)."
            ]
        }
    return {}


def pregnancy_gate(status: str, required: bool) -> list[dict[str, str]]:
    """The check-in gate's pregnancy item: pregnant or unknown, where the status is required."""
    if required and status in (PregnancyStatus.PREGNANT, PregnancyStatus.UNKNOWN):
        return [
            {
                "code": "pregnancy",
                "message": "Pregnancy is a relative contraindication (Cohen 2018 [cohen-2018]) and the "
                f"status is {status}: a physician must review before ordering.",
            }
        ]
    return []


@dataclass(frozen=True)
class CheckInData:
    identity_confirmed: bool
    consent_on_file: bool
    fasting_confirmed: bool
    escort_confirmed: bool
    weight_kg: Decimal | str | int
    sbp: int
    dbp: int
    hr: int
    rr: int
    spo2: int
    rating_answers: Sequence[int | None]
    pregnancy_status: str = PregnancyStatus.NOT_APPLICABLE
    weight_method: str = "measured"
    escort_name: str = ""
    # no longer read: the date is taken from the recorded consent (kept for older API clients)
    consent_date: dt.date | None = None
    # a soft weight finding (a change above the protocol's limit: re-weigh first) is answered
    # the one way: a reason per finding code and a second clinician who co-signs now
    override_reasons: Mapping[str, str] = field(default_factory=dict)
    cosigner: User | None = None


# What a vitals field accepts as input: wide bounds that catch a typing error, a unit mix-up or an
# integer past its column's range (SBP 32768 was a server error), never clinical thresholds (the
# protocol's thresholds raise the alerts; docs/infusions.md, "Vitals input").
VITALS_INPUT_RANGE = {
    "sbp": (1, 400),
    "dbp": (1, 300),
    "hr": (1, 350),
    "rr": (1, 120),
    "spo2": (1, 100),
}
VITALS_LABELS = {
    "sbp": "SBP (mmHg)",
    "dbp": "DBP (mmHg)",
    "hr": "HR (/min)",
    "rr": "RR (/min)",
    "spo2": "SpO2 (%)",
}


def validate_vitals(*, sbp: int, dbp: int, hr: int, rr: int, spo2: int) -> dict[str, list[str]]:
    """Field errors of one set of vitals (check-in, the vitals slots; pages and API alike)."""
    errors: dict[str, list[str]] = {}
    for name, value in (("sbp", sbp), ("dbp", dbp), ("hr", hr), ("rr", rr), ("spo2", spo2)):
        low, high = VITALS_INPUT_RANGE[name]
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = [f"Give {VITALS_LABELS[name]} as a whole number ({low}–{high})."]
        elif not low <= value <= high:
            errors[name] = [
                f"{VITALS_LABELS[name]} {value} is outside what can be entered ({low}–{high}): "
                "check the reading."
            ]
    if "sbp" not in errors and "dbp" not in errors and dbp >= sbp:
        errors["dbp"] = [f"Diastolic {dbp} must be below systolic {sbp}."]
    return errors


@transaction.atomic
def session_check_in(*, actor: Actor, session: InfusionSession, data: CheckInData) -> CheckIn:
    """Check the patient in: confirmations, the recorded consent to the current information
    sheet, today's measured weight (kg) judged against the patient's accepted weights, pregnancy
    status where relevant, pre-infusion vitals (slot 0, the baseline) gated by the protocol's
    thresholds, and the pre-infusion rating.

    A weight change above the protocol's limit is a soft finding here (re-weigh, then a reason
    and a second clinician's co-signature); such a weight is not a reference for later weights.
    A gate failure is recorded; the order answers it as a soft finding (a reason, co-signed at
    the double check)."""
    actor = actor.require_at(session.clinic_id, Action.SESSION_CHECK_IN)
    session, to = begin_step(session, Step.CHECK_IN)
    protocol = session_protocol(session)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    for name, label in (
        ("identity_confirmed", "Confirm the patient's identity."),
        ("consent_on_file", "Confirm the signed consent is on file."),
        ("fasting_confirmed", "Confirm fasting as instructed."),
        ("escort_confirmed", "Confirm a responsible adult will take the patient home."),
    ):
        if getattr(data, name) is not True:
            errors[name] = [label]
    consent = consent_status(
        session.patient_id, session.patient.organization_id, session.course.indication
    )
    if not consent.ok:
        errors["consent"] = [consent.problem + CONSENT_WHERE]
    if data.weight_method != "measured":
        errors["weight_method"] = [
            "Only a weight measured today may be used for dosing (a stated weight is refused)."
        ]
    errors.update(
        validate_vitals(sbp=data.sbp, dbp=data.dbp, hr=data.hr, rr=data.rr, spo2=data.spo2)
    )
    required = pregnancy_status_required(session.patient, today)
    errors.update(pregnancy_status_errors(data.pregnancy_status, required))
    instrument = INDICATION_SCALE[session.course.indication]
    rating = None
    try:
        rating = instruments.score(instrument, list(data.rating_answers))
    except instruments.InstrumentError as error:
        errors["rating_answers"] = [f"{instrument.upper()}: {error}"]
    review = None
    try:
        review = weight_review(
            actor=actor,
            session=session,
            protocol=protocol,
            weight=parse_weight_kg(data.weight_kg),
            reasons=data.override_reasons,
            cosigner=data.cosigner,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    assert review is not None and rating is not None and consent.consent is not None
    baseline = Reading(sbp=data.sbp, dbp=data.dbp, hr=data.hr, rr=data.rr, spo2=data.spo2)
    gate: list[dict[str, Any]] = [
        {"code": a["code"], "message": a["message"]} for a in absolute_alerts(protocol, baseline)
    ]
    gate += pregnancy_gate(data.pregnancy_status, required)
    now = timezone.now()
    # the rating also goes into the measurement-based-care record (scored there; item-9 alerts)
    assessment = assessment_record(
        actor=actor,
        patient=session.patient,
        instrument=instrument,
        answers=list(data.rating_answers),
        administered_at=now,
    )
    check_in = CheckIn.objects.create(
        session=session,
        checked_in_by=actor.user,
        checked_in_at=now,
        identity_confirmed=True,
        consent_on_file=True,
        consent_date=timezone.localdate(consent.consent.signed_at),
        consent=consent.consent,
        fasting_confirmed=True,
        escort_confirmed=True,
        escort_name=data.escort_name.strip()[:150],
        weight_kg=review.weight_kg,
        weight_method="measured",
        previous_weight_kg=review.previous_weight_kg,
        weight_is_reference=review.is_reference,
        weight_overrides=review.overrides,
        pregnancy_status=data.pregnancy_status,
        gate_failures=gate,
        pre_rating_instrument=instrument,
        pre_rating_answers=list(rating.answers),
        pre_rating_total=Decimal(str(rating.total)),
        pre_rating_severity=rating.severity_label or rating.severity or "",
        pre_rating_flags=list(rating.flags),
        pre_assessment=assessment,
    )
    VitalSign.objects.create(
        session=session,
        slot_minute=0,
        taken_at=now,
        recorded_by=actor.user,
        alerts=gate,
        **baseline.as_fields(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=check_in,
        patient=session.patient,
        changes={
            "weight_kg": [None, review.weight_kg],
            "weight_is_reference": [None, review.is_reference],
            "weight_overrides": [None, review.overrides],
            "consent": [None, f"{consent.consent.sheet_version} (consent {consent.consent.pk})"],
            "pregnancy_status": [None, data.pregnancy_status],
            "gate_failures": [None, [g["code"] for g in gate]],
            "pre_rating": [None, f"{instrument} {rating.total}"],
        },
        detail="; ".join(f"{code}: {o['reason']}" for code, o in review.overrides.items()),
    )
    move(actor=actor, session=session, to=to)
    course_start_if_planned(actor, session.course)
    return check_in


def observation_finding(
    session: InfusionSession, protocol: Protocol, now: dt.datetime
) -> Finding | None:
    """The protocol's minimum observation after the infusion ended, not yet over (soft)."""
    if session.ended_at is None:
        return None
    minimum = protocol.min_observation_min
    observed = Decimal((now - session.ended_at).total_seconds()) / 60
    if observed >= minimum.value:
        return None
    ready_at = session.ended_at + dt.timedelta(minutes=float(minimum.value))

    def clock(t: dt.datetime) -> str:
        return timezone.localtime(t).strftime("%H:%M")

    return Finding(
        rule="observation",
        code="discharge_observation_short",
        severity=Severity.SOFT,
        message=f"Observed {format_number(max(observed, Decimal(0)), 0)} min since the infusion "
        f"ended at {clock(session.ended_at)}; the protocol asks for at least "
        f"{format_number(minimum.value, 0)} min (discharge from {clock(ready_at)}).",
        value=observed.quantize(Decimal("0.1")),
        limit=minimum.value,
        unit="min",
        source=minimum.source.label,
    )


def discharge_findings(
    session: InfusionSession,
    protocol: Protocol,
    *,
    aldrete: instruments.ScoreResult | None,
    escort_present: bool,
    instructions_given: bool,
    now: dt.datetime,
) -> list[Finding]:
    """The discharge criteria not met, each a soft finding (kitclinic.dosing.overrides): the
    modified Aldrete (≥ 9 with SpO2 >92% on room air, [aldrete-discharge]), the escort, the
    instructions and the protocol's minimum observation after the infusion ended."""
    findings: list[Finding] = []
    if aldrete is not None and "discharge_ready" not in aldrete.flags:
        findings.append(
            Finding(
                rule="aldrete",
                code="discharge_aldrete_not_met",
                severity=Severity.SOFT,
                message=f"Modified Aldrete {aldrete.total}/10 does not meet the discharge "
                "criterion (≥ 9 with SpO2 >92% on room air).",
                value=Decimal(str(aldrete.total)),
                limit=Decimal(9),
                source="[aldrete-discharge] scored discharge",
            )
        )
    if not escort_present:
        findings.append(
            Finding("escort", "discharge_no_escort", Severity.SOFT, "No escort present.")
        )
    if not instructions_given:
        findings.append(
            Finding(
                "instructions",
                "discharge_no_instructions",
                Severity.SOFT,
                "Discharge instructions not given.",
            )
        )
    observation = observation_finding(session, protocol, now)
    if observation is not None:
        findings.append(observation)
    return findings


def discharge_preview(
    session: InfusionSession,
    *,
    aldrete_answers: Sequence[int | None] | None,
    escort_present: bool,
    instructions_given: bool,
) -> list[Finding]:
    """The discharge findings the given answers would meet now (writes nothing); unscorable
    answers leave the Aldrete criterion out (the discharge itself names the error)."""
    aldrete = None
    if aldrete_answers is not None:
        try:
            aldrete = instruments.score("aldrete", list(aldrete_answers))
        except instruments.InstrumentError:
            aldrete = None
    return discharge_findings(
        session,
        order_protocol(session),
        aldrete=aldrete,
        escort_present=escort_present,
        instructions_given=instructions_given,
        now=timezone.now(),
    )


@transaction.atomic
def session_discharge(
    *,
    actor: Actor,
    session: InfusionSession,
    aldrete_answers: Sequence[int | None],
    escort_present: bool,
    instructions_given: bool,
    override_reasons: Mapping[str, str] | None = None,
    cosigner: User | None = None,
) -> Discharge:
    """Discharge when the criteria are met (:func:`discharge_findings`). A criterion not met is
    a soft finding under the one rule: only a physician may override, with a reason for each
    (``override_reasons``) and a second clinician's co-signature now (``cosigner``)."""
    actor = actor.require_at(session.clinic_id, Action.DISCHARGE)
    session, to = begin_step(session, Step.DISCHARGE)
    try:
        result = instruments.score("aldrete", list(aldrete_answers))
    except instruments.InstrumentError as error:
        raise field_error("aldrete_answers", f"Modified Aldrete: {error}") from None
    now = timezone.now()
    protocol = order_protocol(session)
    findings = discharge_findings(
        session,
        protocol,
        aldrete=result,
        escort_present=escort_present,
        instructions_given=instructions_given,
        now=now,
    )
    overrides: dict[str, Any] = {}
    if findings:
        offered = any((v or "").strip() for v in (override_reasons or {}).values())
        if not actor.may(Action.DISCHARGE_OVERRIDE):
            if offered or cosigner is not None:
                actor.require(Action.DISCHARGE_OVERRIDE)
            raise ValidationError(
                "Not ready for discharge: "
                + " ".join(f.message for f in findings)
                + " Continue recovery, or a physician may discharge with a reason for each and "
                "a second clinician's co-signature."
            )
        overrides = soft_limits_review(
            actor=actor,
            clinic=session.clinic,
            findings=findings,
            reasons=override_reasons,
            cosigner=cosigner,
            cosign_now=True,
        )
    reason = "; ".join(f"{code}: {o['reason']}" for code, o in overrides.items())
    discharge = Discharge.objects.create(
        session=session,
        discharged_by=actor.user,
        discharged_at=now,
        aldrete_answers=list(result.answers),
        aldrete_total=int(result.total),
        discharge_ready="discharge_ready" in result.flags,
        escort_present=escort_present,
        instructions_given=instructions_given,
        override_reason=reason[:300],
        overrides=overrides,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=discharge,
        patient=session.patient,
        changes={
            "aldrete_total": [None, int(result.total)],
            "override": [None, bool(overrides)],
            "overrides": [None, overrides],
        },
        detail=reason,
    )
    move(actor=actor, session=session, to=to)
    return discharge


def order_protocol(session: InfusionSession) -> Protocol:
    """The protocol of the session's order (its library version), else the course's."""
    order = InfusionOrder.objects.filter(session=session).select_related("library_version").first()
    if order is None:
        return session_protocol(session)
    return order.library_version.library().protocol(order.protocol_id)


@transaction.atomic
def session_sign(*, actor: Actor, session: InfusionSession) -> InfusionSession:
    """The physician's sign-off; the session and everything under it become immutable. Refused
    while a drug amount drawn for the session but not given has not been wasted (witnessed)."""
    actor = actor.require_at(session.clinic_id, Action.SESSION_SIGN)
    session, to = begin_step(session, Step.SIGN)
    outstanding = remainder_outstanding_mg(session)
    if outstanding > 0:
        raise ValidationError(
            f"{format_number(outstanding)} mg drawn for this session was not given and has not "
            "been wasted: waste the remainder with a witness before signing.",
            code="remainder_not_wasted",
        )
    move(
        actor=actor,
        session=session,
        to=to,
        extra_fields={"signed_by": actor.user, "signed_at": timezone.now()},
    )
    return session


@transaction.atomic
def addendum_write(*, actor: Actor, session: InfusionSession, text: str) -> Addendum:
    actor = actor.require_at(session.clinic_id, Action.ADDENDUM_WRITE)
    session, _ = begin_step(session, Step.ADDENDUM)
    if not text.strip():
        raise field_error("text", "Write the addendum's text.")
    addendum = Addendum.objects.create(
        session=session, author=actor.user, written_at=timezone.now(), text=text.strip()
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=addendum,
        patient=session.patient,
        changes={"text": [None, addendum.text[:200]]},
    )
    return addendum
