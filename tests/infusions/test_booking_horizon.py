"""A booking is at most KITCLINIC_BOOKING_HORIZON_DAYS ahead (default 365), refused the same way
on the page, the API and the service, with nothing written: a booking in year 9999 was accepted
and then broke every read of the patient's chart, course and session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from kitclinic.infusions.models import Appointment, InfusionSession
from kitclinic.infusions.services import scheduling
from kitclinic.infusions.services.scheduling import booking_horizon_days
from tests.factories import api_token_for
from tests.infusions.helpers import slot_time


def _counts() -> tuple[int, int]:
    return Appointment.objects.count(), InfusionSession.objects.count()


def test_the_default_horizon_is_a_year_and_its_last_day_can_be_booked(world, course, chair):
    assert booking_horizon_days() == 365
    last_day = slot_time(9, 0, days=364)
    appointment = scheduling.appointment_book(
        actor=world.actor("front_desk"), course=course, chair=chair, starts_at=last_day
    )
    assert appointment.starts_at == last_day


@pytest.mark.parametrize("days", [366, 3650])
def test_a_booking_beyond_the_horizon_is_refused_naming_the_last_day(world, course, chair, days):
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        scheduling.appointment_book(
            actor=world.actor("front_desk"),
            course=course,
            chair=chair,
            starts_at=slot_time(9, 0, days=days),
        )
    message = exc.value.message_dict["starts_at"][0]
    assert message.startswith("Book at most 365 days ahead: on or before ")
    assert _counts() == before


def test_the_horizon_is_a_clinic_setting(world, course, chair, settings):
    settings.KITCLINIC_BOOKING_HORIZON_DAYS = 30
    with pytest.raises(ValidationError, match="at most 30 days ahead"):
        scheduling.appointment_book(
            actor=world.actor("front_desk"),
            course=course,
            chair=chair,
            starts_at=slot_time(9, 0, days=31),
        )


@pytest.mark.parametrize(
    "starts_at", ["9999-12-31T23:00:00-05:00", "9999-12-31T23:59:59+00:00", "2100-01-01T09:00Z"]
)
def test_the_api_refuses_a_far_future_booking_with_400_and_the_chart_still_reads(
    world, course, chair, patient, starts_at
):
    client = APIClient()
    key = api_token_for(world.users["front_desk"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    before = _counts()
    response = client.post(
        f"/api/v1/courses/{course.pk}/appointments/",
        {"chair": chair.pk, "starts_at": starts_at},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "starts_at" in str(response.json())
    assert _counts() == before
    assert client.get(f"/api/v1/patients/{patient.pk}/courses/").status_code == 200


def test_the_booking_page_shows_the_refusal_on_the_time_field(world, course, chair, login):
    far = timezone.localdate() + dt.timedelta(days=400)
    before = _counts()
    response = login("front_desk").post(
        f"/infusions/courses/{course.pk}/book/",
        {"chair": chair.pk, "date": far.isoformat(), "time": "09:00", "infusion_minutes": 40},
    )
    assert response.status_code == 422
    assert "Book at most 365 days ahead" in response.content.decode()
    assert _counts() == before
