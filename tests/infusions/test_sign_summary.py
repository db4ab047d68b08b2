"""The sign-off summary: one selector (session_summary) for the sign page and the API; the page
shows it first (GET) and signs on POST. Figures worked by hand: 70 kg, 0.5 mg/kg = 35 mg over
40 min; baseline BP 124/78; highest reading 162/96 (+38/+18); CADSS highest 14."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.selectors.summary import session_summary
from kitclinic.infusions.services.infusion import observations, stop
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import NORMAL, advance, clock_at
from tests.support.clients import api_client

pytestmark = pytest.mark.django_db
S = SessionState
CADSS_14 = [2] * 7 + [0] * 16


@pytest.fixture
def discharged(world, session):
    running = advance(world, session, S.RUNNING, elapsed_min=80)
    nurse = world.actor("nurse")

    def at(minutes: float):  # type: ignore[no-untyped-def]
        return clock_at(running.started_at + dt.timedelta(minutes=minutes))

    for minute, sbp, dbp in ((10, 140, 84), (20, 162, 96), (30, 150, 90)):
        with at(minute):
            observations.vitals_record(
                actor=nurse,
                session=running,
                slot_minute=minute,
                **{**NORMAL, "sbp": sbp, "dbp": dbp},
            )
    with at(40):
        observations.score_record(actor=nurse, session=running, kind="cadss", answers=CADSS_14)
        observations.score_record(
            actor=nurse, session=running, kind="cadss", answers=[1] * 5 + [0] * 18
        )
        observations.adverse_event_record(
            actor=nurse,
            session=running,
            description="Nausea",
            severity="mild",
            action_taken="observed",
        )
        stop.infusion_stop(actor=nurse, session=running)
    with at(75):
        from kitclinic.infusions.services.sessions.discharge import session_discharge
        from tests.infusions.helpers import ALDRETE_READY

        session_discharge(
            actor=nurse,
            session=running,
            aldrete_answers=ALDRETE_READY,
            escort_present=True,
            instructions_given=True,
        )
    running.refresh_from_db()
    return running


def test_the_summary_has_ordered_against_delivered_and_the_sessions_course(world, discharged):
    s = session_summary(world.actor("physician"), discharged)
    assert (s.ordered_mg, s.ordered_mg_per_kg, s.ordered_ml) == (
        Decimal("35"),
        Decimal("0.5"),
        Decimal("35"),
    )
    assert (s.delivered_mg, s.delivered_mg_per_kg, s.delivered_share) == (
        Decimal("35"),
        Decimal("0.5"),
        Decimal("1"),
    )
    assert s.complete is True and s.counts_as_complete and s.stop_reason == "completed"
    assert s.running_min == Decimal("40")
    assert (s.peak_sbp_rise, s.peak_dbp_rise, s.peak_sbp) == (38, 18, 162)
    assert s.highest_cadss == Decimal("14")
    assert [a.description for a in s.adverse_events] == ["Nausea"]
    assert (s.drawn_mg, s.wasted_mg, s.outstanding_mg) == (0, 0, 0) and s.signable
    assert AuditEvent.objects.filter(
        action="view", object_id=str(discharged.pk), detail="sign-off summary"
    ).exists()


def test_the_sign_page_shows_the_summary_then_signs(world, discharged, login):
    client = login("physician")
    url = reverse("infusions-sign", args=[discharged.pk])
    page = client.get(url).content.decode()
    for text in (
        "Sign-off summary",
        "<strong>35</strong>",
        "40 min of running (ordered 40 min)",
        "SBP +38 mmHg (highest 162, baseline 124/78); DBP +18 mmHg",
        'id="cadss">14<',
        "Nausea (mild; observed)",
        "no draw logged for this session",
    ):
        assert text in page, text
    discharged.refresh_from_db()
    assert discharged.state == S.DISCHARGED  # looking signs nothing
    response = client.post(url)
    assert response.status_code == 302
    discharged.refresh_from_db()
    assert discharged.state == S.SIGNED


def test_the_api_summary_is_the_same_selectors(world, discharged):
    body = api_client(world, "nurse").get(f"/api/v1/sessions/{discharged.pk}/summary/").json()
    assert (body["ordered_mg"], body["delivered_mg"], body["delivered_mg_per_kg"]) == (
        "35.0000",
        "35.0000",
        "0.5000",
    )
    assert (body["peak_sbp_rise"], body["highest_cadss"], body["signable"]) == (38, "14.00", True)
    assert body["adverse_events"][0]["severity"] == "mild"


def test_the_session_detail_api_carries_the_delivered_dose(world, discharged):
    body = api_client(world, "nurse").get(f"/api/v1/sessions/{discharged.pk}/").json()
    assert (body["delivered_ml"], body["delivered_mg"]) == ("35.000", "35.000")
    stop = next(e for e in body["events"] if e["kind"] == "stop")
    assert stop["detail"]["complete"] is True
