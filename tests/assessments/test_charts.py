"""The chart page's score trajectory plots each recorded total at the clinic's local time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from kitclinic.assessments.models import Assessment
from kitclinic.assessments.services.assessments import assessment_record
from tests.factories import PatientFactory
from tests.support.charts import page_figure
from tests.support.clients import web_client

pytestmark = pytest.mark.django_db


@override_settings(TIME_ZONE="America/New_York")
def test_trajectory_plots_each_total_at_the_clinics_time(world):
    patient = PatientFactory(home_clinic=world.clinic)
    for when, answers in (
        (dt.datetime(2026, 3, 7, 3, 30, tzinfo=dt.UTC), [3, 3, 3, 3, 2, 2, 2, 2, 0]),
        (dt.datetime(2026, 3, 9, 15, 0, tzinfo=dt.UTC), [1, 1, 1, 1, 1, 1, 1, 1, 0]),
    ):
        assessment_record(
            actor=world.actor("nurse"),
            patient=patient,
            instrument="phq9",
            answers=answers,
            administered_at=when,
        )
    html = (
        web_client(world, "physician")
        .get(reverse("patient-chart", args=[patient.pk]))
        .content.decode()
    )
    (scores,) = page_figure(html, "figure-phq9")["data"]
    totals = [a.total_value for a in Assessment.objects.filter(patient=patient).order_by("id")]
    assert scores["y"] == totals == [20, 8]
    # 03:30 UTC on 7 March is the evening of the 6th in New York; the 9th is daylight saving time
    assert scores["x"] == ["2026-03-06T22:30:00", "2026-03-09T11:00:00"]
