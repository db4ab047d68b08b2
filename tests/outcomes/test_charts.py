"""The outcomes pages' charts carry the selectors' series (the JSON a page hands plotly.js), in
the clinic's time zone; the progress report's picture draws the same figure's points."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from kitclinic.lib.chart_image import figure_axes
from kitclinic.lib.charts import local_time
from kitclinic.outcomes import charts, reports
from kitclinic.outcomes.models import LabResult
from kitclinic.outcomes.patient import patient_outcomes
from kitclinic.outcomes.selectors.dashboard import OutcomeFilter, outcomes_dashboard
from kitclinic.outcomes.selectors.labs import lab_association
from tests.factories import PatientFactory
from tests.outcomes.helpers import course_with_scores, day, rate
from tests.support.charts import page_figure
from tests.support.clients import web_client

pytestmark = pytest.mark.django_db
UNITS = {"crp": "mg/L", "il6": "pg/mL"}


def _lab(patient, doc, when: dt.datetime, value: float, analyte: str = "crp") -> None:
    LabResult.objects.create(
        patient=patient,
        clinic=patient.home_clinic,
        analyte=analyte,
        loinc_code="1988-5",
        value=Decimal(str(value)),
        unit=UNITS[analyte],
        collected_at=when,
        recorded_by=doc,
        recorded_at=when,
    )


@pytest.fixture
def cohort(world):
    """Four courses with a CRP before infusion 1; the first patient has IL-6 too and a later
    rating after the course."""
    doc = world.users["physician"]
    patients = []
    for crp, scores in (
        (1.0, [20, 8, 6]),
        (5.0, [20, 15, 14]),
        (9.0, [10, 9, 4]),
        (3.0, [18, 12, 12]),
    ):
        p = PatientFactory(home_clinic=world.clinic)
        course_with_scores(p, clinician=doc, scores=scores)
        _lab(p, doc, day(-2), crp)
        _lab(p, doc, day(5, 20), 0.4)
        patients.append(p)
    _lab(patients[0], doc, day(-20), 2.0, "il6")
    rate(patients[0], "phq9", day(9, 23), 5)
    return patients


@pytest.fixture
def physician(world):
    return web_client(world, "physician")


def test_dashboard_curve_is_the_kaplan_meier_estimate(world, cohort, physician):
    board = outcomes_dashboard(world.actor("physician"), OutcomeFilter("phq9"))
    assert board.km is not None
    (curve,) = page_figure(
        physician.get(reverse("outcomes-dashboard")).content.decode(), "km-spec"
    )["data"]
    assert (curve["x"], curve["y"]) == (board.km.x, board.km.y)
    assert curve["x"][0] == 0 and curve["y"][0] == 1.0 and curve["line"]["shape"] == "hv"


@override_settings(KITCLINIC_LAB_UNITS=UNITS)
def test_lab_association_scatter_has_one_point_per_course(world, cohort, physician):
    assoc = lab_association(world.actor("physician"), "crp", "phq9")
    html = physician.get(reverse("outcomes-labs"), {"analyte": "crp"}).content.decode()
    (points,) = page_figure(html, "lab-spec")["data"]
    assert points["mode"] == "markers" and len(points["x"]) == assoc.n == 4
    assert sorted(zip(points["x"], points["y"], strict=True)) == sorted(
        (p.baseline, p.change_pct) for p in assoc.points
    )
    assert sorted(points["x"]) == [1.0, 3.0, 5.0, 9.0]


@override_settings(KITCLINIC_LAB_UNITS=UNITS, TIME_ZONE="America/New_York")
def test_lab_trend_on_the_chart_shows_each_result_at_the_clinics_time(world, cohort, physician):
    patient = cohort[0]
    html = physician.get(reverse("patient-chart", args=[patient.pk])).content.decode()
    fig = page_figure(html, "lab-trend-spec")
    series = {t["name"]: list(zip(t["x"], t["y"], strict=True)) for t in fig["data"]}
    assert series == {
        "IL-6 (pg/mL)": [("2026-02-10T04:00:00", 2.0)],  # 09:00 UTC is 04:00 in New York (EST)
        # after the change to daylight saving time on 8 March New York is UTC-4
        "CRP (mg/L)": [("2026-02-28T04:00:00", 1.0), ("2026-03-08T00:00:00", 0.4)],
    }
    po = patient_outcomes(world.actor("physician"), patient)
    assert [s["x0"] for s in fig["layout"]["shapes"]] == [local_time(d) for d in po.infusion_dates]
    assert fig["layout"]["xaxis"]["type"] == "date"


@override_settings(TIME_ZONE="America/New_York")
def test_progress_report_picture_draws_the_ratings_and_infusions_of_its_figure(world, cohort):
    po = patient_outcomes(world.actor("physician"), cohort[0])
    (chart,) = charts.progress_figures(po)
    figure = chart.figure
    (scores,) = figure["data"]
    (course,) = po.courses
    points = course.trajectories["phq9"]
    assert scores["y"] == [20, 8, 6, 5] == [p.score for p in points]
    (scale,) = po.scales  # the recorded ratings themselves, to the microsecond
    assert scores["x"] == [local_time(a.administered_at) for a in scale.assessments]
    ax = figure_axes(figure, width_in=7.2, height_in=3.0).axes[0]
    line, *lines = ax.get_lines()
    assert list(line.get_ydata()) == scores["y"]
    assert [x.isoformat() for x in line.get_xdata()] == scores["x"]
    infusions = [i for i in lines if len(set(i.get_xdata())) == 1]  # vertical: the infusions
    assert [i.get_xdata()[0].isoformat() for i in infusions] == [
        local_time(d) for d in po.infusion_dates
    ]
    # the picture's ticks are the page's: the dict's step and range, labels that never repeat
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) == len(set(labels)) >= 2
    assert figure["layout"]["xaxis"]["tickformat"] == "%d %b"
    (picture,) = reports.chart_pictures(po)
    assert picture["src"].startswith("data:image/png;base64,") and picture["name"] == "PHQ-9"


def test_progress_report_without_a_rating_has_no_chart(world, patient):
    po = patient_outcomes(world.actor("physician"), patient)
    assert charts.progress_figures(po) == [] and reports.chart_pictures(po) == []


# --- the table under the scatter: paginated and sortable, the chart keeps every point -----


@override_settings(KITCLINIC_LAB_UNITS=UNITS)
def test_the_table_pages_and_sorts_while_the_chart_shows_every_course(world, cohort, physician):
    url = reverse("outcomes-labs")
    response = physician.get(url, {"analyte": "crp", "size": 3, "sort": "-baseline"})
    listing = response.context["listing"]
    assert (listing.total, listing.num_pages) == (4, 2)
    assert [p.baseline for p in listing.rows] == [9.0, 5.0, 3.0]
    html = response.content.decode()
    assert '<details id="lab-points" open>' in html
    (points,) = page_figure(html, "lab-spec")["data"]
    assert len(points["x"]) == 4
    second = physician.get(url, {"analyte": "crp", "size": 3, "sort": "-baseline", "page": 2})
    assert [p.baseline for p in second.context["listing"].rows] == [1.0]
    # the links keep the marker chosen
    assert all("analyte=crp" in link.href for link in listing.links)


@override_settings(KITCLINIC_LAB_UNITS=UNITS)
def test_the_table_sorts_by_improvement_and_a_bad_sort_is_a_note(world, cohort, physician):
    assoc = lab_association(world.actor("physician"), "crp", "phq9")
    response = physician.get(reverse("outcomes-labs"), {"analyte": "crp", "sort": "change"})
    assert [p.change_pct for p in response.context["listing"].rows] == sorted(
        p.change_pct for p in assoc.points
    )
    bad = physician.get(reverse("outcomes-labs"), {"analyte": "crp", "sort": "patient"})
    assert bad.status_code == 200 and bad.context["listing"].notes
