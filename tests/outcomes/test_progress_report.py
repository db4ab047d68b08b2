"""The progress report, as a page and as its two PDFs: every rating scale the patient has (not a
fixed list), the same figures on the page and in the PDF, and the clinician's version written to
the clinician about the patient while the patient's speaks to the patient."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from kitclinic.outcomes import charts, reports
from kitclinic.outcomes.patient import patient_outcomes
from tests.outcomes.helpers import course_with_scores, day, rate
from tests.support.charts import page_figure
from tests.support.clients import web_client

pytestmark = pytest.mark.django_db
PEG_SCORES = [7.33, 6.67, 5.0, 4.33, 3.67, 3.0]


@pytest.fixture
def rated(world, patient):
    """A depression course on the PHQ-9 and six PEG (pain) scores, none of which the outcome
    engine counts."""
    course_with_scores(patient, clinician=world.users["physician"], scores=[20, 12, 8])
    for i, total in enumerate(PEG_SCORES):
        rate(patient, "peg", day(-1 + 2 * i, 10), total)
    return patient


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def _pdf_images(response) -> int:
    return sum(len(p.images) for p in PdfReader(io.BytesIO(response.content)).pages)


def test_every_scale_the_patient_has_is_charted_on_the_page_and_in_both_pdfs(world, rated):
    client = web_client(world, "physician")
    page = client.get(reverse("progress-report-page", args=[rated.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    peg = page_figure(html, "progress-peg")
    assert [float(y) for y in peg["data"][0]["y"]] == PEG_SCORES
    assert len(page_figure(html, "progress-phq9")["data"][0]["y"]) == 3
    for audience in ("patient", "clinician"):
        response = client.get(reverse("progress-report", args=[rated.pk]), {"for": audience})
        text = _pdf_text(response)
        assert "PEG" in text and "PHQ-9" in text
        assert _pdf_images(response) >= 2  # a picture per scale (each may carry its alpha mask)


@override_settings(TIME_ZONE="America/New_York")
def test_the_page_and_the_pdf_draw_the_same_figures(world, rated):
    po = patient_outcomes(world.actor("physician"), rated)
    figures = {c.scale.instrument_id: c.figure for c in charts.progress_figures(po)}
    html = (
        web_client(world, "physician")
        .get(reverse("progress-report-page", args=[rated.pk]))
        .content.decode()
    )
    for instrument, figure in figures.items():
        assert page_figure(html, f"progress-{instrument}") == figure
    assert [p["name"] for p in reports.chart_pictures(po)] == [
        c.scale.name for c in charts.progress_figures(po)
    ]


def test_the_clinician_version_speaks_to_the_clinician_about_the_patient(world, rated):
    client = web_client(world, "physician")
    url = reverse("progress-report", args=[rated.pk])
    text = _pdf_text(client.get(url, {"for": "clinician"}))
    assert "for the referring clinician" in text
    assert "The patient's PHQ-9 total was 20 at baseline and 8 at the last rating" in text
    assert "meets the response criterion" in text
    assert "Other rating scales on record" in text and "PEG" in text
    lowered = f" {text.lower()} "
    for second_person in (" you ", " your ", " you’", " you'"):
        assert second_person not in lowered, second_person
    page = client.get(reverse("progress-report-page", args=[rated.pk]), {"for": "clinician"})
    assert "The patient's PHQ-9 total was" in page.content.decode()


def test_the_patient_version_speaks_to_the_patient(world, rated):
    client = web_client(world, "physician")
    text = _pdf_text(client.get(reverse("progress-report", args=[rated.pk])))
    assert "On the PHQ-9 questionnaire your score was 20 before treatment and 8" in text
    assert "Your other questionnaires" in text and "PEG: your score was" in text
    assert "The patient's" not in text and "referring clinician" not in text
    assert "What this means" in text


def test_the_charts_baseline_is_the_courses_as_the_text_says(world, patient):
    rate(patient, "phq9", day(-30), 25)  # a screening score long before the course
    course_with_scores(patient, clinician=world.users["physician"], scores=[20, 12, 8])
    po = patient_outcomes(world.actor("physician"), patient)
    (phq9,) = po.scales
    assert float(phq9.baseline.total) == 20 == po.courses[0].outcomes[0].baseline
    (chart,) = charts.progress_figures(po)
    labels = [a["text"] for a in chart.figure["layout"]["annotations"]]
    assert "baseline 20" in labels and "baseline 25" not in labels


def test_the_chart_page_takes_the_reports_baseline(world, patient):
    """A score long before the course is not the baseline on the chart either: the chart page
    and the progress report both start from the last score before the first infusion."""
    rate(patient, "phq9", day(-30), 25)
    course_with_scores(patient, clinician=world.users["physician"], scores=[20, 12, 8])
    client = web_client(world, "physician")
    chart = client.get(reverse("patient-chart", args=[patient.pk]))
    report = client.get(reverse("progress-report-page", args=[patient.pk]))
    on_chart = page_figure(chart.content.decode(), "figure-phq9")
    in_report = page_figure(report.content.decode(), "progress-phq9")
    for figure in (on_chart, in_report):
        labels = [a["text"] for a in figure["layout"]["annotations"]]
        assert "baseline 20" in labels and "baseline 25" not in labels
    (trajectory,) = chart.context["assessments"].trajectories
    assert trajectory.response_text == "Response: ≥50% fall from baseline 20"
    assert "fall from baseline 20" in chart.content.decode()
