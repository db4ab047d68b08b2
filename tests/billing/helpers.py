"""A clinic ready to bill: billing details, the physician's NPI and a fee schedule in force."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kitclinic.billing.models import FeeSchedule
from kitclinic.billing.selectors import clinic_today
from kitclinic.billing.services import setup
from kitclinic.billing.services.estimates import estimate_issue
from kitclinic.billing.services.superbills import superbill_issue
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import advance, book, slot_time

CLINIC_NPI = "1234567893"  # the check-digit example CMS publishes
PHYSICIAN_NPI = "1987654328"
PRICES = {
    "96365": "450.00",
    "96366": "150.00",
    "96374": "200.00",
    "G2082": "600.00",
    "G2083": "750.00",
}


def publish(world, prices=None, *, on: dt.date | None = None) -> FeeSchedule:  # type: ignore[no-untyped-def]
    from kitclinic.billing.selectors import clinic_today

    admin = world.actor("clinic_admin")
    return setup.fee_schedule_publish(
        actor=admin,
        currency="USD",
        effective_from=on or clinic_today(world.clinic),
        prices=prices or PRICES,
    )


def ready(world) -> FeeSchedule:  # type: ignore[no-untyped-def]
    admin = world.actor("clinic_admin")
    setup.billing_identity_update(
        actor=admin,
        billing_name="Northside Ketamine Clinic",
        npi=CLINIC_NPI,
        tax_id="12-3456789",
        address="1 Main Street\nSpringfield, IL 62701",
    )
    setup.provider_npi_set(actor=admin, user_id=world.users["physician"].pk, npi=PHYSICIAN_NPI)
    return publish(world)


def money(text: str) -> Decimal:
    return Decimal(text)


def billing_documents(world, course, chair, patient):  # type: ignore[no-untyped-def]
    """A Good Faith Estimate and a superbill of a signed session, issued by the front desk."""
    billed = book(world, course, chair, slot_time(hour=11, days=-1))
    advance(world, billed, SessionState.SIGNED)
    ready(world)
    front_desk = world.actor("front_desk")
    today = clinic_today(world.clinic)
    estimate = estimate_issue(
        actor=front_desk,
        patient=patient,
        kind="iv_ketamine",
        sessions=6,
        minutes=40,
        scheduled_on=today,
        first_service_on=today + dt.timedelta(days=7),
        last_service_on=today + dt.timedelta(days=21),
        provider_id=world.users["physician"].pk,
    )
    superbill = superbill_issue(
        actor=front_desk,
        patient=patient,
        period_start=today - dt.timedelta(days=1),
        period_end=today,
    )
    return estimate, superbill
