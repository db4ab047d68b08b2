"""The esketamine REMS part of the synthetic demo clinic (called by kitclinic.demo.people.seed_demo):
the demo clinic certified as a healthcare setting and the demo physician enrolled as its
prescriber, through the same services as the pages, before any esketamine session is booked (the
booking's REMS hard stop would refuse one otherwise). Identifiers are marked as demo ones."""

from __future__ import annotations

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.patients.models import Patient
from kitclinic.rems.services import (
    certification_record,
    clinic_today,
    patient_enrol,
    prescriber_enrol,
)


def seed_rems_setting(*, clinic_admin: Actor, physician: Actor) -> None:
    """The acting clinic certified (no expiry given) and the physician enrolled, as of today on
    the seed's clock (the day the demo clinic opened)."""
    today = clinic_today(clinic_admin.clinic)
    certification_record(
        actor=clinic_admin,
        certification_number="DEMO-HCS-0001",
        certified_on=today,
        is_synthetic=True,
    )
    prescriber_enrol(
        actor=physician,
        prescriber=physician.user,
        rems_prescriber_id="DEMO-PR-0001",
        enrolled_on=today,
        is_synthetic=True,
    )


def seed_rems_patient(*, physician: Actor, patient: Patient) -> None:
    """``patient`` enrolled in the REMS at the physician's clinic, today."""
    patient_enrol(
        actor=physician,
        patient=patient,
        enrolment_id=f"DEMO-PT-{patient.pk:04d}",
        enrolled_on=timezone.now().astimezone(physician.clinic.zone).date(),
        is_synthetic=True,
    )
