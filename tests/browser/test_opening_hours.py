"""Booking within the clinic's opening hours in a real browser: the booking form lists the
week's hours under the time, a start on a closed day comes back on the time field with the
day's hours, and a start within them is booked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kitclinic.infusions.models import Appointment, Chair
from kitclinic.infusions.services.courses import opening_hours_set
from kitclinic.infusions.services.library import library_install_default
from tests.browser.helpers import log_in_to_dashboard
from tests.infusions.helpers import make_eligible, plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _next(weekday: int) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def test_the_booking_form_shows_the_hours_and_refuses_a_closed_day(page, shoot, world, patient):  # type: ignore[no-untyped-def]
    library_install_default(organization_id=world.clinic.organization_id)
    Chair.objects.create(clinic=world.clinic, name="Chair 1")
    opening_hours_set(
        actor=world.actor("clinic_admin"),
        hours={
            **{d: (dt.time(8), dt.time(18)) for d in range(5)},
            5: (dt.time(9), dt.time(13)),
            6: None,
        },
    )
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    course = plan(world, patient)
    log_in_to_dashboard(page, "front_desk")
    page.goto(f"/infusions/courses/{course.pk}/")
    form = page.locator("section[aria-labelledby=book]")
    expect(form).to_contain_text(
        "Opening hours: Monday–Friday 08:00–18:00; Saturday 09:00–13:00; closed Sunday."
    )
    shoot("booking-form-hours")
    page.get_by_label("Chair").select_option(label="Chair 1")
    page.get_by_label("Date").fill(_next(6).isoformat())
    page.get_by_label("Time").fill("10:00")
    page.get_by_role("button", name="Book").click()
    expect(page.locator("main")).to_contain_text("Northside is closed on Sundays")
    assert not Appointment.objects.exists()
    shoot("closed-day-refused")
    # the refused form comes back on its own page, the hours still under the time
    page.get_by_label("Date").fill(_next(0).isoformat())
    page.get_by_label("Time").fill("17:30")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Northside is open 08:00–18:00 on Mondays")
    shoot("after-closing-refused")
    page.get_by_label("Time").fill("09:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Booked Chair 1")
    assert Appointment.objects.count() == 1
