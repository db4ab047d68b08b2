"""Treatment courses: planned from the active library for an eligible patient, one active course
per indication, allowed status changes only, induction starts at the first check-in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kitclinic.infusions.services.courses import course_plan, course_transition
from kitclinic.infusions.states import SessionState
from kitclinic.patients import services as patient_services
from tests.infusions.helpers import advance, make_eligible
from tests.patients.helpers import add_trd_history, clear_screen
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def test_course_takes_the_protocols_default_and_course_template(course):
    assert (course.protocol_id, course.planned_infusions, course.status) == (
        "depression-standard",
        6,
        "planned",
    )
    assert course.library_version.number == 1
    assert (course.kind, course.is_esketamine) == ("iv_ketamine", False)


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


# --- a course needs a signed "eligible" decision for its own indication -------------------------


def _plan_refused(world, patient, indication: str, state: str) -> None:
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        course_plan(actor=world.actor("physician"), patient=patient, indication=indication)
    message = " ".join(caught.value.message_dict["indication"])
    assert f"signed eligibility decision of 'eligible' for {indication} ({state})" in message
    assert row_counts() == before


def test_eligible_for_depression_gives_no_ptsd_course(world, library, eligible):
    _plan_refused(world, eligible, "ptsd", "no signed decision")


def test_depression_and_anxiety_codes_give_no_ptsd_course(world, library, patient):
    """F33.2 and F41.1 on file: PTSD can only be signed not eligible, and no PTSD course follows;
    the depression course goes ahead."""
    nurse, physician = world.actor("nurse"), world.actor("physician")
    make_eligible(nurse, physician, patient)  # F33.2, TRD met, clear screen, signed eligible
    patient_services.diagnosis_add(
        actor=nurse, patient=patient, icd10_code="F41.1", description="GAD"
    )
    with pytest.raises(ValidationError, match="may sign: not_eligible"):
        patient_services.eligibility_decide(
            actor=physician,
            patient=patient,
            indication="ptsd",
            outcome="eligible",
            rationale="Trauma history.",
        )
    patient_services.eligibility_decide(
        actor=physician, patient=patient, indication="ptsd", outcome="not_eligible"
    )
    _plan_refused(world, patient, "ptsd", "signed not eligible")
    assert course_plan(actor=physician, patient=patient, indication="depression").pk


def test_a_signed_needs_review_decision_gives_no_course(world, library, patient):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    add_trd_history(nurse, patient)
    patient_services.screen_record(
        actor=nurse, patient=patient, answers=clear_screen(pregnancy=True)
    )
    patient_services.eligibility_decide(
        actor=physician, patient=patient, indication="depression", outcome="needs_review"
    )
    _plan_refused(world, patient, "depression", "signed needs review")


def test_needs_review_signed_eligible_with_a_rationale_gives_a_course(world, library, patient):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    add_trd_history(nurse, patient)
    patient_services.screen_record(
        actor=nurse, patient=patient, answers=clear_screen(uncontrolled_cardiovascular_disease=True)
    )
    decision = patient_services.eligibility_decide(
        actor=physician,
        patient=patient,
        indication="depression",
        outcome="eligible",
        rationale="Blood pressure controlled since; cardiology letter on file.",
    )
    assert (decision.computed_outcome, decision.outcome) == ("needs_review", "eligible")
    course = course_plan(actor=physician, patient=patient, indication="depression")
    assert course.indication == "depression"


def test_a_superseded_eligible_decision_no_longer_gives_a_course(world, library, eligible):
    patient_services.screen_record(
        actor=world.actor("nurse"), patient=eligible, answers=clear_screen(active_psychosis=True)
    )
    patient_services.eligibility_decide(
        actor=world.actor("physician"),
        patient=eligible,
        indication="depression",
        outcome="not_eligible",
    )
    _plan_refused(world, eligible, "depression", "signed not eligible")


def test_course_planning_without_an_eligible_decision_is_refused_over_the_api(
    world, library, eligible
):
    before = row_counts()
    response = api_client(world, "physician").post(
        f"/api/v1/patients/{eligible.pk}/courses/", {"indication": "ptsd"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "'eligible' for ptsd (no signed decision)" in " ".join(
        response.json()["errors"]["indication"]
    )
    assert row_counts() == before
