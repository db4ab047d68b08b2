"""Complete and incomplete infusions in the outcome analyses and reports: a session stopped below
KITCLINIC_COMPLETE_INFUSION_MIN_SHARE of its ordered volume is not counted as an infusion given
(infusion numbers, infusions to response, the review point), is shown apart, and its side effects
still count."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from kitclinic.outcomes.data import dataset
from kitclinic.outcomes.patient import patient_outcomes
from kitclinic.outcomes.selectors.dashboard import OutcomeFilter, outcomes_dashboard
from tests.factories import PatientFactory
from tests.outcomes.helpers import (
    assert_dashboards_match_the_engine,
    day,
    give_infusion,
    make_course,
    rate,
)
from tests.support.clients import web_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(world, patient):
    """PHQ-9 20 before; infusion 1 complete (→ 16), infusion 2 stopped at 30 % (→ 15),
    infusion 3 complete (→ 10, a response after the second complete infusion), infusion 4
    still running (not judged yet)."""
    c = make_course(patient, clinician=world.users["physician"], planned_at=day(-7))
    rate(patient, "phq9", day(-1), 20)
    give_infusion(c, 1, day(0), delivered_share="1", pre_sbp=120, max_sbp=130)
    rate(patient, "phq9", day(1), 16)
    give_infusion(c, 2, day(3), delivered_share="0.3", adverse_events=1)
    rate(patient, "phq9", day(4), 15)
    give_infusion(c, 3, day(6), delivered_share="0.995")
    rate(patient, "phq9", day(7), 10)
    give_infusion(c, 4, day(9), state="running")
    return c


def test_infusion_numbers_count_complete_infusions_only(world, course):
    ds = dataset.build_dataset(world.clinic.organization_id)
    placed = sorted(
        (int(n), float(s)) for n, s in zip(ds.rows.infusion_number, ds.rows.score, strict=True)
    )
    # the rating after the incomplete infusion 2 is still "after infusion 1"
    assert placed == [(0, 20.0), (1, 15.0), (1, 16.0), (2, 10.0)]
    (k,) = (ds.outcomes.instrument == "phq9").nonzero()[0]
    assert ds.outcomes.first_response_infusion[k] == 2


def test_the_dashboard_shows_incomplete_infusions_apart_and_counts_their_side_effects(
    world, course
):
    board = outcomes_dashboard(world.actor("physician"), OutcomeFilter("phq9"))
    s = board.side_effects
    # complete: 1, 3 and the running 4; incomplete: 2 (whose adverse event still counts)
    assert (s.sessions, s.incomplete_sessions, s.given) == (3, 1, 4)
    assert s.adverse_events == 1 and s.adverse_events_per_session == pytest.approx(1 / 4)
    assert board.median_infusions_to_response == 2
    # the per-course summaries carry the split exactly as the engine computes it
    assert_dashboards_match_the_engine(world.clinic.organization_id)


def test_the_share_is_a_setting(world, course):
    with override_settings(KITCLINIC_COMPLETE_INFUSION_MIN_SHARE=Decimal("0.25")):
        ds = dataset.build_dataset(world.clinic.organization_id)
    assert (int(ds.effects.sessions[0]), int(ds.effects.incomplete[0])) == (4, 0)
    assert sorted(ds.rows.infusion_number.tolist()) == [0, 1, 2, 3]


def test_the_chart_and_the_progress_report_name_the_incomplete_infusion(world, course):
    view = patient_outcomes(world.actor("physician"), course.patient).courses[0]
    assert view.infusions_given == 3
    assert [(i.delivered_mg, i.complete) for i in view.incomplete] == [(Decimal("10.500"), False)]
    client = web_client(world, "physician")
    chart = client.get(reverse("patient-chart", args=[course.patient_id])).content.decode()
    assert "3 infusions given, 1 stopped before the full dose (not counted)" in chart
    response = client.get(
        reverse("progress-report", args=[course.patient_id]), {"for": "clinician"}
    )
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Infusions given: 3" in text
    assert "Stopped before the full dose was given (not counted above): 1" in text
    assert "10.5 of 35 mg" in text and "incomplete" in text


def test_an_infusion_stopped_through_the_services_is_classified_by_its_delivered_dose(world):
    """End to end: the stop stores what the pump delivered, the outcomes read it."""
    import datetime as dt

    from kitclinic.infusions.models import Chair
    from kitclinic.infusions.services.infusion import stop
    from kitclinic.infusions.services.library import library_install_default
    from kitclinic.infusions.states import SessionState
    from tests.infusions.helpers import advance, book, clock_at, make_eligible, plan

    library_install_default(organization_id=world.clinic.organization_id)
    patient = make_eligible(
        world.actor("nurse"), world.actor("physician"), PatientFactory(home_clinic=world.clinic)
    )
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 9")
    session = advance(
        world, book(world, plan(world, patient), chair), SessionState.RUNNING, elapsed_min=8
    )
    with clock_at(session.started_at + dt.timedelta(minutes=8)):
        stop.infusion_stop(
            actor=world.actor("nurse"),
            session=session,
            stop_reason="adverse_event",
            reason="vomiting",
        )
    session.refresh_from_db()
    assert session.delivered_mg == Decimal("7.000")  # 8 min at 52.5 mL/h of 1 mg/mL
    ds = dataset.build_dataset(world.clinic.organization_id)
    assert (int(ds.effects.sessions.sum()), int(ds.effects.incomplete.sum())) == (0, 1)
