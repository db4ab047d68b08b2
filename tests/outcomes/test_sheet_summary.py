"""Each information sheet opens with a plain-language summary box at reading grade 8 or below
(Flesch–Kincaid, measured with textstat), then icon arrays of 100 people for the published
response after the first infusion and after a course, each with its plain citation; a citation
not yet verified is left out of everything a patient reads, with its findings."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
import textstat
from django.urls import reverse
from pypdf import PdfReader

from kitclinic.outcomes import reports, sheets
from kitclinic.outcomes.evidence import figures, references, response
from kitclinic.outcomes.evidence.references import REFERENCES, patient_citable
from kitclinic.outcomes.evidence.response import RESPONSE_RATES, response_rates_for
from kitclinic.outcomes.icon_array import FILLED, icon_array_svg
from kitclinic.outcomes.services import info_sheet_publish
from kitclinic.patients.models import INDICATIONS
from tests.support.clients import web_client
from tests.support.patient_text import pdf_text, visible_text

pytestmark = pytest.mark.django_db

MAX_GRADE = 8
SUMMARY_HEADINGS = (
    "What it is",
    "What to expect",
    "What most people notice",
    "The main risks",
    "Who to call",
)


def _summary_html(html: str) -> str:
    match = re.search(r'<section class="summary".*?</section>', html, re.S)
    assert match, "the sheet has no summary box"
    return match.group(0)


@pytest.mark.parametrize("indication", INDICATIONS)
def test_every_sheet_opens_with_a_summary_box_at_reading_grade_8_or_below(world, indication):
    html = sheets.render_sheet(world.clinic.organization_id, indication)
    text = visible_text(_summary_html(html))
    # first thing after the title and the lead, before any other section
    body = visible_text(html[html.index("<body") :])
    assert body.index("In short") < body.index("How many people respond")
    assert body.index("In short") < body.index("What the treatment involves")
    for heading in SUMMARY_HEADINGS:
        assert heading in text, f"{indication}: the summary box has no {heading!r}"
    assert "crisis line or emergency services" in text
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= MAX_GRADE, f"{indication}: summary box reads at grade {grade:.1f}"


def test_the_grade_measure_tells_dense_prose_from_plain_words():
    """The measure can fail: the sheet's dense caveat about trials reads well above grade 8."""
    assert textstat.flesch_kincaid_grade(figures.TRIAL_CAVEAT) > MAX_GRADE
    assert textstat.flesch_kincaid_grade("You sit in a chair. A nurse stays with you.") < 4


# --- icon arrays -------------------------------------------------------------------------------


@pytest.mark.parametrize("filled", [0, 1, 54, 99, 100])
def test_icon_array_draws_100_people_with_the_first_n_filled_and_names_itself(filled):
    svg = icon_array_svg(filled, f"About {filled} in 100 people responded")
    assert svg.count("<circle") == 100 and svg.count("<path") == 100
    assert svg.count('data-filled="1"') == filled and svg.count('data-filled="0"') == 100 - filled
    assert 'role="img"' in svg and f'aria-label="About {filled} in 100 people responded"' in svg
    assert f"<title>About {filled} in 100 people responded</title>" in svg
    # the filled ones come first, in reading order
    flags = re.findall(r'data-filled="(\d)"', svg)
    assert flags == ["1"] * filled + ["0"] * (100 - filled)


def test_icon_array_escapes_its_label_and_refuses_an_impossible_count():
    svg = icon_array_svg(3, 'About 3 in 100 <b>"x"</b>')
    assert "<b>" not in svg and "&lt;b&gt;&quot;x&quot;" in svg
    for bad in (-1, 101):
        with pytest.raises(ValueError, match="between 0 and 100"):
            icon_array_svg(bad, "x")


def test_every_response_figure_is_a_published_figure_with_a_verified_citation():
    for rate in RESPONSE_RATES:
        assert patient_citable(rate.study), rate.study
        finding = " ".join(f.text for f in figures.FIGURES if f.study == rate.study)
        assert f"{rate.percent:g}%" in finding, (rate.study, rate.percent)
        assert rate.in_100 == round(rate.percent + 1e-9)
    depression = response_rates_for("depression")
    assert depression["first"].in_100 == 52 and depression["course"].in_100 == 54


