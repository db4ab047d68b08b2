"""Scheduling sanity: a booking in the past is a back-entry with its reason (marked, shown,
audited); a course's sessions are numbered 1..n by start time whatever the order of bookings,
cancels and no-shows, and the database refuses a duplicate; a session beyond the plan needs a
reason; a date outside what the record holds is a 400 naming the field, never a 500."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import Appointment, Chair, InfusionSession
from kitclinic.infusions.services import scheduling
from kitclinic.infusions.states import NOT_HELD_STATES, SessionState
from tests.infusions.api_support import check_in_body, walk
from tests.infusions.helpers import advance, book, make_due, slot_time
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
S = SessionState


def _book(world, course, chair, starts_at, **reasons):  # type: ignore[no-untyped-def]
    return scheduling.appointment_book(
        actor=world.actor("front_desk"), course=course, chair=chair, starts_at=starts_at, **reasons
    ).session


def _numbers(course) -> list[tuple[int, dt.datetime]]:  # type: ignore[no-untyped-def]
    """(number, start) of the course's held sessions, in start order."""
    return [
        (s.number, s.appointment.starts_at)
        for s in InfusionSession.objects.filter(course=course)
        .exclude(state__in=[s.value for s in NOT_HELD_STATES])
        .select_related("appointment")
        .order_by("appointment__starts_at")
    ]


def _assert_in_order(course) -> None:  # type: ignore[no-untyped-def]
    numbers = [n for n, _ in _numbers(course)]
    assert numbers == list(range(1, len(numbers) + 1))


# --- back-entries -----------------------------------------------------------------------------


def test_a_booking_in_the_past_without_a_reason_is_refused_and_writes_nothing(world, course, chair):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        _book(world, course, chair, timezone.now() - dt.timedelta(days=2))
    [message] = exc.value.message_dict["back_entry_reason"]
    assert "is in the past" in message and "reason for the back-entry" in message
    assert row_counts() == before


def test_a_back_entry_is_stored_marked_audited_and_shown(world, course, chair, login):
    when = slot_time(9, 0, days=-2)
    session = _book(world, course, chair, when, back_entry_reason="paper chart, power outage")
    appointment = session.appointment
    assert appointment.back_entry_reason == "paper chart, power outage"
    assert appointment.is_back_entry and session.state == S.SCHEDULED
    event = AuditEvent.objects.get(
        object_type="infusions.appointment", object_id=str(appointment.pk), action="create"
    )
    assert event.changes["back_entry_reason"] == [None, "paper chart, power outage"]
    nurse = login("nurse")
    course_page = nurse.get(reverse("infusions-course", args=[course.pk])).content.decode()
    assert "recorded afterwards" in course_page and "paper chart, power outage" in course_page
    session_page = nurse.get(reverse("infusions-session", args=[session.pk])).content.decode()
    assert 'id="back-entry"' in session_page and "paper chart, power outage" in session_page


def test_a_start_just_now_is_a_booking_not_a_back_entry(world, course, chair):
    session = _book(world, course, chair, timezone.now() - dt.timedelta(minutes=5))
    assert session.appointment.back_entry_reason == ""


def test_a_back_entry_reason_on_a_future_booking_is_refused(world, course, chair):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        _book(world, course, chair, slot_time(9, 0, days=1), back_entry_reason="x")
    assert "back_entry_reason" in exc.value.message_dict
    assert row_counts() == before


def test_a_back_entry_reaches_back_at_most_the_horizon(world, course, chair):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        _book(world, course, chair, slot_time(9, 0, days=-400), back_entry_reason="old chart")
    assert exc.value.message_dict["starts_at"][0].startswith(
        "A session can be recorded at most 365 days back"
    )
    assert row_counts() == before


def test_the_booking_page_asks_for_the_back_entry_reason(world, course, chair, login):
    front = login("front_desk")
    past = timezone.localdate() - dt.timedelta(days=3)
    url = reverse("infusions-book", args=[course.pk])
    form = {"chair": chair.pk, "date": past.isoformat(), "time": "09:00"}
    before = row_counts()
    refused = front.post(url, form)
    assert refused.status_code == 422
    assert "Give the reason for the back-entry" in refused.content.decode()
    assert row_counts() == before
    done = front.post(url, {**form, "back_entry_reason": "entered from the paper log"})
    assert done.status_code == 302
    assert Appointment.objects.get(course=course).back_entry_reason == "entered from the paper log"


def test_the_api_asks_for_the_back_entry_reason(world, course, chair):
    client = api_client(world, "front_desk")
    url = f"/api/v1/courses/{course.pk}/appointments/"
    body = {"chair": chair.pk, "starts_at": slot_time(9, 0, days=-3).isoformat()}
    before = row_counts()
    refused = client.post(url, body, format="json")
    assert refused.status_code == 400 and "back_entry_reason" in refused.json()["errors"]
    assert row_counts() == before
    done = client.post(url, {**body, "back_entry_reason": "paper log"}, format="json")
    assert done.status_code == 201, done.content
    assert done.json()["back_entry_reason"] == "paper log"
    assert done.json()["session_number"] == 1


