"""Minimum necessary (docs/security.md): the front desk sees that a patient has clinical follow-up
pending, never a questionnaire's item, answer, score or what an alert flagged, nor the clinical
history behind eligibility; physicians and nurses still see them.

The walker goes through every URL pattern of the project and reads each one that answers a GET
as the front desk (the API's under ``/api/``, the pages' with a browser session), filling in its
identifiers from one seeded patient: a PHQ-9 at check-in whose item 9 raised a safety alert, a
discharged session, a booked one. A pattern with an identifier the walker does not know fails the
test, so no page or endpoint is added without being read here."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver
from pypdf import PdfReader

from kitclinic.assessments.models import FLAG_LABELS, Assessment, SafetyAlert
from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.consent.models import InfoSheetVersion
from kitclinic.infusions.models import Chair, TreatmentCourse
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from kitclinic.instruments import get_instrument
from kitclinic.patients.services import allergy_add
from kitclinic.payments.services.ledger import payment_record
from kitclinic.substances.models import Reconciliation
from tests.assessments.helpers import PHQ9_ITEM9
from tests.billing.helpers import billing_documents
from tests.infusions.helpers import advance, book, make_eligible, plan, slot_time
from tests.support.clients import api_client, web_client

# back-dated sessions and billing documents of today: one calendar day at any hour
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("afternoon_clock")]

ITEM9 = get_instrument("phq9").items[8]
TOTAL = sum(PHQ9_ITEM9)  # 14: "Moderate"

# What must never reach the front desk, each with a pattern that finds it in a page, a JSON
# body or a PDF's text.
CONTENT = {
    "item text": re.compile(re.escape(ITEM9.text or ""), re.IGNORECASE),
    "item label": re.compile(re.escape(ITEM9.label), re.IGNORECASE),
    "alert wording": re.compile("|".join(map(re.escape, FLAG_LABELS.values())), re.IGNORECASE),
    "flag": re.compile(r"suicidal[ _]ideation", re.IGNORECASE),
    "total": re.compile(rf"\btotal\W{{0,4}}{TOTAL}\b|\blatest {TOTAL}\b|<td>{TOTAL}</td>"),
    "severity": re.compile(r"\(Moderate\)|<td>Moderate</td>|\"severity(_label)?\": ?\"mod"),
    # a questionnaire's answers are a list of item values ("answers": [1, 1, 2, ...])
    "answers": re.compile(r"\"answers\": ?\["),
    # the clinical history behind eligibility (tests/patients/helpers.py, add_full_record)
    "diagnosis": re.compile(r"F33\.2|Major depressive disorder"),
    "treatment history": re.compile(r"Sertraline|Venlafaxine"),
    "staging": re.compile(r"Maudsley|Thase|adequate_failed_trials"),
    # the allergy list (the seeded fixture records one)
    "allergy": re.compile(r"Chlorhexidine"),
    # the prescriber's notes on the course (the seeded fixture writes them)
    "course notes": re.compile(r"Watch the blood pressure after the second infusion"),
}
# The pages that show assessments or alerts to clinical staff (checked below for physician and
# nurse: the patterns above find the content there, so they can find it for the front desk).
SHOWS_CONTENT = {
    "": ("total", "flag"),  # dashboard
    "patients/<int:patient_id>/": ("total", "severity", "flag", "diagnosis", "staging", "allergy"),
    "alerts/": ("alert wording",),
    "api/v1/patients/<int:patient_id>/assessments/": ("total", "answers", "flag"),
    "api/v1/alerts/": ("flag",),
    "api/v1/patients/<int:patient_id>/": ("diagnosis", "treatment history", "staging"),
    "api/v1/patients/<int:patient_id>/diagnoses/": ("diagnosis",),
    "api/v1/patients/<int:patient_id>/trials/": ("treatment history",),
    "api/v1/patients/<int:patient_id>/allergies/": ("allergy",),
    "fhir/Patient/<str:resource_id>/$everything": ("diagnosis", "treatment history", "allergy"),
}

# Billing documents carry the diagnosis codes a claim needs (45 CFR 149.610(c) for the estimate;
# the superbill is the patient's claim): the front desk, which issues them, sees those codes
# there and nowhere else (docs/security.md, "Minimum necessary"). Nothing else is allowed.
BILLING_DOCUMENTS = {
    "billing/estimates/<int:estimate_id>/": {"diagnosis"},
    "billing/estimates/<int:estimate_id>/pdf/": {"diagnosis"},
    "billing/superbills/<int:superbill_id>/pdf/": {"diagnosis"},
    "api/v1/billing/patients/<int:patient_id>/estimates/": {"diagnosis"},
    "api/v1/billing/patients/<int:patient_id>/superbills/": {"diagnosis"},
}

# Read like every other pattern, but what they show is no patient's record.
NOT_PATIENT_DATA = {
    "api/schema/": "the API's description: field names, examples and the scales' rules",
}

IDENTIFIERS = {
    "patient_id",
    "course_id",
    "session_id",
    "appointment_id",
    "alert_id",
    "token",
    "token_id",
    "version_id",
    "reconciliation_id",
    "indication",
    "protocol_id",
    "quantity",
    "chair_id",
    "user_id",
    "membership_id",
    "allergy_id",
    "resource_type",
    "resource_id",
    "estimate_id",
    "superbill_id",
    "payment_id",
    "enrolment_id",
    "form_id",
    "export_key",
}


def _patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _kwargs(route: str) -> set[str]:
    return set(re.findall(r"<(?:\w+:)?(\w+)>", route))


def _url(route: str, ids: dict[str, object]) -> str:
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)
    # a regular expression's anchors go; a "$" inside a path (FHIR's $everything) stays
    return "/" + path.removeprefix("^").removesuffix("\\Z").removesuffix("$")


def _text(response: HttpResponse) -> str:
    """What the response shows: a PDF's text, a JSON body, a page's HTML."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        body = response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    text = body.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith(("application/json", "application/fhir+json")):
        return json.dumps(json.loads(text)) if text else ""
    return text


