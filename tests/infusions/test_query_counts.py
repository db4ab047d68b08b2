"""The session page and the clinic day run a fixed number of queries whatever the amount of data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.infusion import observations, pump
from kitclinic.infusions.states import SessionState
from tests.factories import PatientFactory
from tests.infusions.helpers import NORMAL, advance, book, make_eligible, plan, slot_time

pytestmark = pytest.mark.django_db

MAX_QUERIES = 30


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_session_page_queries_do_not_grow_with_the_record(login, world, session):
    client = login("nurse")
    session = advance(world, session, SessionState.RUNNING)
    url = reverse("infusions-session", args=[session.pk])
    nurse = world.actor("nurse")
    observations.vitals_record(actor=nurse, session=session, slot_minute=10, **NORMAL)
    small = _count(client, url)
    for minute in (20, 30, 40):
        observations.vitals_record(actor=nurse, session=session, slot_minute=minute, **NORMAL)
        observations.score_record(actor=nurse, session=session, kind="moaas", level=4)
        observations.adverse_event_record(
            actor=nurse,
            session=session,
            description="nausea",
            severity="mild",
            action_taken="observed",
        )
    pump.infusion_pause(actor=nurse, session=session, reason="nausea")
    pump.infusion_resume(actor=nurse, session=session)
    large = _count(client, url)
    assert small == large <= MAX_QUERIES


def test_day_page_queries_do_not_grow_with_chairs_and_appointments(login, world, course, chair):
    client = login("front_desk")
    url = reverse("infusions-today")
    book(world, course, chair, slot_time(8, 0))
    small = _count(client, url)
    for n in range(2, 6):
        extra_chair = Chair.objects.create(clinic=world.clinic, name=f"Chair {n}")
        patient = PatientFactory(home_clinic=world.clinic)
        make_eligible(world.actor("nurse"), world.actor("physician"), patient)
        book(world, plan(world, patient), extra_chair, slot_time(8, 0))
    large = _count(client, url)
    assert small == large <= MAX_QUERIES
    html = client.get(url).content.decode()
    assert html.count("Check in") >= 5 and "Chair 5" in html


# One vitals post over the API with a token, as a monitor sends it: the token and the acting
# membership, the token's account-lockout check, the session (organization check), its row
# lock, one read of the slot, the key and the baseline, the order's library version, the
# signed-session guard, the insert and its audit event, which takes 3 (lock the audit chain's
# head, insert, move the head) (SQLite and PostgreSQL count the savepoints of the two atomic
# blocks too). It was 16, then 13, then 15 with the audit chain.
VITALS_POST_MAX_QUERIES = 16


def test_one_vitals_post_over_the_api_runs_a_fixed_small_number_of_queries(
    world, session, django_assert_max_num_queries
):
    from rest_framework.test import APIClient

    from kitclinic.audit.models import AuditEvent
    from kitclinic.infusions.models import VitalSign
    from tests.factories import api_token_for

    session = advance(world, session, SessionState.RUNNING)
    client = APIClient()
    key = api_token_for(world.users["nurse"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/v1/sessions/{session.pk}/vitals/"
    first = client.post(url, {"slot_minute": 10, **NORMAL}, format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert first.status_code == 201
    audits = AuditEvent.objects.count()
    with django_assert_max_num_queries(VITALS_POST_MAX_QUERIES):
        response = client.post(
            url, {"slot_minute": 20, **NORMAL}, format="json", HTTP_IDEMPOTENCY_KEY="b"
        )
    assert response.status_code == 201, response.json()
    assert AuditEvent.objects.count() == audits + 1
    with django_assert_max_num_queries(VITALS_POST_MAX_QUERIES):
        retry = client.post(
            url, {"slot_minute": 20, **NORMAL}, format="json", HTTP_IDEMPOTENCY_KEY="b"
        )
    assert (retry.status_code, retry.json()["id"]) == (200, response.json()["id"])
    assert VitalSign.objects.filter(session=session, slot_minute=20).count() == 1
