"""Treatment courses: planned from the active library for an eligible patient, one active course
per indication, allowed status changes only, induction starts at the first check-in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kitclinic.infusions.services.courses import course_plan, course_transition
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import advance, row_counts

pytestmark = pytest.mark.django_db


def test_course_takes_the_protocols_default_and_course_template(course):
    assert (course.protocol_id, course.planned_infusions, course.status) == (
        "depression-standard",
        6,
        "planned",
    )
    assert course.library_version.number == 1


def test_a_patient_without_an_eligible_decision_gets_no_course(world, library, patient):
    before = row_counts()
    with pytest.raises(ValidationError, match="signed eligibility decision of 'eligible'"):
        course_plan(actor=world.actor("physician"), patient=patient, indication="depression")
    assert row_counts() == before


def test_a_second_active_course_for_the_indication_is_refused(world, course):
    with pytest.raises(ValidationError, match="already has an active depression course"):
        course_plan(actor=world.actor("physician"), patient=course.patient, indication="depression")


def test_a_protocol_of_another_indication_is_refused(world, library, eligible):
    with pytest.raises(ValidationError, match="is for chronic_pain"):
        course_plan(
            actor=world.actor("physician"),
            patient=eligible,
            indication="depression",
            protocol_id="chronic-pain-cohen-2018",
        )


def test_status_changes_follow_the_allowed_transitions(world, course, session):
    physician = world.actor("physician")
    with pytest.raises(ValidationError, match="cannot become maintenance"):
        course_transition(actor=physician, course=course, to_status="maintenance")
    advance(world, session, SessionState.CHECKED_IN)
    course.refresh_from_db()
    assert course.status == "induction"
    with pytest.raises(ValidationError, match="reason"):
        course_transition(actor=physician, course=course, to_status="stopped")
    course_transition(actor=physician, course=course, to_status="stopped", reason="no response")
    with pytest.raises(ValidationError, match="none"):
        course_transition(actor=physician, course=course, to_status="induction")