def _found(text: str) -> set[str]:
    return {name for name, pattern in CONTENT.items() if pattern.search(text)}


@pytest.fixture
def seeded(world, patient):
    """A patient whose PHQ-9 at check-in answered item 9 with 2 (an open safety alert), in a
    discharged session, with a second session booked tomorrow; and the ids of everything the
    URL patterns take."""
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    course = plan(world, patient)
    TreatmentCourse.objects.filter(pk=course.pk).update(
        notes="Watch the blood pressure after the second infusion."
    )
    given = book(world, course, chair, slot_time(hour=8, days=-1))
    advance(world, given, SessionState.DISCHARGED, rating_answers=PHQ9_ITEM9)
    booked = book(world, course, chair, slot_time(days=1))
    alert = SafetyAlert.objects.get(patient=patient)
    assert alert.is_open and Assessment.objects.get(patient=patient).total == TOTAL
    sheet = InfoSheetVersion.objects.filter(indication="depression").latest("id")
    allergy = allergy_add(
        actor=world.actor("nurse"), patient=patient, substance="Chlorhexidine", category=""
    )
    estimate, superbill = billing_documents(world, course, chair, patient)
    payment = payment_record(
        actor=world.actor("front_desk"),
        patient=patient,
        amount="450.00",
        method="card",
        purpose="session",
        session=given,
    )
    return {
        "patient_id": patient.pk,
        "course_id": course.pk,
        "session_id": given.pk,
        "appointment_id": booked.appointment.pk,
        "alert_id": alert.pk,
        "token": "not-a-link",
        "token_id": 1,
        "version_id": sheet.pk,
        "reconciliation_id": Reconciliation.objects.values_list("pk", flat=True).first() or 1,
        "indication": "depression",
        "protocol_id": "depression-standard",
        "quantity": "dose",
        "chair_id": chair.pk,
        "user_id": world.users["nurse"].pk,
        "membership_id": world.memberships["nurse"].pk,
        "booked_session_id": booked.pk,
        "allergy_id": allergy.pk,
        # the FHIR door (interop/api): the patient's own resource and $everything
        "resource_type": "Patient",
        "resource_id": f"p-{patient.pk}",
        "estimate_id": estimate.pk,
        "superbill_id": superbill.pk,
        "payment_id": payment.pk,
        # no REMS record in this clinic: the REMS pages answer 404 or an empty page
        "enrolment_id": 1,
        "form_id": 1,
        # a FHIR bulk export the front desk may neither start nor read (tests/interop)
        "export_key": "00000000-0000-4000-8000-000000000000",
    }


def _read(world, persona: str, route: str, ids: dict[str, object]) -> HttpResponse:
    client = (api_client if route.startswith("api/") else web_client)(world, persona)
    return client.get(_url(route, ids))


