"""One rule, every door: an esketamine session is refused at booking (service, page, API) and at
the start of the session unless the REMS is in place; an IV ketamine course is not affected."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kitclinic.infusions.models import Appointment, Chair, InfusionSession
from kitclinic.infusions.services import nasal, scheduling
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from kitclinic.rems.services import enrolment_end
from tests.infusions.helpers import book, make_eligible, plan, slot_time
from tests.infusions.nasal_support import walk_nasal
from tests.rems.helpers import (
    all_in_place,
    certify,
    enrol_patient,
    enrol_prescriber,
    esketamine_course,
    today,
)
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair(world):
    library_install_default(organization_id=world.clinic.organization_id)
    return Chair.objects.create(clinic=world.clinic, name="Chair 1")


@pytest.fixture
def course(world, patient, chair):
    return esketamine_course(world, patient)


def test_the_booking_service_refuses_without_the_patient_enrolment(world, patient, course, chair):
    certify(world)
    enrol_prescriber(world)
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        book(world, course, chair, slot_time(days=1))
    (reason,) = refused.value.message_dict["rems"]
    assert "Sam Rivera" in reason and "not enrolled in the REMS" in reason
    assert row_counts() == before
    enrol_patient(world, patient)
    assert book(world, course, chair, slot_time(days=1)).state == SessionState.SCHEDULED


def test_an_iv_ketamine_course_books_without_any_rems_record(world, patient, chair):
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    course = plan(world, patient)
    assert not course.is_esketamine
    assert book(world, course, chair, slot_time(days=1)).state == SessionState.SCHEDULED


def test_the_booking_page_shows_the_refusal_and_writes_nothing(
    world, patient, course, chair, login
):
    front = login("front_desk")
    url = reverse("infusions-book", args=[course.pk])
    day = slot_time(days=1)
    before = row_counts()
    response = front.post(url, {"chair": chair.pk, "date": day.date().isoformat(), "time": "09:00"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "no REMS certification on record" in body
    assert "not enrolled as a REMS prescriber" in body
    assert "not enrolled in the REMS" in body
    assert row_counts() == before
    all_in_place(world, patient)
    ok = front.post(url, {"chair": chair.pk, "date": day.date().isoformat(), "time": "09:00"})
    assert ok.status_code == 302
    assert Appointment.objects.filter(course=course).count() == 1


def test_the_booking_api_refuses_in_the_one_error_shape(world, patient, course, chair, client_for):
    certify(world)
    enrol_patient(world, patient)
    front = client_for("front_desk")
    url = f"/api/v1/courses/{course.pk}/appointments/"
    payload = {"chair": chair.pk, "starts_at": slot_time(days=1).isoformat()}
    before = row_counts()
    response = front.post(url, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "rems" in str(body) and "not enrolled as a REMS prescriber" in str(body)
    assert row_counts() == before
    enrol_prescriber(world)
    assert front.post(url, payload, format="json").status_code == 201


def test_the_session_start_asks_again_on_the_day(world, patient, course, chair):
    all_in_place(world, patient)
    session = book(world, course, chair, slot_time(days=0, hour=0, minute=5))
    t0 = timezone.now().replace(microsecond=0)
    walk_nasal(world, session, until="predose", t0=t0)
    enrolment = patient.rems_enrolments.get()
    enrolment_end(actor=world.actor("physician"), enrolment=enrolment, ended_on=today(world))
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        # the first device starts an esketamine session: the start gate asks again
        nasal.nasal_device_give(actor=world.actor("nurse"), session=session)
    assert "not enrolled in the REMS" in refused.value.message_dict["rems"][0]
    assert row_counts() == before
    assert InfusionSession.objects.get(pk=session.pk).state == SessionState.VERIFIED


def test_there_is_no_override_argument(world):
    """A hard stop: the booking service takes no reason that would let it through."""
    import inspect

    params = inspect.signature(scheduling.appointment_book).parameters
    assert not any("rems" in name or "override" in name for name in params)
