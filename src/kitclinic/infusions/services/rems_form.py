"""The infusions app's side of the esketamine REMS (``kitclinic.rems`` sits below it):

* ``esketamine_gate``: the REMS hard stop for a course of esketamine nasal spray, asked when a
  session is booked (``appointment_book``) and when it starts (``infusion_start``); an IV
  ketamine course passes untouched. The rule and the facts are the rems app's (``rems_gate``).
* ``monitoring_form_make``: the Patient Monitoring Form made from the signed session, in the
  order of the REMS form ([spravato-rems-pmf], docs/sources.md): patient, concomitant
  medication, the provider who monitored, the healthcare setting, the treatment (date, dose, lot,
  duration), blood pressure before, about 40 min after and at the end, sedation, dissociation and
  breathing, adverse events, and the discharge time. What the session record does not hold is
  said so, for staff to answer on the REMS form.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kitclinic.accounts.actor import Actor
from kitclinic.infusions.models import (
    AdverseEvent,
    InfusionOrder,
    InfusionSession,
    ScoreKind,
    SessionScore,
    TreatmentCourse,
    VitalSign,
)
from kitclinic.infusions.models.nasal import BloodPressureMoment, NasalBloodPressure, NasalDevice
from kitclinic.rems.models import Certification, MonitoringForm, PatientEnrolment
from kitclinic.rems.services import monitoring_form_create, rems_gate
from kitclinic.substances.models import EntryKind, SubstanceLogEntry

NOT_RECORDED = "Not recorded in kitclinic: answer it on the REMS form."
# The REMS form asks for the blood pressure about 40 minutes after administration
# ([spravato-rems-pmf], [spravato-dosing]); the nearest reading within this many minutes of it.
BP_40_TOLERANCE_MIN = 10


def esketamine_gate(
    *,
    course: TreatmentCourse,
    clinic_id: int,
    patient_id: int,
    prescriber_id: int | None,
    when: dt.datetime,
    zone: dt.tzinfo,
) -> None:
    """The REMS hard stop for an esketamine course (ValidationError on ``rems`` naming every
    missing piece; nothing written). ``when`` is read as a date in the clinic's ``zone``."""
    if not course.is_esketamine:
        return
    rems_gate(
        clinic_id=clinic_id,
        prescriber_id=prescriber_id,
        patient_id=patient_id,
        on_date=when.astimezone(zone).date(),
    )


def _bp(vital: VitalSign | None) -> str:
    if vital is None:
        return NOT_RECORDED
    return f"{vital.sbp}/{vital.dbp} mmHg (minute {vital.slot_minute})"


def _mg(value: Decimal | None) -> str:
    return NOT_RECORDED if value is None else f"{value.normalize():f} mg"


def _local(when: dt.datetime | None, zone: dt.tzinfo) -> str:
    return NOT_RECORDED if when is None else when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _scores(scores: list[SessionScore], kind: str) -> str:
    found = [s for s in scores if s.kind == kind]
    if not found:
        return NOT_RECORDED
    return "; ".join(f"{s.instrument.upper()} {s.total.normalize():f}" for s in found)


