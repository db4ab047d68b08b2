import datetime as dt

import pytest
from django.utils import timezone

from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.assessments.services.links import link_issue
from tests.assessments.helpers import PHQ9_ITEM9

pytestmark = pytest.mark.django_db


def test_a_recorded_score_and_a_self_report_reach_the_chart_dashboard_and_queue(
    world, patient, login
):
    nurse = world.actor("nurse")
    assessment_record(
        actor=nurse,
        patient=patient,
        instrument="phq9",
        answers=PHQ9_ITEM9,
        administered_at=timezone.now() - dt.timedelta(days=1),
    )
    issued = link_issue(actor=nurse, patient=patient, instrument="gad7")
    c = login("nurse")
    r = c.get(f"/patients/{patient.pk}/")
    assert r.status_code == 200, r.content[:2000]
    r = c.get("/")
    assert r.status_code == 200
    r = c.get("/alerts/")
    assert r.status_code == 200
    anon = login("anonymous")
    r = anon.get(issued.path)
    assert r.status_code == 200, r.content
    r = anon.post(issued.path, {f"item_{i}": "1" for i in range(1, 8)})
    assert r.status_code == 200 and b"received" in r.content
    r = anon.post(issued.path, {f"item_{i}": "1" for i in range(1, 8)})
    assert b"already been received" in r.content
