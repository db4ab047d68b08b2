"""Check-in: confirmations, the recorded consent to the current information sheet, today's
measured weight, pregnancy status where relevant, the baseline vitals gated by the protocol and the
pre-infusion rating."""

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
from kitclinic.accounts.selectors import clinic_settings
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.consent.selectors import consent_status
from kitclinic.infusions.models import CheckIn, InfusionSession, PregnancyStatus, VitalSign
from kitclinic.infusions.services._common import begin_step, move
from kitclinic.infusions.services.courses import course_start_if_planned
from kitclinic.infusions.services.sessions.protocol import session_protocol
from kitclinic.infusions.services.weights import (
    last_accepted_weight_kg,
    parse_weight_kg,
    weight_review,
)
from kitclinic.infusions.states import Step
from kitclinic.infusions.vitals import Reading, absolute_alerts, validate_vitals
from kitclinic.intake import pregnancy
from kitclinic.patients.models import Patient
from kitclinic.patients.validators import age_years

# The rating scale recorded before and after a session, per indication ([kitclinic-workflow],
# intake: PHQ-9, GAD-7, PCL-5 or a pain scale per indication; [kitclinic-workflow]).
INDICATION_SCALE = {"depression": "phq9", "ptsd": "pcl5", "anxiety": "gad7", "chronic_pain": "peg"}
CONSENT_WHERE = " Record the consent (patient chart → Record consent) before checking in."


def pregnancy_age_range(clinic_id: int) -> tuple[int, int]:
    """The clinic's pregnancy-test age range (its setting, else the default)."""
    return clinic_settings(clinic_id).pregnancy_age_y


def pregnancy_status_required(patient: Patient, on: dt.date, *, clinic_id: int) -> bool:
    """Whether ``patient`` states a pregnancy status at a check-in on ``on`` at clinic
    ``clinic_id`` (:mod:`kitclinic.intake.pregnancy`, the clinic's age range)."""
    return pregnancy.pregnancy_status_required(
        patient.sex_at_birth,
        age_years(patient.date_of_birth, on=on),
        pregnancy_age_range(clinic_id),
    )


def previous_weight_kg(session: InfusionSession) -> Decimal | None:
    """The patient's last *accepted* weight from another check-in (any course): a weight that
    needed an override is not one until confirmed (kitclinic.infusions.services.weights)."""
    return last_accepted_weight_kg(session)


def pregnancy_status_errors(status: str, required: bool, *, clinic_id: int) -> dict[str, list[str]]:
    if status not in PregnancyStatus.values:
        return {"pregnancy_status": ["Choose a pregnancy status."]}
    if required and status == PregnancyStatus.NOT_APPLICABLE:
        return {
            "pregnancy_status": [
                "Required for this patient "
                f"({pregnancy.pregnancy_rule_text(pregnancy_age_range(clinic_id))})."
            ]
        }
    return {}


def pregnancy_gate(status: str, required: bool) -> list[dict[str, str]]:
    """The check-in gate's pregnancy item: pregnant or unknown, where the status is required."""
    if required and status in (PregnancyStatus.PREGNANT, PregnancyStatus.UNKNOWN):
        return [
            {
                "code": "pregnancy",
                "message": "Pregnancy is a relative contraindication (Cohen 2018) and the "
                f"status is {PregnancyStatus(status).label.lower()}: a physician must review "
                "before ordering.",
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
    required = pregnancy_status_required(session.patient, today, clinic_id=session.clinic_id)
    errors.update(
        pregnancy_status_errors(data.pregnancy_status, required, clinic_id=session.clinic_id)
    )
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
