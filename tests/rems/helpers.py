"""Building REMS records for the tests: a certified clinic, an enrolled prescriber and patient,
and an esketamine course (the course's kind set directly, whatever protocols the library has)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kitclinic.infusions.models import InfusionSession, TreatmentCourse
from kitclinic.patients.models import Patient
from kitclinic.rems.models import Certification, PatientEnrolment, PrescriberEnrolment
from kitclinic.rems.services import certification_record, patient_enrol, prescriber_enrol
from tests.infusions.helpers import make_eligible

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
    """An eligible patient's course on the library's esketamine nasal-spray protocol (the REMS
    records are the test's own)."""
    from tests.infusions.nasal_support import plan_nasal

    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    return plan_nasal(world, patient, rems=False)


def sign_esketamine(world, session: InfusionSession) -> InfusionSession:  # type: ignore[no-untyped-def]
    """Walk an esketamine session through its nasal-spray steps to the physician's sign-off,
    the sign-off now and every step before it back-dated (the label's two hours of observation
    after the last device)."""
    from tests.infusions.nasal_support import walk_nasal

    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=135)
    return walk_nasal(world, session, until="signed", t0=t0)


def all_in_place(world, patient: Patient) -> None:  # type: ignore[no-untyped-def]
    certify(world)
    enrol_prescriber(world)
    enrol_patient(world, patient)


def today(world) -> dt.date:  # type: ignore[no-untyped-def]
    return timezone.now().astimezone(world.clinic.zone).date()
