"""The infusion part of the synthetic demo clinic (called by kitclinic.demo.seed.seed_demo).

Deterministic: patients are taken in MRN order. Every write goes through the services, so the
demo record is audited like a real one. Times of the completed session are the seeding time; the
months of history before it are in kitclinic.demo.history, the esketamine course in
kitclinic.demo.esketamine (both take the check-in and the local times from here).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypedDict

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, ClinicSettings
from kitclinic.demo.clock import DemoClock, demo_clock
from kitclinic.demo.consent import record_consent
from kitclinic.infusions.models import (
    Chair,
    InfusionOrder,
    InfusionSession,
    OpeningHours,
    TreatmentCourse,
)
from kitclinic.infusions.services import orders, scheduling
from kitclinic.infusions.services.courses import course_plan
from kitclinic.infusions.services.infusion import observations, pump, stop
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.services.sessions.check_in import (
    CheckInData,
    pregnancy_status_required,
    session_check_in,
)
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.protocol import session_protocol
from kitclinic.infusions.services.sessions.signoff import session_sign
from kitclinic.patients.models import Patient

CHAIRS_PER_CLINIC = 4
TODAY_APPOINTMENTS = ((0, 8, 30), (1, 9, 0), (2, 10, 0), (3, 11, 0), (0, 11, 0))
DEMO_WEIGHTS_KG = ("68.4", "81.2", "59.7", "94.5", "72.0", "77.3")
COURSE_INDICATIONS = ("depression", "ptsd", "anxiety")  # protocols with a course template


class Vitals(TypedDict):
    """One set of vital signs, as the check-in and vitals services take them."""

    sbp: int
    dbp: int
    hr: int
    rr: int
    spo2: int


NORMAL_VITALS: Vitals = {"sbp": 122, "dbp": 78, "hr": 74, "rr": 14, "spo2": 98}


def local_at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def check_in(nurse: Actor, session: InfusionSession, weight: str) -> None:
    required = pregnancy_status_required(
        session.patient, timezone.localdate(), clinic_id=session.clinic_id
    )
    session_check_in(
        actor=nurse,
        session=session,
        data=CheckInData(
            identity_confirmed=True,
            consent_on_file=True,
            fasting_confirmed=True,
            escort_confirmed=True,
            escort_name=session.patient.emergency_contact_name,
            weight_kg=Decimal(weight),
            pregnancy_status="not_pregnant" if required else "not_applicable",
            rating_answers=[2, 2, 1, 2, 1, 2, 1, 1, 0]
            if session.course.indication == "depression"
            else [2] * (20 if session.course.indication == "ptsd" else 7),
            **NORMAL_VITALS,
        ),
    )


def _complete(
    nurse: Actor, physician: Actor, session: InfusionSession, weight: str, clock: DemoClock
) -> None:
    """Run one whole session through the services, to the physician's sign-off, moving the
    seed's clock (kitclinic.demo.clock.DemoClock) along the appointment's times."""
    start = session.appointment.starts_at

    def at(minutes: int) -> None:
        clock.set(start + dt.timedelta(minutes=minutes))

    at(-20)
    check_in(nurse, session, weight)
    at(-12)
    protocol = session_protocol(session)
    orders.order_place(
        actor=physician,
        session=session,
        dose=protocol.default_dose.value,
        duration_min=protocol.default_duration_min.value,
        concentration_mg_per_ml=protocol.concentrations_mg_per_ml[0].value,
    )
    order = InfusionOrder.objects.get(session=session)
    at(-6)
    orders.order_double_check(
        actor=nurse, session=session, rate_ml_per_h=order.rate_ml_per_h, vtbi_ml=order.volume_ml
    )
    at(0)
    pump.infusion_start(actor=nurse, session=session)
    for minute, sbp in ((10, 128), (20, 134), (30, 138), (40, 131)):
        at(minute)
        raised: Vitals = {**NORMAL_VITALS, "sbp": sbp}
        observations.vitals_record(actor=nurse, session=session, slot_minute=minute, **raised)
    observations.score_record(actor=nurse, session=session, kind="moaas", level=4)
    # the ordered 40 minutes have run: the whole dose is in, the stop needs no reason
    stop.infusion_stop(actor=nurse, session=session)
    for minute in (55, 70):  # recovery vitals, each when it is due
        at(minute)
        observations.vitals_record(
            actor=nurse, session=session, slot_minute=minute, **NORMAL_VITALS
        )
    at(75)  # past the protocol's minimum observation after the end of the infusion
    session_discharge(
        actor=nurse,
        session=session,
        aldrete_answers=[2, 2, 2, 2, 2],
        escort_present=True,
        instructions_given=True,
    )
    at(120)
    session_sign(actor=physician, session=session)


def current_course_patients(organization_id: int) -> list[Patient]:
    """The patients given a current course: the first eligible ones (MRN order) for an
    indication with a course template, one for the past session and one per appointment today."""
    return list(
        Patient.objects.filter(
            organization_id=organization_id,
            eligibility_decisions__superseded_by__isnull=True,
            eligibility_decisions__outcome="eligible",
            eligibility_decisions__indication__in=COURSE_INDICATIONS,
        )
        .distinct()
        .order_by("mrn")[: len(TODAY_APPOINTMENTS) + 1]
    )


# The demo clinics' opening hours (local times): weekdays 08:00-18:00, weekend mornings
# 08:00-14:00. Every booking of the seed lies within them (the booking service refuses one that
# does not); open every day so that the seed, run on any day, has today's list and last week's
# session.
DEMO_HOURS = {
    **{day: (dt.time(8), dt.time(18)) for day in range(5)},
    **{day: (dt.time(8), dt.time(14)) for day in (5, 6)},
}
# The demo clinics' own settings (the rest stay the installation's defaults), so the settings
# page shows both kinds.
DEMO_SETTINGS = {"staff_link_hours": 48}


def seed_library_and_chairs(clinics: list[Clinic]) -> dict[int, list[Chair]]:
    """The default library, ``CHAIRS_PER_CLINIC`` chairs per clinic (by clinic id), each clinic's
    opening hours and a few settings of its own."""
    library_install_default(organization_id=clinics[0].organization_id)
    for clinic in clinics:
        OpeningHours.objects.bulk_create(
            OpeningHours(clinic=clinic, weekday=day, opens_at=opens, closes_at=closes)
            for day, (opens, closes) in DEMO_HOURS.items()
        )
        ClinicSettings.objects.create(clinic=clinic, **DEMO_SETTINGS)
    return {
        clinic.pk: [
            Chair.objects.create(clinic=clinic, name=f"Chair {n}", is_synthetic=True)
            for n in range(1, CHAIRS_PER_CLINIC + 1)
        ]
        for clinic in clinics
    }


def seed_infusions(
    *,
    clinics: list[Clinic],
    nurse: Actor,
    physician: Actor,
    front: Actor,
    today: dt.date,
    chairs: dict[int, list[Chair]] | None = None,
) -> list[TreatmentCourse]:
    """Courses for the first eligible patients, ``today``'s appointments at the first clinic and one
    completed, signed session a week ago (with the library and chairs unless ``chairs`` is
    given). Returns the courses planned."""
    organization_id = clinics[0].organization_id
    if chairs is None:
        chairs = seed_library_and_chairs(clinics)
    eligible = current_course_patients(organization_id)
    courses: list[TreatmentCourse] = []
    # Planned a fortnight ago; the first patient's infusion a week ago is run on the seed's clock.
    with demo_clock(local_at(today - dt.timedelta(14), 16, 0)) as clock:
        for patient in eligible:
            indication = (
                patient.eligibility_decisions.filter(
                    superseded_by__isnull=True,
                    outcome="eligible",
                    indication__in=COURSE_INDICATIONS,
                )
                .order_by("indication")
                .values_list("indication", flat=True)
                .first()
            )
            if indication is None:  # current_course_patients chose the patient for such a one
                raise RuntimeError(f"patient {patient.pk} has no eligible course indication")
            course = course_plan(actor=physician, patient=patient, indication=indication)
            courses.append(course)
            # signed against the published information sheet (kitclinic.outcomes)
            record_consent(
                nurse=nurse,
                physician=physician,
                patient=patient,
                indication=indication,
                when=course.planned_at,
            )
        if not courses:
            return courses
        home = chairs[clinics[0].pk]
        clock.set(local_at(today - dt.timedelta(10), 11, 0))
        past = scheduling.appointment_book(
            actor=front,
            course=courses[0],
            chair=home[0],
            starts_at=local_at(today - dt.timedelta(7), 9, 0),
        )
        _complete(nurse, physician, past.session, DEMO_WEIGHTS_KG[0], clock)
    # Today's list was booked the afternoon before: seeded after 08:30, a booking "now" would be
    # a session recorded afterwards (a back-entry), which these are not.
    with demo_clock(local_at(today - dt.timedelta(1), 16, 0)):
        for course, (chair_index, hour, minute) in zip(
            courses[1:], TODAY_APPOINTMENTS, strict=False
        ):
            scheduling.appointment_book(
                actor=front,
                course=course,
                chair=home[chair_index],
                starts_at=local_at(today, hour, minute),
            )
    return courses
