"""Building REMS records for the tests: a certified clinic, an enrolled prescriber and patient,
and an esketamine course (the course's kind set directly, whatever protocols the library has)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kitclinic.infusions.models import TreatmentCourse
from kitclinic.patients.models import Patient
from kitclinic.rems.models import Certification, PatientEnrolment, PrescriberEnrolment
from kitclinic.rems.services import certification_record, patient_enrol, prescriber_enrol
from tests.infusions.helpers import make_eligible, plan

LONG_AGO = dt.date(2020, 1, 1)


def certify(world, **overrides: object) -> Certification:  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "certification_number": "HCS-1001",
        "certified_on": LONG_AGO,
        "expires_on": None,
    }
    values.update(overrides)
    return certification_record(actor=world.actor("clinic_admin"), **values)  # type: ignore[arg-type]


def enrol_prescriber(world, persona: str = "physician") -> PrescriberEnrolment:  # type: ignore[no-untyped-def]
    return prescriber_enrol(
        actor=world.actor("physician"),
        prescriber=world.users[persona],
        rems_prescriber_id="PR-77",
        enrolled_on=LONG_AGO,
    )


def enrol_patient(world, patient: Patient, enrolment_id: str = "PT-501") -> PatientEnrolment:  # type: ignore[no-untyped-def]
    return patient_enrol(
        actor=world.actor("physician"),
        patient=patient,
        enrolment_id=enrolment_id,
        enrolled_on=LONG_AGO,
    )


def esketamine_course(world, patient: Patient) -> TreatmentCourse:  # type: ignore[no-untyped-def]
    """An eligible patient's course, of kind esketamine nasal spray."""
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    course = plan(world, patient)
    TreatmentCourse.objects.filter(pk=course.pk).update(kind="esketamine_nasal")
    course.refresh_from_db()
    return course


def all_in_place(world, patient: Patient) -> None:  # type: ignore[no-untyped-def]
    certify(world)
    enrol_prescriber(world)
    enrol_patient(world, patient)


def today(world) -> dt.date:  # type: ignore[no-untyped-def]
    return timezone.now().astimezone(world.clinic.zone).date()