def monitoring_form_snapshot(session: InfusionSession) -> dict[str, Any]:
    """The session's record as the REMS form asks for it: ``{"sections": [{"title", "fields":
    [[label, value], ...]}]}``, plain strings, in the form's order."""
    clinic = session.clinic
    zone = clinic.zone
    patient = session.patient
    order = InfusionOrder.objects.filter(session=session).first()
    vitals = list(VitalSign.objects.filter(session=session).order_by("slot_minute", "id"))
    scores = list(SessionScore.objects.filter(session=session).order_by("taken_at", "id"))
    events = list(AdverseEvent.objects.filter(session=session).order_by("occurred_at", "id"))
    discharge = getattr(session, "discharge", None)
    lots = sorted(
        set(
            SubstanceLogEntry.objects.filter(session=session, kind=EntryKind.DISPENSE).values_list(
                "lot__lot_number", flat=True
            )
        )
    )
    enrolment = (
        PatientEnrolment.objects.filter(clinic_id=clinic.pk, patient=patient)
        .order_by("-enrolled_on")
        .first()
    )
    certification = (
        Certification.objects.filter(clinic_id=clinic.pk).order_by("-recorded_at", "-id").first()
    )
    earlier_forms = MonitoringForm.objects.filter(patient=patient).exclude(session=session)
    devices = list(NasalDevice.objects.filter(session=session).order_by("number"))
    nasal_bp = {bp.moment: bp for bp in NasalBloodPressure.objects.filter(session=session)}
    baseline = vitals[0] if vitals and vitals[0].slot_minute == 0 else None
    after = [v for v in vitals if v.slot_minute > 0]
    near_40 = min(
        (v for v in after if abs(v.slot_minute - 40) <= BP_40_TOLERANCE_MIN),
        key=lambda v: abs(v.slot_minute - 40),
        default=None,
    )
    last = after[-1] if after else None
    before_text = _bp(baseline)
    after_text = _bp(near_40)
    predose = nasal_bp.get(BloodPressureMoment.PREDOSE)
    post_dose = nasal_bp.get(BloodPressureMoment.POST_DOSE)
    if predose is not None:
        before_text = f"{predose.sbp}/{predose.dbp} mmHg at {_local(predose.taken_at, zone)[11:]}"
    if post_dose is not None:
        after_text = (
            f"{post_dose.sbp}/{post_dose.dbp} mmHg at {_local(post_dose.taken_at, zone)[11:]}"
        )
    first_given = devices[0].given_at if devices else session.started_at
    duration = NOT_RECORDED
    if first_given is not None and discharge is not None:
        minutes = int((discharge.discharged_at - first_given).total_seconds() // 60)
        duration = f"{minutes} min (first administration to discharge)"
    devices_text = (
        f"{len(devices)} device{'s' if len(devices) != 1 else ''}: "
        + ", ".join(
            f"{d.dose_mg.normalize():f} mg at {_local(d.given_at, zone)[11:]}" for d in devices
        )
        if devices
        else NOT_RECORDED
    )
    monitored_by = discharge.discharged_by if discharge is not None else None
    lowest_spo2 = min((v.spo2 for v in vitals), default=None)
    lowest_rr = min((v.rr for v in vitals), default=None)
    breathing = (
        NOT_RECORDED
        if lowest_spo2 is None
        else f"lowest SpO2 {lowest_spo2}%, lowest respiratory rate {lowest_rr}/min"
    )
    return {
        "sections": [
            {
                "title": "Patient",
                "fields": [
                    ["Patient name", f"{patient.given_name} {patient.family_name}"],
                    ["Date of birth", patient.date_of_birth.isoformat()],
                    ["Sex", patient.get_sex_at_birth_display()],
                    ["REMS enrolment id", enrolment.enrolment_id if enrolment else NOT_RECORDED],
                    ["First esketamine treatment", "No" if earlier_forms.exists() else "Yes"],
                ],
            },
            {
                "title": "Concomitant medication (sedatives, stimulants, MAOIs)",
                "fields": [
                    ["Current medication that may cause sedation or BP changes", NOT_RECORDED]
                ],
            },
            {
                "title": "Healthcare provider who monitored the patient",
                "fields": [
                    ["Provider who monitored", str(monitored_by) if monitored_by else NOT_RECORDED],
                    ["Session signed by", str(session.signed_by) if session.signed_by else ""],
                ],
            },
            {
                "title": "Healthcare setting",
                "fields": [
                    ["Healthcare setting name", clinic.name],
                    [
                        "REMS certification number",
                        certification.certification_number if certification else NOT_RECORDED,
                    ],
                ],
            },
            {
                "title": "Treatment session",
                "fields": [
                    ["Treatment date", _local(first_given, zone)[:10]],
                    ["Dose administered", _mg(order.dose_mg if order else session.delivered_mg)],
                    ["Devices given", devices_text],
                    ["Lot number", ", ".join(lots) if lots else NOT_RECORDED],
                    ["Treatment duration", duration],
                    ["Ready to leave without the 2-hour minimum (minutes)", NOT_RECORDED],
                ],
            },
            {
                "title": "Blood pressure",
                "fields": [
                    ["Before administration", before_text],
                    ["About 40 minutes after administration", after_text],
                    ["Before the end of the session", _bp(last)],
                ],
            },
            {
                "title": "Sedation, dissociation and breathing",
                "fields": [
                    ["Sedation scores", _scores(scores, ScoreKind.MOAAS)],
                    ["Dissociation scores", _scores(scores, ScoreKind.CADSS)],
                    ["Breathing", breathing],
                ],
            },
            {
                "title": "Adverse events",
                "fields": [
                    [
                        _local(e.occurred_at, zone),
                        f"{e.description} ({e.get_severity_display()}); {e.action_taken}",
                    ]
                    for e in events
                ]
                or [["Adverse events", "None recorded"]],
            },
            {
                "title": "Discharge",
                "fields": [
                    [
                        "Discharged at",
                        _local(discharge.discharged_at if discharge else None, zone),
                    ]
                ],
            },
        ]
    }


def monitoring_form_make(*, actor: Actor, session: InfusionSession) -> MonitoringForm | None:
    """The Patient Monitoring Form of a signed esketamine session (once; an IV ketamine session
    has none). Called by ``session_sign`` in its transaction."""
    course = TreatmentCourse.objects.get(pk=session.course_id)
    if not course.is_esketamine:
        return None
    when = session.started_at or session.created_at
    return monitoring_form_create(
        actor=actor,
        session=session,
        clinic_id=session.clinic_id,
        patient_id=session.patient_id,
        session_date=when.astimezone(session.clinic.zone).date(),
        snapshot_values=monitoring_form_snapshot(session),
        is_synthetic=session.patient.is_synthetic,
    )
