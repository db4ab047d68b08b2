"""The chart's assessments section costs the same queries for 5 or 500 assessments, and the
trajectory carries the bands, baseline, response and remission lines."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kitclinic.assessments.models import Assessment
from kitclinic.assessments.selectors import patient_assessments
from kitclinic.assessments.services.assessments import assessment_record
from tests.factories import PatientFactory
from tests.support.clients import web_client

pytestmark = pytest.mark.django_db


def _bulk(world, patient, count: int) -> None:
    """``count`` PHQ-9s, one every day, falling from 20 towards remission (one recorded through
    the service, the rest copied in bulk to keep the test fast)."""
    first = assessment_record(
        actor=world.actor("nurse"),
        patient=patient,
        instrument="phq9",
        answers=[3, 3, 3, 3, 2, 2, 2, 2, 0],
        administered_at=timezone.now() - dt.timedelta(days=count + 1),
    )
    rows = []
    for n in range(1, count):
        total = max(0, 20 - n % 21)
        answers = [min(3, max(0, total - 3 * i)) for i in range(8)] + [0]
        rows.append(
            Assessment(
                patient=patient,
                clinic=first.clinic,
                instrument="phq9",
                answers=answers,
                administered_at=first.administered_at + dt.timedelta(days=n),
                administered_by=first.administered_by,
                mode="self_report" if n % 2 else "in_clinic",
                total=sum(answers),
                severity="mild",
                severity_label="Mild",
                flags=[],
                scoring_settings={},
                recorded_at=timezone.now(),
            )
        )
    Assessment.objects.bulk_create(rows)


def _chart_queries(client, patient, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(30):  # the whole chart; the equality below is the point
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/patients/{patient.pk}/")
    assert response.status_code == 200
    assert "plotly.min.js" in response.content.decode()
    return len(ctx.captured_queries)


def test_chart_queries_do_not_grow_from_5_to_500_assessments(world, django_assert_max_num_queries):

    small, big = PatientFactory(home_clinic=world.clinic), PatientFactory(home_clinic=world.clinic)
    _bulk(world, small, 5)
    _bulk(world, big, 500)
    client = web_client(world, "physician")
    few = _chart_queries(client, small, django_assert_max_num_queries)
    many = _chart_queries(client, big, django_assert_max_num_queries)
    assert many == few


def test_trajectory_has_bands_baseline_response_and_remission(world):
    patient = PatientFactory(home_clinic=world.clinic)
    _bulk(world, patient, 5)
    section = patient_assessments(world.actor("physician"), patient)
    (trajectory,) = section.trajectories
    assert trajectory.baseline.total_value == 20
    assert trajectory.response_level == 10.0  # 50% of the baseline ([phq9-remission])
    assert trajectory.remission_level == 5.0 and "< 5" in trajectory.remission_text
    assert [b[0] for b in trajectory.bands] == [
        "none_minimal",
        "mild",
        "moderate",
        "moderately_severe",
        "severe",
    ]
    figure = json.loads(json.dumps(trajectory.figure))
    shapes = figure["layout"]["shapes"]
    assert sum(1 for s in shapes if s["type"] == "rect") == 5
    lines = sorted(s["y0"] for s in shapes if s["type"] == "line")
    assert lines == [5.0, 10.0, 20.0]
    assert figure["data"][0]["y"][0] == 20 and len(figure["data"][0]["y"]) == 5
