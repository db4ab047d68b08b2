"""The demo's billing: the first clinic's billing details, the demo physician's NPI, a fee
schedule in force since the clinic opened, one Good Faith Estimate for a patient in a current
course, and a superbill of last week's signed session.

The NPI is the check-digit example CMS publishes ([cms-npi-check-digit]) and the tax id is all
zeros: neither names a real provider. The prices are examples, not advice."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic
from kitclinic.billing.selectors import clinic_today
from kitclinic.billing.services.estimates import estimate_issue
from kitclinic.billing.services.setup import (
    billing_identity_update,
    fee_schedule_publish,
    provider_npi_set,
)
from kitclinic.billing.services.superbills import superbill_issue
from kitclinic.infusions.models import InfusionSession, TreatmentCourse
from kitclinic.infusions.states import CourseStatus, SessionState
from kitclinic.patients.models import Patient

DEMO_NPI = "1234567893"
DEMO_TAX_ID = "00-0000000"
DEMO_PRICES = {
    "96365": "450.00",
    "96366": "150.00",
    "96374": "200.00",
    "G2082": "590.00",
    "G2083": "740.00",
}


def seed_billing_setup(*, clinic: Clinic, admin: Actor, physician: Actor) -> None:
    """Run on the seed's clock on the day the clinic opened: the fee schedule is in force from
    then, so every session of the demo's history can be billed."""
    admin = admin.at_clinic(clinic.pk)
    billing_identity_update(
        actor=admin,
        billing_name=f"{clinic.name} (synthetic demo)",
        npi=DEMO_NPI,
        tax_id=DEMO_TAX_ID,
        address="100 Example Avenue, Suite 2\nSpringfield, IL 62701",
        phone="555-0100",
    )
    provider_npi_set(actor=admin, user_id=physician.user.pk, npi=DEMO_NPI)
    fee_schedule_publish(
        actor=admin,
        currency="USD",
        effective_from=clinic_today(clinic),
        prices=DEMO_PRICES,
        note="Demo prices (examples only).",
    )


def seed_billing_documents(*, clinic: Clinic, front: Actor, physician: Actor) -> None:
    """A Good Faith Estimate for six more infusions of a patient in a current course and a
    superbill of the last signed session at the clinic (if the demo has one)."""
    front = front.at_clinic(clinic.pk)
    today = clinic_today(clinic)
    course = (
        TreatmentCourse.objects.filter(clinic=clinic)
        .exclude(status__in=[CourseStatus.COMPLETED, CourseStatus.STOPPED])
        .select_related("patient")
        .order_by("patient__mrn")
        .first()
    )
    # a demo too small for a course: the estimate a patient asked for before planning one
    patient = (
        course.patient
        if course
        else Patient.objects.filter(home_clinic=clinic).order_by("mrn").first()
    )
    if patient is not None:
        estimate_issue(
            actor=front,
            patient=patient,
            course=course,
            kind="iv_ketamine",
            sessions=6,
            minutes=40,
            scheduled_on=today,
            requested=course is None,
            first_service_on=today + dt.timedelta(days=14),
            last_service_on=today + dt.timedelta(days=35),
            provider_id=physician.user.pk,
        )
    signed = (
        InfusionSession.objects.filter(clinic=clinic, state=SessionState.SIGNED)
        .order_by("-started_at")
        .first()
    )
    if signed is not None and signed.started_at is not None:
        day = timezone.localtime(signed.started_at, clinic.zone).date()
        superbill_issue(actor=front, patient=signed.patient, period_start=day, period_end=day)
