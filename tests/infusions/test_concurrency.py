"""Two clinicians at the same moment: exactly one booking of a slot and one reading per vitals
slot. On PostgreSQL the two calls run in two threads with their own connections (the services
lock the chair, patient and session rows); SQLite serialises writers itself, so there the same
calls run one after the other and the same outcome is asserted."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from kitclinic.infusions.models import Appointment, VitalSign
from kitclinic.infusions.services import scheduling
from kitclinic.infusions.services.infusion import observations
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import NORMAL, advance, plan, slot_time

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls):  # type: ignore[no-untyped-def]
    """Run the calls at once (threads on PostgreSQL); returns their results or exceptions."""
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as error:  # noqa: BLE001 - the outcome is what is compared
            results[i] = error
        finally:
            if threading.current_thread() is not threading.main_thread():
                from django.db import connections

                connections.close_all()

    barrier = threading.Barrier(len(calls) if connection.vendor == "postgresql" else 1)
    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    else:
        for i in range(len(calls)):
            run(i)
    return results


def test_two_bookings_of_one_chair_slot_one_succeeds(world, course, chair, other_eligible):
    other = plan(world, other_eligible)
    front, nurse = world.actor("front_desk"), world.actor("nurse")
    results = _race(
        lambda: scheduling.appointment_book(
            actor=front, course=course, chair=chair, starts_at=slot_time(9, 0, days=1)
        ),
        lambda: scheduling.appointment_book(
            actor=nurse, course=other, chair=chair, starts_at=slot_time(9, 0, days=1)
        ),
    )
    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(booked) == 1 and len(refused) == 1, results
    assert "already booked" in str(refused[0])
    assert Appointment.objects.filter(chair=chair).count() == 1


def test_two_nurses_recording_one_vitals_slot_keep_exactly_one_row(world, session):
    session = advance(world, session, SessionState.RUNNING)
    nurse, physician = world.actor("nurse"), world.actor("physician")
    results = _race(
        lambda: observations.vitals_record(actor=nurse, session=session, slot_minute=10, **NORMAL),
        lambda: observations.vitals_record(
            actor=physician, session=session, slot_minute=10, **{**NORMAL, "hr": 80}
        ),
    )
    saved = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, observations.VitalsSlotTaken)]
    assert len(saved) == 1 and len(refused) == 1, results
    winner = saved[0][0]
    assert f"already recorded by {winner.recorded_by}" in str(refused[0])
    assert VitalSign.objects.filter(session=session, slot_minute=10).count() == 1


def test_a_retried_post_with_the_same_key_returns_the_first_reading(world, session):
    session = advance(world, session, SessionState.RUNNING)
    nurse = world.actor("nurse")
    results = _race(
        lambda: observations.vitals_record(
            actor=nurse, session=session, slot_minute=10, idempotency_key="k-1", **NORMAL
        ),
        lambda: observations.vitals_record(
            actor=nurse, session=session, slot_minute=10, idempotency_key="k-1", **NORMAL
        ),
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _, created in results) == [False, True]
    assert len({reading.pk for reading, _ in results}) == 1


def test_two_bookings_of_one_course_at_once_are_numbered_in_start_order(
    world, course, chair, chair2
):
    front, nurse = world.actor("front_desk"), world.actor("nurse")
    results = _race(
        lambda: scheduling.appointment_book(
            actor=front, course=course, chair=chair, starts_at=slot_time(9, 0, days=3)
        ),
        lambda: scheduling.appointment_book(
            actor=nurse, course=course, chair=chair2, starts_at=slot_time(9, 0, days=2)
        ),
    )
    assert all(isinstance(r, Appointment) for r in results), results
    numbers = [
        a.session.number for a in Appointment.objects.filter(course=course).order_by("starts_at")
    ]
    assert numbers == [1, 2]
