"""Every outcomes page × every persona, derived from PERMISSIONS; exports audited; the empty
state; a bounded number of queries on the dashboard; the chart card's decision support."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.audit.models import AuditEvent
from kitclinic.consent.models import ConsentRecord, InfoSheetVersion
from kitclinic.outcomes import sheets
from kitclinic.outcomes.data import dataset
from kitclinic.outcomes.models import LabResult
from kitclinic.outcomes.services import info_sheet_publish
from tests.factories import PatientFactory
from tests.outcomes.helpers import course_with_scores
from tests.support.clients import web_client
from tests.support.personas import ROLES

pytestmark = pytest.mark.django_db

PERSONAS = [*ROLES, "other_org"]


@dataclass(frozen=True)
class Page:
    name: str
    action: Action
    target: str  # "none" | "patient" | "version" | "indication"
    method: str = "get"
    post: Callable[[object], dict[str, str]] | None = None

    def __str__(self) -> str:
        return f"{self.method}-{self.name}"


def _consent_post(ctx) -> dict[str, str]:
    return {
        "indication": "depression",
        "sheet_version": str(ctx["version"].pk),
        "signed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "method": "paper",
        "witnessed_by": str(ctx["world"].users["nurse"].pk),
    }


PAGES = [
    Page("outcomes-dashboard", Action.OUTCOMES_VIEW, "none"),
    Page("outcomes-csv", Action.REPORT_EXPORT, "none"),
    Page("outcomes-labs", Action.OUTCOMES_VIEW, "none"),
    Page("outcomes-sheets", Action.PATIENT_VIEW, "none"),
    Page("outcomes-sheet", Action.PATIENT_VIEW, "indication"),
    Page("outcomes-sheet-publish", Action.INFO_SHEET_PUBLISH, "indication", "post"),
    Page("outcomes-sheet-version", Action.PATIENT_VIEW, "version"),
    Page("outcomes-sheet-version-pdf", Action.PATIENT_VIEW, "version"),
    Page("lab-add", Action.LAB_RECORD, "patient"),
    Page(
        "lab-add",
        Action.LAB_RECORD,
        "patient",
        "post",
        lambda ctx: {
            "analyte": "crp",
            "value": "1.2",
            "unit": "mg/L",
            "collected_at": "2026-11-20T08:00",
        },
    ),
    Page("consent-add", Action.CONSENT_RECORD, "patient"),
    Page("consent-add", Action.CONSENT_RECORD, "patient", "post", _consent_post),
    Page("progress-report", Action.REPORT_EXPORT, "patient"),
    Page("progress-report-page", Action.REPORT_EXPORT, "patient"),
]


def test_every_outcomes_route_is_in_the_matrix():
    from kitclinic.outcomes.urls import urlpatterns

    assert {p.name for p in urlpatterns} == {p.name for p in PAGES}


def _expected(persona: str, page: Page) -> int:
    role = Role.PHYSICIAN if persona == "other_org" else Role(persona)
    if persona == "other_org" and page.target in ("patient", "version"):
        return 404
    if role not in PERMISSIONS[page.action]:
        return 403
    return 302 if page.method == "post" else 200


@override_settings(KITCLINIC_LAB_UNITS={"crp": "mg/L"})
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", PAGES, ids=str)
def test_persona_gets_what_the_matrix_says(world, patient, persona, page):
    version, _ = info_sheet_publish(
        actor=world.actor("physician"),
        indication="depression",
        html="<html><body><p>Sheet</p></body></html>",
    )
    ctx = {"world": world, "version": version}
    args = {
        "none": [],
        "patient": [patient.pk],
        "version": [version.pk],
        "indication": ["depression"],
    }[page.target]
    client = web_client(world, persona)
    before = (
        LabResult.objects.count(),
        ConsentRecord.objects.count(),
        InfoSheetVersion.objects.count(),
    )
    url = reverse(page.name, args=args)
    if page.method == "post":
        response = client.post(url, page.post(ctx) if page.post else {})
    else:
        response = client.get(url)
    expected = _expected(persona, page)
    assert response.status_code == expected
    after = (
        LabResult.objects.count(),
        ConsentRecord.objects.count(),
        InfoSheetVersion.objects.count(),
    )
    if expected != 302:
        assert after == before  # refused or read-only: nothing written


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("outcomes-dashboard"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def _cohort(world, n: int) -> None:
    for i in range(n):
        p = PatientFactory(home_clinic=world.clinic)
        course_with_scores(
            p,
            clinician=world.users["physician"],
            scores=[20, 14, 9 if i % 2 else 15],
            protocol="standard" if i % 3 else "accelerated",
        )


def test_csv_export_is_audited_and_holds_every_breakdown(world):
    _cohort(world, 4)
    client = web_client(world, "clinic_admin")
    before = AuditEvent.objects.filter(action="export").count()
    response = client.get(reverse("outcomes-csv"), {"instrument": "phq9"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("breakdown,group,instrument,n,responders,response_rate")
    assert any(line.startswith("overall,All matching courses,PHQ-9,4,2,0.5000") for line in lines)
    assert {line.split(",")[0] for line in lines[1:]} == {
        "overall",
        "indication",
        "protocol",
        "clinician",
        "period",
    }
    assert AuditEvent.objects.filter(action="export").count() == before + 1


def test_filter_matching_nothing_shows_the_empty_state(world):
    _cohort(world, 3)
    client = web_client(world, "auditor")
    response = client.get(reverse("outcomes-dashboard"), {"indication": "chronic_pain"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "No courses match" in body and "km-chart" not in body
    response = client.get(reverse("outcomes-dashboard"), {"date_from": "not a date"})
    assert response.status_code == 200  # a bad filter is reported, not an error page


def test_dashboard_query_count_does_not_grow_with_the_data(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = web_client(world, "physician")
    client.get(reverse("outcomes-dashboard"))  # the organization's first (full) summary build
    counts = []
    for n in (3, 15):
        _cohort(world, n)  # new records: the next request recomputes these patients' courses
        dataset.forget()
        with django_assert_max_num_queries(40), CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("outcomes-dashboard"), {"instrument": "phq9"})
        assert response.status_code == 200 and "km-chart" in response.content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_progress_report_pdf_is_audited_and_plain(world, patient):
    course_with_scores(patient, clinician=world.users["physician"], scores=[20, 12, 8])
    client = web_client(world, "nurse")
    before = AuditEvent.objects.filter(action="export", patient=patient).count()
    response = client.get(reverse("progress-report", args=[patient.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Progress report" in text and "Infusions given: 2" in text
    assert "score was 20 before treatment and 8 at the last one" in text
    assert "response" in text
    assert AuditEvent.objects.filter(action="export", patient=patient).count() == before + 1
    response = client.get(reverse("progress-report", args=[patient.pk]), {"for": "clinician"})
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "referring clinician" in text


def test_chart_card_warns_of_early_non_response_and_suggests_only(world, patient):
    course_with_scores(patient, clinician=world.users["physician"], scores=[20, 19, 19, 18, 18])
    client = web_client(world, "nurse")
    body = client.get(reverse("patient-chart", args=[patient.pk])).content.decode()
    assert 'data-signal="early_non_response"' in body
    assert "review whether to continue (after infusion 4)" in body
    assert "Transl Psychiatry 2024" in body and "suggestion" in body


def test_chart_card_signals_relapse_with_a_booster_review(world, patient):
    course_with_scores(patient, clinician=world.users["physician"], scores=[20, 8, 6, 15])
    client = web_client(world, "physician")
    body = client.get(reverse("patient-chart", args=[patient.pk])).content.decode()
    assert 'data-signal="relapse"' in body and "booster review" in body
    assert "nothing has been ordered" in body


def test_sheet_page_publish_then_up_to_date(world):
    client = web_client(world, "physician")
    url = reverse("outcomes-sheet", args=["anxiety"])
    assert "Publish version 1" in client.get(url).content.decode()
    client.post(reverse("outcomes-sheet-publish", args=["anxiety"]))
    assert "Up to date (version 1)" in client.get(url).content.decode()
    v = InfoSheetVersion.objects.get(indication="anxiety")
    assert v.html_snapshot == sheets.draft(world.clinic.organization_id, "anxiety").html


def test_sheet_preview_embeds_the_draft_escaped_so_its_quotes_cannot_end_the_attribute(
    client, world
):
    """The draft is a full HTML document in an iframe's srcdoc; an unescaped quote in it once
    ended the attribute, and the preview showed an empty 300 x 150 box."""
    client = web_client(world, "physician")
    response = client.get(reverse("outcomes-sheet", args=["depression"]))
    html = response.content.decode()
    start = html.index('srcdoc="') + len('srcdoc="')
    srcdoc = html[start : html.index('"', start)]
    assert srcdoc.startswith("&lt;!doctype html&gt;")
    assert srcdoc.rstrip().endswith("&lt;/html&gt;")


def test_an_invalid_consent_is_shown_again_with_its_errors_and_writes_nothing(world, patient):
    version, _ = info_sheet_publish(
        actor=world.actor("physician"), indication="ptsd", html="<html><body>PTSD</body></html>"
    )
    client = web_client(world, "nurse")
    url = reverse("consent-add", args=[patient.pk])
    page = client.get(url, {"indication": "ptsd"}).content.decode()
    # each indication is offered by its own address
    assert f'href="{url}?indication=depression"' in page
    before = (ConsentRecord.objects.count(), AuditEvent.objects.count())
    response = client.post(
        url,
        {
            "indication": "ptsd",
            "sheet_version": str(version.pk),
            "method": "paper",
            "witnessed_by": str(world.users["nurse"].pk),
        },
    )
    assert response.status_code == 422 and "signed_at" in response.context["form"].errors
    assert (ConsentRecord.objects.count(), AuditEvent.objects.count()) == before


def test_consent_before_any_sheet_is_published_is_refused(world, patient):
    client = web_client(world, "nurse")
    url = reverse("consent-add", args=[patient.pk])
    assert (
        "No information sheet for anxiety"
        in client.get(url, {"indication": "anxiety"}).content.decode()
    )
    response = client.post(url, {"indication": "anxiety", "method": "paper"})
    assert response.status_code == 422 and ConsentRecord.objects.count() == 0


def test_an_unknown_indication_is_not_found(world, patient):
    client = web_client(world, "physician")
    assert client.get(reverse("outcomes-sheet", args=["gout"])).status_code == 404
    url = reverse("consent-add", args=[patient.pk])
    assert client.get(url, {"indication": "gout"}).status_code == 404


def test_lab_association_page_falls_back_to_its_defaults_for_unknown_choices(world):
    client = web_client(world, "physician")
    page = client.get(reverse("outcomes-labs"), {"analyte": "ferritin", "instrument": "bdi"})
    html = page.content.decode()
    assert page.status_code == 200
    assert '<option value="crp" selected>' in html and '<option value="phq9" selected>' in html
    page = client.get(reverse("outcomes-labs"), {"analyte": "il6", "instrument": "gad7"})
    html = page.content.decode()
    assert '<option value="il6" selected>' in html and '<option value="gad7" selected>' in html
    assert '<option value="madrs" >MADRS</option>' in html