def test_the_front_desk_reads_no_assessment_content_on_any_page_or_endpoint(world, seeded):
    unknown, leaks, errors, walked = [], [], [], 0
    for route, _pattern in _patterns():
        if _kwargs(route) - IDENTIFIERS:
            unknown.append(route)
            continue
        response = _read(world, "front_desk", route, seeded)
        walked += 1
        if response.status_code >= 500:
            errors.append(f"{route}: {response.status_code}")
        elif route in NOT_PATIENT_DATA:
            continue
        elif response.status_code == 200 and (
            found := _found(_text(response)) - BILLING_DOCUMENTS.get(route, set())
        ):
            leaks.append(f"{route}: {sorted(found)}")
    assert not unknown, (
        f"URL patterns with an identifier this test does not know: {unknown}. Add a value to "
        "the seeded fixture so the front desk's view of it is checked."
    )
    assert walked > 100
    assert not errors
    assert not leaks, f"assessment content shown to the front desk: {leaks}"


@pytest.mark.parametrize("persona", ["physician", "nurse"])
def test_physicians_and_nurses_still_see_the_assessments_and_alerts(world, seeded, persona):
    for route, expected in SHOWS_CONTENT.items():
        response = _read(world, persona, route, seeded)
        assert response.status_code == 200, (persona, route, response.status_code)
        assert set(expected) <= _found(_text(response)), (persona, route)


def test_the_pages_that_show_content_are_among_the_url_patterns():
    routes = {route for route, _pattern in _patterns()}
    assert set(SHOWS_CONTENT) <= routes


def test_the_front_desk_sees_clinical_follow_up_pending_on_the_dashboard_and_chart(
    world, seeded, patient
):
    client = web_client(world, "front_desk")
    dashboard = client.get("/").content.decode()
    chart = client.get(f"/patients/{patient.pk}/").content.decode()
    for page in (dashboard, chart):
        assert "Clinical follow-up pending" in page
        assert "PHQ-9" not in page and "phq9" not in page
    assert patient.display_name in dashboard
    assert "Safety alerts" not in dashboard
    assert 'href="/alerts/"' not in dashboard  # no alert queue in the navigation
    assert "Eligibility needing review" not in dashboard
    assert "Demographics" in chart and patient.mrn in chart


def test_the_chart_says_nothing_is_pending_once_the_alert_is_acknowledged(world, seeded, patient):
    from kitclinic.assessments.services.alerts import alert_acknowledge

    alert = SafetyAlert.objects.get(pk=seeded["alert_id"])
    alert_acknowledge(actor=world.actor("nurse"), alert=alert, note="Called; safe, plan agreed.")
    client = web_client(world, "front_desk")
    assert (
        "Clinical follow-up pending." not in client.get(f"/patients/{patient.pk}/").content.decode()
    )
    dashboard = client.get("/").content.decode()
    assert "No clinical follow-up pending." in dashboard


def test_the_front_desk_session_page_shows_the_appointment_and_its_ways_out(world, seeded):
    client = web_client(world, "front_desk")
    booked = client.get(f"/infusions/sessions/{seeded['booked_session_id']}/").content.decode()
    assert "Chair 1" in booked and "Cancel the appointment" in booked
    given = client.get(f"/infusions/sessions/{seeded['session_id']}/").content.decode()
    assert "Discharged" in given
    for clinical in ("Vitals", "mg/kg", "Check-in", "Aldrete"):
        assert clinical not in given, clinical
    physician = web_client(world, "physician")
    page = physician.get(f"/infusions/sessions/{seeded['session_id']}/").content.decode()
    assert "Check-in" in page  # the clinical record is still there for clinicians


def test_the_front_desk_reads_are_still_audited(world, seeded, patient):
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    client = web_client(world, "front_desk")
    client.get(f"/patients/{patient.pk}/")
    client.get("/")
    events = list(AuditEvent.objects.filter(id__gt=last, actor=world.users["front_desk"]))
    views = [e for e in events if e.action == AuditAction.VIEW]
    assert [e.patient_id for e in views if e.patient_id] == [patient.pk]
    worklists = [e.changes for e in views if e.patient_id is None]
    assert worklists == [{"worklist": "dashboard", "patient_ids": [patient.pk]}]


def test_the_front_desk_sees_the_diagnosis_codes_on_billing_documents_only(world, seeded):
    """The allowance above is not vacuous: the codes are there, on exactly those documents."""
    for route in BILLING_DOCUMENTS:
        response = _read(world, "front_desk", route, seeded)
        assert response.status_code == 200, route
        assert "diagnosis" in _found(_text(response)), route