# --- session numbers --------------------------------------------------------------------------


def test_a_back_entry_takes_its_place_and_later_sessions_move_up(world, course, chair):
    tomorrow = _book(world, course, chair, slot_time(9, 0, days=1))
    later = _book(world, course, chair, slot_time(9, 0, days=3))
    earlier = _book(world, course, chair, slot_time(9, 0, days=-2), back_entry_reason="paper")
    for s in (tomorrow, later, earlier):
        s.refresh_from_db()
    assert (earlier.number, tomorrow.number, later.number) == (1, 2, 3)
    moved = AuditEvent.objects.get(
        object_type="infusions.infusionsession", object_id=str(tomorrow.pk), changes__number=[1, 2]
    )
    assert moved.detail == "Renumbered by start time within the course."


def test_cancels_and_no_shows_give_up_their_number(world, course, chair):
    a = _book(world, course, chair, slot_time(9, 0, days=1))
    b = _book(world, course, chair, slot_time(9, 0, days=2))
    c = _book(world, course, chair, slot_time(9, 0, days=3))
    scheduling.appointment_cancel(
        actor=world.actor("front_desk"), appointment=a.appointment, reason="travel"
    )
    scheduling.session_no_show(actor=world.actor("front_desk"), session=make_due(b))
    c.refresh_from_db()
    assert c.number == 1
    d = _book(world, course, chair, slot_time(9, 0, days=4))
    assert d.number == 2
    _assert_in_order(course)


def test_numbers_stay_1_to_n_in_start_order_through_any_mix_of_changes(world, course, chair):
    course.planned_infusions = 100
    course.save(update_fields=["planned_infusions"])
    rng = random.Random(7)
    front = world.actor("front_desk")
    days = list(range(-30, 60))
    rng.shuffle(days)
    booked: list[InfusionSession] = []
    for day in days[:24]:
        when = slot_time(8 + rng.randrange(8), 0, days=day)
        reason = "paper log" if when < timezone.now() - scheduling.BOOKING_GRACE else ""
        booked.append(_book(world, course, chair, when, back_entry_reason=reason))
        if rng.random() < 0.3:
            victim = rng.choice([s for s in booked if s.state == S.SCHEDULED])
            scheduling.appointment_cancel(
                actor=front, appointment=victim.appointment, reason="moved"
            )
            victim.refresh_from_db()
        _assert_in_order(course)
    assert len(_numbers(course)) >= 10


def test_a_signed_sessions_number_follows_an_earlier_back_entry(world, course, chair):
    signed = advance(world, book(world, course, chair, slot_time(9, 0, days=1)), S.SIGNED)
    assert signed.number == 1
    _book(world, course, chair, slot_time(9, 0, days=-5), back_entry_reason="paper")
    signed.refresh_from_db()
    assert signed.number == 2 and signed.state == S.SIGNED


def test_the_database_refuses_two_held_sessions_with_one_number(world, course, chair):
    a = _book(world, course, chair, slot_time(9, 0, days=1))
    b = _book(world, course, chair, slot_time(9, 0, days=2))
    with pytest.raises(IntegrityError), transaction.atomic():
        InfusionSession.objects.filter(pk=b.pk).update(number=a.number)
    # a cancelled session keeps its old number beside the one that took it
    scheduling.appointment_cancel(
        actor=world.actor("front_desk"), appointment=a.appointment, reason="x"
    )
    b.refresh_from_db()
    a.refresh_from_db()
    assert a.number == b.number == 1 and a.state == S.CANCELLED


# --- the course's plan ------------------------------------------------------------------------


def test_a_session_beyond_the_plan_needs_a_reason(world, course, chair, login):
    course.planned_infusions = 2
    course.save(update_fields=["planned_infusions"])
    _book(world, course, chair, slot_time(9, 0, days=1))
    _book(world, course, chair, slot_time(9, 0, days=2))
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        _book(world, course, chair, slot_time(9, 0, days=3))
    assert exc.value.message_dict["over_plan_reason"] == [
        "The course plans 2 infusions and 2 are booked or given; give the reason for one more."
    ]
    assert row_counts() == before
    extra = _book(world, course, chair, slot_time(9, 0, days=3), over_plan_reason="partial so far")
    assert extra.appointment.over_plan_reason == "partial so far" and extra.number == 3
    page = login("nurse").get(reverse("infusions-course", args=[course.pk])).content.decode()
    assert "beyond the plan" in page


