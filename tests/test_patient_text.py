"""Everything a patient reads is in plain words: every information sheet (draft, each published
version as a page and as a PDF, and every version the demo clinic publishes), the progress report
in both wordings (page and PDF), the questionnaire pages (link, kiosk, errors, thank-you, expired,
used, unknown and other-clinic links) and the questionnaire e-mail carry no file name, path,
section sign, code identifier, checking marker, source key, DOI or LOINC/ICD code."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kitclinic.assessments.models import SELF_REPORT_INSTRUMENTS, LinkMode, SelfReportLink
from kitclinic.assessments.services.links import link_email_send, link_issue
from kitclinic.consent.models import InfoSheetVersion
from kitclinic.instruments.registry import get_instrument
from kitclinic.outcomes import reports, sheets
from kitclinic.outcomes.patient import patient_outcomes
from kitclinic.outcomes.services import info_sheet_publish
from kitclinic.patients.models import INDICATIONS
from tests.assessments.helpers import PHQ9_ITEM9
from tests.factories import PatientFactory
from tests.outcomes.helpers import course_with_scores, give_infusion, make_course, rate
from tests.support.clients import web_client
from tests.support.patient_text import internal_tokens, pdf_text, visible_text

pytestmark = pytest.mark.django_db


def assert_plain(text: str, where: str) -> None:
    assert len(text) > 20, f"{where}: nothing to read ({text!r})"
    found = internal_tokens(text)
    assert not found, f"{where} shows internal tokens:\n" + "\n".join(found)


# --- the checker itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "leak",
    [
        "Definitions: docs/outcomes.md",
        "Figures from notes/outcomes.md",
        "see shared" + "/notes for details",
        "as in § 3",
        "flag weight_change_above_soft_max raised",
        "Shiroma 2014 (J Affect Disord: confirm)",
        "TODO check",
        "UNVERIFIED",
        "see [transl-psychiatry-2024]",
        "LOINC 44249-1",
        "diagnosis F33.2",
        "doi 10.1038/s41398",
        "evidence version evidence-1a2b3c4d5e6f",
        "citation to be identified",
    ],
)
def test_the_checker_finds_each_kind_of_internal_token(leak):
    assert internal_tokens(f"Plain words around it. {leak}. More plain words."), leak


def test_the_checker_passes_plain_words_dates_and_scale_names():
    text = (
        "On 2026-12-07 your PHQ-9 score was 8 (GAD-7, PCL-5, QIDS-SR16 too). Call or text 988, "
        "or 911. McInnes et al., Journal of Affective Disorders, 2022. About 54 in 100 people. "
        "Blood pressure 165/100 mmHg. Page 1 of 3, A4."
    )
    assert internal_tokens(text) == []


def test_visible_text_reads_what_a_screen_reader_speaks_and_skips_styles():
    html = (
        '<style>.a_b{color:red}</style><p title="t">x</p><svg role="img" aria-label="About 5 '
        'in 100"></svg><img alt="a chart"><script>var some_name = 1;</script>'
    )
    text = visible_text(html)
    assert "About 5 in 100" in text and "a chart" in text and "t" in text
    assert "a_b" not in text and "some_name" not in text


# --- information sheets ------------------------------------------------------------------------


def _add_courses(world, n: int, indication: str) -> None:
    for i in range(n):
        p = PatientFactory(home_clinic=world.clinic)
        course_with_scores(
            p,
            clinician=world.users["physician"],
            scores=[20, 8 if i % 2 else 18],
            indication=indication,
        )


@pytest.mark.parametrize("indication", INDICATIONS)
@pytest.mark.parametrize("with_clinic_results", [False, True])
def test_every_sheet_reads_plain_as_draft_page_and_pdf(world, indication, with_clinic_results):
    if with_clinic_results:
        _add_courses(world, 21, indication)
    org = world.clinic.organization_id
    draft = sheets.draft(org, indication)
    assert_plain(visible_text(draft.html), f"{indication} draft")
    version, _ = info_sheet_publish(
        actor=world.actor("physician"), indication=indication, html=draft.html
    )
    client = web_client(world, "nurse")
    page = client.get(reverse("outcomes-sheet-version", args=[version.pk]))
    assert page.status_code == 200
    assert_plain(visible_text(page.content.decode()), f"{indication} published page")
    pdf = client.get(reverse("outcomes-sheet-version-pdf", args=[version.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert_plain(pdf_text(pdf.content), f"{indication} published PDF")


def test_every_sheet_version_the_demo_publishes_reads_plain(demo_sqlite: Path, tmp_path: Path):
    copy = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_sqlite, copy)
    with sqlite3.connect(copy) as db:
        rows = db.execute(
            f"SELECT indication, version, html_snapshot, content_hash, published_at "
            f"FROM {InfoSheetVersion._meta.db_table} ORDER BY indication, version"
        ).fetchall()
    assert {r[0] for r in rows} == set(INDICATIONS)
    for indication, number, html, content_hash, published_at in rows:
        where = f"demo {indication} version {number}"
        assert_plain(visible_text(html), where)
        version = InfoSheetVersion(
            indication=indication,
            version=number,
            html_snapshot=html,
            content_hash=content_hash,
            published_at=dt.datetime.fromisoformat(published_at).replace(tzinfo=dt.UTC),
        )
        assert_plain(pdf_text(reports.sheet_pdf(version)), f"{where} PDF")


# --- progress reports --------------------------------------------------------------------------

# Baseline, then the score after each infusion: each course meets a different wording.
COURSES = {
    "responding and in remission": [20, 12, 4],
    "early non-response": [20, 19, 19, 18, 18],
    "relapse after response": [20, 8, 6, 15],
    "not yet a response": [20, 15],
}


def _patient_with_every_kind_of_course(world):
    patient = PatientFactory(home_clinic=world.clinic)
    doc = world.users["physician"]
    for k, scores in enumerate(COURSES.values()):
        course_with_scores(patient, clinician=doc, scores=scores, start=40.0 * k)
    # A course without a rating before the first infusion, and an infusion stopped early.
    course = make_course(patient, clinician=doc, indication="ptsd")
    give_infusion(course, 1, timezone.now() - dt.timedelta(days=3))
    give_infusion(course, 2, timezone.now() - dt.timedelta(days=1), delivered_share="0.5")
    rate(patient, "pcl5", timezone.now() - dt.timedelta(hours=20), 40)
    return patient


@pytest.mark.parametrize("audience", [reports.PATIENT, reports.CLINICIAN])
def test_progress_report_reads_plain_as_page_and_pdf(world, audience):
    patient = _patient_with_every_kind_of_course(world)
    po = patient_outcomes(world.actor("nurse"), patient)
    assert len(po.courses) == len(COURSES) + 1
    html = reports.progress_report_html(patient, po, audience=audience)
    assert_plain(visible_text(html), f"progress report for the {audience}")
    client = web_client(world, "nurse")
    page = client.get(reverse("progress-report-page", args=[patient.pk]), {"for": audience})
    assert page.status_code == 200
    report = page.content.decode()
    body = report[report.index('<div class="progress-report">') :]  # the report, not the menu
    assert_plain(visible_text(body), f"progress report page for the {audience}")
    response = client.get(reverse("progress-report", args=[patient.pk]), {"for": audience})
    assert response.status_code == 200
    assert_plain(pdf_text(response.content), f"progress report PDF for the {audience}")


# --- questionnaire pages and e-mail ------------------------------------------------------------


def _lowest_answers(instrument_id: str) -> dict[str, str]:
    items = get_instrument(instrument_id).items
    return {f"item_{item.number}": str(item.options[0].value) for item in items}


@pytest.mark.parametrize("instrument", SELF_REPORT_INSTRUMENTS)
def test_questionnaire_link_pages_and_email_read_plain(client, world, instrument, mailoutbox):
    patient = PatientFactory(home_clinic=world.clinic, email="pat@example.org")
    issued = link_issue(actor=world.actor("nurse"), patient=patient, instrument=instrument)
    page = client.get(issued.path)
    assert page.status_code == 200
    assert_plain(visible_text(page.content.decode()), f"{instrument} questionnaire")
    incomplete = client.post(issued.path, {"item_1": "0"})
    assert incomplete.status_code == 422
    assert "Please answer every question" in incomplete.content.decode()
    assert_plain(visible_text(incomplete.content.decode()), f"{instrument} unanswered")
    received = client.post(issued.path, _lowest_answers(instrument))
    assert received.status_code == 200 and "Thank you" in received.content.decode()
    assert_plain(visible_text(received.content.decode()), f"{instrument} thank-you")
    used = client.get(issued.path)
    assert used.status_code == 410
    assert_plain(visible_text(used.content.decode()), f"{instrument} used link")

    second = link_issue(actor=world.actor("nurse"), patient=patient, instrument=instrument)
    mail.outbox.clear()
    assert link_email_send(link_id=SelfReportLink.objects.get(used_at__isnull=True).pk)
    (message,) = mail.outbox
    assert second.path in message.body
    assert_plain(message.subject + " " + message.body.replace(second.path, ""), "link e-mail")


def test_flagged_thank_you_and_unavailable_links_read_plain(client, world):
    patient = PatientFactory(home_clinic=world.clinic)
    issued = link_issue(actor=world.actor("nurse"), patient=patient, instrument="phq9")
    answers = {f"item_{i}": str(v) for i, v in enumerate(PHQ9_ITEM9, start=1)}
    flagged = client.post(issued.path, answers)
    assert flagged.status_code == 200 and 'role="alert"' in flagged.content.decode()
    assert_plain(visible_text(flagged.content.decode()), "flagged thank-you")

    expired = link_issue(actor=world.actor("nurse"), patient=patient, instrument="gad7")
    SelfReportLink.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.get(expired.path)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert_plain(visible_text(response.content.decode()), "expired link")

    unknown = client.get(reverse("self-report", args=["not-a-real-token-" + "x" * 30]))
    assert unknown.status_code == 404
    assert_plain(visible_text(unknown.content.decode()), "unknown link")


def test_kiosk_pages_read_plain(world):
    patient = PatientFactory(home_clinic=world.clinic)
    tablet = web_client(world, "nurse")
    start = tablet.post(reverse("kiosk-start", args=[patient.pk]), {"instrument": "phq9"})
    assert start.status_code == 302
    page = tablet.get(start["Location"])
    assert page.status_code == 200
    assert_plain(visible_text(page.content.decode()), "kiosk questionnaire")
    done = tablet.post(start["Location"], _lowest_answers("phq9"), follow=True)
    assert done.status_code == 200 and "hand the tablet back" in done.content.decode()
    assert_plain(visible_text(done.content.decode()), "kiosk thank-you")

    other = link_issue(
        actor=world.actor("nurse"), patient=patient, instrument="gad7", mode=LinkMode.KIOSK
    )
    elsewhere = web_client(world, "nurse").get(other.path)  # no kiosk cookie of this clinic
    assert elsewhere.status_code == 403
    assert_plain(visible_text(elsewhere.content.decode()), "kiosk link of another clinic")
