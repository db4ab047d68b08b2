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


@override_settings(TIME_ZONE="UTC")
def test_the_chart_and_its_table_show_the_acting_clinics_zone_not_the_servers(world):
    world.clinic.time_zone = "Pacific/Auckland"
    world.clinic.save(update_fields=["time_zone"])
    patient = PatientFactory(home_clinic=world.clinic)
    assessment_record(
        actor=world.actor("nurse"),
        patient=patient,
        instrument="phq9",
        answers=[1, 1, 1, 1, 1, 1, 1, 1, 0],
        administered_at=dt.datetime(2026, 12, 6, 20, 0, tzinfo=dt.UTC),
    )
    html = (
        web_client(world, "physician")
        .get(reverse("patient-chart", args=[patient.pk]))
        .content.decode()
    )
    figure = page_figure(html, "figure-phq9")
    # 20:00 UTC on 6 December is 09:00 on the 7th in Auckland (UTC+13 in summer)
    assert figure["data"][0]["x"] == ["2026-12-07T09:00:00"]
    assert figure["layout"]["xaxis"]["range"][0].startswith("2026-12-07T08:")
    assert "2026-12-07" in html and "2026-12-06" not in html