def test_depression_sheet_shows_both_icon_arrays_with_plain_citations_in_page_and_pdf(world):
    org = world.clinic.organization_id
    version, _ = info_sheet_publish(
        actor=world.actor("physician"),
        indication="depression",
        html=sheets.draft(org, "depression").html,
    )
    client = web_client(world, "nurse")
    html = client.get(reverse("outcomes-sheet-version", args=[version.pk])).content.decode()
    arrays = re.findall(r'<svg[^>]*class="icon-array".*?</svg>', html, re.S)
    assert len(arrays) == 2
    assert 'aria-label="About 52 in 100 people responded 1 day after one infusion"' in arrays[0]
    assert 'aria-label="About 54 in 100 people responded after 4 to 8 infusions"' in arrays[1]
    assert [a.count('data-filled="1"') for a in arrays] == [52, 54]
    text = visible_text(html)
    assert "Source: Han et al., Neuropsychiatric Disease and Treatment, 2016." in text
    assert "Source: McInnes et al., Journal of Affective Disorders, 2022." in text

    pdf = client.get(reverse("outcomes-sheet-version-pdf", args=[version.pk])).content
    text = pdf_text(pdf)
    assert "About 52 in 100" in text and "About 54 in 100" in text
    assert "McInnes et al., Journal of Affective Disorders, 2022" in text
    # WeasyPrint drew the figures as vector shapes: the page with the arrays fills the solid
    # colour once per filled head and once per filled body (52 + 54 people), and at most a few
    # more times for the key's swatch and the like.
    solid = [int(FILLED[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    fills = [
        sum(
            all(abs(float(v) - c) < 0.002 for v, c in zip(m, solid, strict=True))
            for m in re.findall(
                r"([\d.]+) ([\d.]+) ([\d.]+) rg", page.get_contents().get_data().decode("latin-1")
            )
        )
        for page in PdfReader(io.BytesIO(pdf)).pages
    ]
    assert 2 * (52 + 54) <= max(fills) <= 2 * (52 + 54) + 5, fills


def test_a_sheet_without_a_published_rate_says_so_in_plain_words(world):
    text = visible_text(sheets.render_sheet(world.clinic.organization_id, "chronic_pain"))
    assert "cannot show this as a picture" in text and "Each picture shows" not in text
    text = visible_text(sheets.render_sheet(world.clinic.organization_id, "ptsd"))
    assert "No study we can cite reports how many people with PTSD respond after the first" in text
    assert 'class="icon-array"' not in sheets.render_sheet(
        world.clinic.organization_id, "chronic_pain"
    )


# --- citations not yet verified ----------------------------------------------------------------


def test_every_unverified_citation_is_left_out_with_its_findings(world):
    unverified = [r for r in REFERENCES.values() if not r.verified]
    assert {r.key for r in unverified} >= {"Shiroma 2014", "McIntyre 2020"}
    for reference in REFERENCES.values():
        assert reference.verified == bool(reference.plain)
        assert "confirm" not in reference.plain
    for indication in INDICATIONS:
        shown = figures.figures_for(indication)
        assert all(patient_citable(f.study) for f in shown)
        html = sheets.render_sheet(world.clinic.organization_id, indication)
        text = visible_text(html)
        for reference in unverified:
            author = reference.lead
            assert author not in text, f"{indication} cites {reference.key}"
        assert "confirm" not in text.lower()
    # their findings are gone: Shiroma's 3 of 12, McIntyre's 27%
    text = visible_text(sheets.render_sheet(world.clinic.organization_id, "depression"))
    assert "3 of 12" not in text and "27% had responded" not in text


def test_a_verified_review_is_cited_by_its_first_author_with_its_placebo_comparison(world):
    """The Cochrane review's citation was checked against its PubMed record: the sheet shows its
    placebo-controlled figures, cited by the first author rather than the review group."""
    cochrane = REFERENCES["Cochrane 2021"]
    assert cochrane.verified
    assert cochrane.plain == "Dean et al., Cochrane Database of Systematic Reviews, 2021"
    text = visible_text(sheets.render_sheet(world.clinic.organization_id, "depression"))
    assert "27.4% with ketamine against 8.8% with placebo" in text
    assert "Dean et al., 2021" in text


def test_a_citation_that_loses_its_verification_takes_its_findings_and_array_along(
    world, monkeypatch
):
    org = world.clinic.organization_id
    before = visible_text(sheets.render_sheet(org, "depression"))
    assert "53.6% responded" in before and "About 54 in 100" in before
    mcinnes = REFERENCES["McInnes 2022"]
    doubtful = dataclasses.replace(mcinnes, citation=mcinnes.citation + " (journal: confirm)")
    monkeypatch.setitem(references.REFERENCES, "McInnes 2022", doubtful)
    assert not patient_citable("McInnes 2022")
    assert response.response_rates_for("depression")["course"] is None
    after = visible_text(sheets.render_sheet(org, "depression"))
    assert "McInnes" not in after and "53.6%" not in after and "About 54 in 100" not in after
    assert (
        "No study we can cite reports how many people with depression respond after a course"
        in after
    )
    assert "About 52 in 100" in after  # the other array stays


def test_the_sheet_pdf_footer_is_plain(world):
    org = world.clinic.organization_id
    version, _ = info_sheet_publish(
        actor=world.actor("physician"),
        indication="chronic_pain",
        html=sheets.draft(org, "chronic_pain").html,
    )
    text = pdf_text(reports.sheet_pdf(version))
    assert "Information sheet: Chronic pain, version 1" in text
    assert "SHA" not in text and "chronic_pain" not in text
