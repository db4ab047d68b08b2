"""Bookings hold within the clinic's opening hours: the chair time (infusion and recovery) starts
at or after opening and ends by closing on its weekday, in the clinic's time zone; a weekday
without hours is closed; a clinic without hours is not limited. The same rule at the service,
the booking page (422 on the time field) and the API (400 in the one error shape), and nothing
is written when it refuses. The default depression regimen is 40 min of infusion
([kitclinic-dose-rules] L2) and the recovery 60 min (KITCLINIC_RECOVERY_MINUTES), so a booking
holds the chair 100 minutes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kitclinic.infusions.models import Appointment
from kitclinic.infusions.services import scheduling
from kitclinic.infusions.services.courses import opening_hours_set
from tests.infusions.helpers import book
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db

WEEKDAY_HOURS = (dt.time(8), dt.time(18))
SATURDAY_HOURS = (dt.time(9), dt.time(13))


def next_weekday(weekday: int) -> dt.date:
    """The next date (1 to 7 days ahead) that falls on ``weekday`` (0 = Monday)."""
    today = timezone.localdate()
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def hours(world):
    """Monday to Friday 08:00–18:00, Saturday 09:00–13:00, closed on Sunday."""
    opening_hours_set(
        actor=world.actor("clinic_admin"),
        hours={**{d: WEEKDAY_HOURS for d in range(5)}, 5: SATURDAY_HOURS, 6: None},
    )


def refused(world, course, chair, starts_at: dt.datetime) -> str:  # type: ignore[no-untyped-def]
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        book(world, course, chair, starts_at)
    assert row_counts() == before
    assert list(caught.value.message_dict) == ["starts_at"]
    return caught.value.message_dict["starts_at"][0]


def test_a_booking_from_opening_or_ending_at_closing_is_taken(world, hours, course, chair, chair2):
    monday = next_weekday(0)
    first = book(world, course, chair, at(monday, 8))
    # 16:20 + 100 min ends at 18:00 sharp
    last = book(world, course, chair2, at(next_weekday(1), 16, 20))
    assert first.appointment.starts_at == at(monday, 8)
    assert timezone.localtime(last.appointment.ends_at).time() == dt.time(18)


def test_a_start_before_opening_is_refused_naming_the_days_hours(world, hours, course, chair):
    monday = next_weekday(0)
    message = refused(world, course, chair, at(monday, 7, 30))
    assert message == (
        "Northside is open 08:00–18:00 on Mondays; this booking holds the chair 07:30–09:10 "
        "(infusion and recovery). Choose a time within the opening hours, or another day."
    )


def test_an_end_after_closing_is_refused(world, hours, course, chair):
    message = refused(world, course, chair, at(next_weekday(5), 11, 30))
    assert message.startswith("Northside is open 09:00–13:00 on Saturdays; this booking holds ")
    assert "11:30–13:10" in message
    # one minute too late on a weekday, too
    assert "16:21–18:01" in refused(world, course, chair, at(next_weekday(2), 16, 21))


def test_an_appointment_running_past_midnight_ends_after_closing(world, course, chair):
    opening_hours_set(
        actor=world.actor("clinic_admin"),
        hours={d: (dt.time(0), dt.time(23, 59)) for d in range(7)},
    )
    assert "23:00–00:40" in refused(world, course, chair, at(next_weekday(3), 23))


def test_a_closed_day_is_refused(world, hours, course, chair):
    sunday = next_weekday(6)
    assert refused(world, course, chair, at(sunday, 10)) == (
        f"Northside is closed on Sundays ({sunday:%Y-%m-%d} is a Sunday); choose a day the "
        "clinic is open."
    )


def test_a_clinic_without_hours_takes_any_time(world, course, chair):
    session = book(world, course, chair, at(next_weekday(6), 5))
    assert session.appointment.starts_at == at(next_weekday(6), 5)


def test_the_hours_are_the_clinics_own_time_zone(world, course, chair):
    """Northside in Los Angeles (UTC−8 in winter, UTC−7 in summer) opens 08:00–18:00 there: a
    start at 09:00 Los Angeles time is taken though it is 16:00 or 17:00 in UTC, and one at
    17:00 there is refused though it is early morning in UTC."""
    world.clinic.time_zone = "America/Los_Angeles"
    world.clinic.save(update_fields=["time_zone"])
    opening_hours_set(actor=world.actor("clinic_admin"), hours={d: WEEKDAY_HOURS for d in range(7)})
    la = ZoneInfo("America/Los_Angeles")
    day = next_weekday(2)
    morning = dt.datetime.combine(day, dt.time(9), tzinfo=la).astimezone(dt.UTC)
    assert book(world, course, chair, morning).appointment.starts_at == morning
    evening = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(17), tzinfo=la)
    assert "17:00–18:40" in refused(world, course, chair, evening.astimezone(dt.UTC))


def test_a_back_entry_records_a_session_outside_the_hours(world, hours, course, chair):
    """A back-entry records a session that took place (a start in the past, with its reason):
    the hours do not refuse what has happened."""
    sunday = timezone.localdate() - dt.timedelta(days=(timezone.localdate().weekday() + 1) % 7 + 7)
    appointment = scheduling.appointment_book(
        actor=world.actor("front_desk"),
        course=course,
        chair=chair,
        starts_at=at(sunday, 20),
        back_entry_reason="emergency session entered from the paper log",
    )
    assert appointment.back_entry_reason


def test_rebooking_after_a_cancel_follows_the_same_rule(world, hours, course, chair):
    session = book(world, course, chair, at(next_weekday(0), 9))
    scheduling.appointment_cancel(
        actor=world.actor("front_desk"), appointment=session.appointment, reason="moved"
    )
    assert "on Saturdays" in refused(world, course, chair, at(next_weekday(5), 12))
    assert book(world, course, chair, at(next_weekday(5), 10)).state == "scheduled"


def test_the_booking_page_refuses_on_the_time_field_and_shows_the_hours(
    world, hours, course, chair, login
):
    front = login("front_desk")
    page = front.get(reverse("infusions-course", args=[course.pk])).content.decode()
    assert (
        "Opening hours: Monday–Friday 08:00–18:00; Saturday 09:00–13:00; closed Sunday. "
        "The infusion and the recovery must both fit." in page
    )
    url = reverse("infusions-book", args=[course.pk])
    sunday = next_weekday(6)
    before = row_counts()
    response = front.post(url, {"chair": chair.pk, "date": sunday.isoformat(), "time": "10:00"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Northside is closed on Sundays" in body
    assert "Opening hours: Monday–Friday" in body
    assert response.context["form"].errors["time"][0].startswith("Northside is closed")
    assert row_counts() == before
    monday = next_weekday(0)
    ok = front.post(url, {"chair": chair.pk, "date": monday.isoformat(), "time": "10:00"})
    assert ok.status_code == 302
    assert Appointment.objects.get(course=course).starts_at == at(monday, 10)


def test_the_api_refuses_in_the_one_error_shape(world, hours, course, chair, client_for):
    front = client_for("front_desk")
    url = f"/api/v1/courses/{course.pk}/appointments/"
    before = row_counts()
    response = front.post(
        url,
        {"chair": chair.pk, "starts_at": at(next_weekday(0), 17).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": {
            "starts_at": [
                "Northside is open 08:00–18:00 on Mondays; this booking holds the chair "
                "17:00–18:40 (infusion and recovery). Choose a time within the opening hours, "
                "or another day."
            ]
        },
    }
    assert row_counts() == before
    ok = front.post(
        url, {"chair": chair.pk, "starts_at": at(next_weekday(0), 9).isoformat()}, format="json"
    )
    assert ok.status_code == 201
