"""One demo patient on an esketamine nasal-spray course (docs/esketamine.md): three signed
sessions in the fortnight before the week's infusion, twice a week, each through the services on
the seed's clock, the devices drawn from a synthetic lot of nasal-spray devices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic
from kitclinic.demo.clock import demo_clock
from kitclinic.demo.consent import record_consent
from kitclinic.demo.infusions import check_in, current_course_patients, local_at
from kitclinic.demo.rems import seed_rems_patient
from kitclinic.infusions.models import Appointment, Chair, TreatmentCourse
from kitclinic.infusions.services import nasal, scheduling
from kitclinic.infusions.services.courses import course_plan
from kitclinic.infusions.services.infusion import observations
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.signoff import session_sign
from kitclinic.patients.models import Patient
from kitclinic.substances.models import Drug, SubstanceLot
from kitclinic.substances.services import stock

ESKETAMINE_PROTOCOL = "esketamine-nasal"
# days before today of the signed sessions (at most twice a week), and their doses: a course
# starts at the label's 56 mg, later sessions may be 84 mg. The last two are recent, so that their
# REMS Patient Monitoring Forms are still within the 7-day window (kitclinic.demo.rems).
SESSIONS = ((21, "56"), (18, "84"), (14, "84"), (5, "84"), (1, "84"))
# The sessions after the controlled-substance log's weekly count (kitclinic.demo.substances, six
# days ago) draw from a second lot received after it, so that the count finds the first one empty.
AFTER_COUNT_DAYS = 6
EARLIER = tuple(s for s in SESSIONS if s[0] > AFTER_COUNT_DAYS)
LATER = tuple(s for s in SESSIONS if s[0] <= AFTER_COUNT_DAYS)
START = dt.time(9, 30)
PREDOSE = {"sbp": 132, "dbp": 84, "hr": 76, "spo2": 98}
POST_DOSE = {"sbp": 138, "dbp": 86, "hr": 78, "spo2": 97}


def esketamine_patient(organization_id: int) -> Patient | None:
    """The first patient (MRN order) eligible for depression who has no current IV course
    (kitclinic.demo.infusions.current_course_patients)."""
    taken = {patient.pk for patient in current_course_patients(organization_id)}
    return (
        Patient.objects.filter(
            organization_id=organization_id,
            eligibility_decisions__superseded_by__isnull=True,
            eligibility_decisions__outcome="eligible",
            eligibility_decisions__indication="depression",
        )
        .exclude(pk__in=taken)
        .distinct()
        .order_by("mrn")
        .first()
    )


def _devices(sessions: tuple[tuple[int, str], ...]) -> int:
    return sum(int(Decimal(dose) / 28) for _, dose in sessions)


def _lot(
    nurse: Actor, when: dt.datetime, number: int = 1, sessions: tuple[tuple[int, str], ...] = ()
) -> SubstanceLot:
    return stock.substance_receive(
        actor=nurse,
        drug=Drug.ESKETAMINE_HCL_NASAL,
        strength_mg_per_ml=Decimal("140"),
        vial_volume_ml=Decimal("0.2"),
        supplier="Demo Specialty Pharmacy (synthetic)",
        lot_number=f"DEMO-ESK-{number:04d}",
        expiry_date=timezone.localdate(when) + dt.timedelta(days=300),
        # exactly the sessions' devices: the lot is used up (the demo's count finds it empty)
        vials=_devices(sessions),
        occurred_at=when,
        reason=f"Packing slip DEMO-PS-{2000 + number} (devices of 28 mg)",
        is_synthetic=True,
    ).lot


def _book(
    front: Actor, course: TreatmentCourse, chairs: list[Chair], at: dt.datetime
) -> Appointment:
    """The session on the first chair free at ``at`` (the history may hold the others)."""
    last: ValidationError | None = None
    for chair in reversed(chairs):
        try:
            return scheduling.appointment_book(
                actor=front, course=course, chair=chair, starts_at=at
            )
        except ValidationError as error:
            last = error
    assert last is not None
    raise last


def seed_esketamine(
    *,
    clinic: Clinic,
    chairs: list[Chair],
    patient: Patient,
    nurse: Actor,
    physician: Actor,
    front: Actor,
    today: dt.date,
) -> TreatmentCourse:
    """Plan the course, then book and run each of ``SESSIONS`` to the physician's sign-off."""
    zone = timezone.get_current_timezone()
    first_day = today - dt.timedelta(days=SESSIONS[0][0])
    with demo_clock(local_at(first_day - dt.timedelta(days=3), 15, 0)) as clock:
        course = course_plan(
            actor=physician,
            patient=patient,
            indication="depression",
            protocol_id=ESKETAMINE_PROTOCOL,
            notes="Esketamine nasal spray with the current oral antidepressant (synthetic).",
        )
        record_consent(
            nurse=nurse,
            physician=physician,
            patient=patient,
            indication="depression",
            when=course.planned_at,
        )
        # the REMS hard stop at booking and start: the patient enrolled when the course is planned
        seed_rems_patient(physician=physician, patient=patient)
        lot = _lot(nurse, clock.at, 1, EARLIER)
        for days, dose in SESSIONS:
            start = dt.datetime.combine(today - dt.timedelta(days=days), START, tzinfo=zone)
            clock.set(start - dt.timedelta(days=2))
            session = _book(front, course, chairs, start).session
            if (days, dose) == LATER[0]:
                clock.set(start - dt.timedelta(minutes=40))
                lot = _lot(nurse, clock.at, 2, LATER)

            def at(minutes: float, start: dt.datetime = start) -> None:
                clock.set(start + dt.timedelta(minutes=minutes))

            at(-25)
            check_in(nurse, session, "71.6")
            at(-15)
            nasal.nasal_order_place(actor=physician, session=session, dose_mg=dose)
            at(-5)
            nasal.nasal_predose_bp_record(actor=nurse, session=session, **PREDOSE)
            devices = int(Decimal(dose) / 28)
            for i in range(devices):
                at(5 * i)
                nasal.nasal_device_give(actor=nurse, session=session, lot=lot)
            last = 5 * (devices - 1)
            at(last + 40)
            nasal.nasal_post_dose_bp_record(actor=nurse, session=session, **POST_DOSE)
            # the shared vital signs too, as the outcomes' blood-pressure rise reads them
            observations.vitals_record(
                actor=nurse,
                session=session,
                slot_minute=last + 40,
                sbp=POST_DOSE["sbp"],
                dbp=POST_DOSE["dbp"],
                hr=POST_DOSE["hr"],
                rr=14,
                spo2=POST_DOSE["spo2"],
            )
            observations.score_record(actor=nurse, session=session, kind="moaas", level=4)
            at(last + 121)
            session_discharge(
                actor=nurse,
                session=session,
                aldrete_answers=[2, 2, 2, 2, 2],
                escort_present=True,
                instructions_given=True,
            )
            at(last + 150)
            session_sign(actor=physician, session=session)
    return course