def test_a_cancelled_session_does_not_use_up_the_plan(world, course, chair):
    course.planned_infusions = 1
    course.save(update_fields=["planned_infusions"])
    first = _book(world, course, chair, slot_time(9, 0, days=1))
    scheduling.appointment_cancel(
        actor=world.actor("front_desk"), appointment=first.appointment, reason="x"
    )
    assert _book(world, course, chair, slot_time(9, 0, days=2)).number == 1
    with pytest.raises(ValidationError, match="give the reason for one more"):
        _book(world, course, chair, slot_time(9, 0, days=3))
    with pytest.raises(ValidationError) as exc:
        _book(world, course, chair, slot_time(12, 0, days=5), over_plan_reason="")
    assert "over_plan_reason" in exc.value.message_dict


def test_an_over_plan_reason_within_the_plan_is_refused(world, course, chair):
    with pytest.raises(ValidationError) as exc:
        _book(world, course, chair, slot_time(9, 0, days=1), over_plan_reason="x")
    assert "leave this empty" in exc.value.message_dict["over_plan_reason"][0]


# --- dates the record cannot hold -------------------------------------------------------------

FAR = ["9999-12-31T23:00:00-05:00", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+05:00"]


@pytest.mark.parametrize("starts_at", [*FAR, "3000-01-01T09:00:00Z", "1899-12-31T09:00:00Z"])
def test_a_booking_outside_the_record_is_a_400_naming_starts_at(world, course, chair, starts_at):
    client = api_client(world, "front_desk")
    before = row_counts()
    response = client.post(
        f"/api/v1/courses/{course.pk}/appointments/",
        {"chair": chair.pk, "starts_at": starts_at, "back_entry_reason": "x"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["starts_at"]
    assert row_counts() == before


@pytest.mark.parametrize("when", FAR)
def test_vitals_and_adverse_event_times_outside_the_record_are_400s(world, session, when):
    session = walk(world, session, S.RUNNING, world.actor("physician"))
    nurse = api_client(world, "nurse")
    base = f"/api/v1/sessions/{session.pk}/"
    before = row_counts()
    vitals = nurse.post(
        base + "vitals/",
        {
            "slot_minute": 10,
            "sbp": 120,
            "dbp": 80,
            "hr": 70,
            "rr": 14,
            "spo2": 98,
            "taken_at": when,
        },
        format="json",
    )
    assert vitals.status_code == 400 and "taken_at" in vitals.json()["errors"]
    event = {"description": "x", "severity": "mild", "action_taken": "x", "occurred_at": when}
    adverse = nurse.post(base + "adverse-events/", event, format="json")
    assert adverse.status_code == 400 and "occurred_at" in adverse.json()["errors"]
    assert row_counts() == before


def test_an_adverse_event_in_the_future_is_refused(world, session):
    session = walk(world, session, S.RUNNING, world.actor("physician"))
    later = (timezone.now() + dt.timedelta(days=30)).isoformat()
    event = {"description": "x", "severity": "mild", "action_taken": "x", "occurred_at": later}
    before = row_counts()
    response = api_client(world, "nurse").post(
        f"/api/v1/sessions/{session.pk}/adverse-events/", event, format="json"
    )
    assert response.status_code == 400 and "occurred_at" in response.json()["errors"]
    assert row_counts() == before


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_consent_date_outside_the_record_is_a_400(world, session, day):
    before = row_counts()
    response = api_client(world, "nurse").post(
        f"/api/v1/sessions/{session.pk}/check-in/", check_in_body(consent_date=day), format="json"
    )
    assert response.status_code == 400 and "consent_date" in response.json()["errors"]
    assert row_counts() == before


def test_the_day_list_and_page_of_year_9999(world, login):
    response = api_client(world, "nurse").get("/api/v1/appointments/", {"day": "9999-12-31"})
    assert response.status_code == 400 and "day" in response.json()["errors"]
    page = login("nurse").get(reverse("infusions-today"), {"day": "9999-12-31"})
    assert page.status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_booking_page_refuses_a_date_outside_the_record(world, course, chair, login, day):
    front = login("front_desk")
    before = row_counts()
    response = front.post(
        reverse("infusions-book", args=[course.pk]),
        {"chair": chair.pk, "date": day, "time": "09:00", "back_entry_reason": "x"},
    )
    assert response.status_code == 422
    assert "Give a date between 1900-01-01 and 2200-12-31." in response.content.decode()
    assert row_counts() == before


def test_a_no_show_before_the_start_is_a_400_over_the_api(world, course, chair):
    session = _book(world, course, chair, slot_time(9, 0, days=1))
    before = row_counts()
    response = api_client(world, "front_desk").post(
        f"/api/v1/sessions/{session.pk}/no-show/", {}, format="json"
    )
    assert response.status_code == 400 and "Cancel it" in str(response.json())
    assert row_counts() == before


def test_another_chair_of_the_day_is_still_bookable_after_a_no_show(world, course, chair):
    session = make_due(_book(world, course, chair, slot_time(9, 0, days=1)))
    scheduling.session_no_show(actor=world.actor("nurse"), session=session)
    spare = Chair.objects.create(clinic=world.clinic, name="Chair 9")
    again = _book(world, course, spare, slot_time(9, 0, days=2))
    assert again.number == 1
