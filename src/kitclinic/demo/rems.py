"""The esketamine REMS part of the synthetic demo clinic (called by kitclinic.demo.seed.seed_demo):
the demo clinic certified as a healthcare setting and the demo physician enrolled as its
prescriber, through the same services as the pages, before any esketamine session is booked (the
booking's REMS hard stop would refuse one otherwise); the demo esketamine patient enrolled when
the course is planned (kitclinic.demo.esketamine); and the Patient Monitoring Forms its signed
sessions made, in every state. Identifiers are marked as demo ones."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.patients.models import Patient
from kitclinic.rems.models import MonitoringForm
from kitclinic.rems.services import (
    certification_record,
    clinic_today,
    monitoring_form_mark_submitted,
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


# (how many of the oldest forms, submitted how many days after their session): the first on time,
# the second late; the rest stay as the days make them (overdue, due soon, still open).
SUBMITTED_AFTER_DAYS = (4, 10)


def seed_rems_forms(*, nurse: Actor) -> None:
    """The demo's Patient Monitoring Forms (made when its esketamine sessions were signed), in
    every state: the oldest marked submitted in time, the next one late; the others are left
    overdue, due soon or open by their dates."""
    forms = MonitoringForm.objects.filter(clinic=nurse.clinic).order_by("session_date", "id")
    for form, days in zip(forms, SUBMITTED_AFTER_DAYS, strict=False):
        monitoring_form_mark_submitted(
            actor=nurse,
            form=form,
            submitted_on=form.session_date + dt.timedelta(days=days),
            confirmation_number=f"DEMO-CONF-{form.pk:04d}",
        )
