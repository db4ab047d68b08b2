"""Every read of patient data is audited (docs/security.md, "Reads of patient data").

The walker goes through every URL pattern of the project: each one that takes a patient or a
patient-owned object is either read here as a role allowed to see it, with one view (or export)
event naming the patient as the result, or listed in ``POST_ONLY`` / ``NOT_A_STAFF_READ`` with
its reason. A new pattern with an identifier the walker does not know fails the test, so none is
added without deciding how its reads are audited."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.billing.selectors import clinic_today
from kitclinic.infusions.models import Chair, InfusionSession
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.services.rems_form import monitoring_form_snapshot
from kitclinic.infusions.states import SessionState
from kitclinic.patients.services import allergy_add
from kitclinic.payments.services.ledger import payment_record
from kitclinic.rems.services import monitoring_form_create
from tests.assessments.helpers import alert_raised
from tests.billing.helpers import billing_documents
from tests.factories import PatientFactory
from tests.infusions.helpers import book, make_eligible, plan, slot_time
from tests.rems.helpers import certify, enrol_patient
from tests.support.clients import api_client, web_client

# back-dated sessions and billing documents of today: one calendar day at any hour
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("afternoon_clock")]

# identifiers of a patient or of an object that belongs to one
PATIENT_KWARGS = {
    "patient_id",
    "course_id",
    "session_id",
    "appointment_id",
    "alert_id",
    "token",
    "allergy_id",
    "estimate_id",
    "superbill_id",
    "payment_id",
    "form_id",
    "enrolment_id",
}
# identifiers of things that are not a patient's: they need no read audit
OTHER_KWARGS = {
    "token_id": "a staff member's API token",
    "version_id": "a drug-library or information-sheet version",
    "reconciliation_id": "a controlled-substance count",
    "indication": "the information sheet of an indication",
    "protocol_id": "a protocol of a drug-library version",
    "quantity": "a dosing quantity of a protocol",
    "chair_id": "a chair of a clinic",
    "user_id": "a member of staff",
    "membership_id": "a staff member's role at a clinic",
    "export_key": "an organization's FHIR bulk export: audited as an export of the organization "
    "when started and when each file is downloaded (tests/interop/test_bulk_*.py)",
}

# Actions: they answer a GET with 405, show nothing, and their POST is audited by its service.
POST_ONLY = {
    "api/v1/patients/<int:patient_id>/episode/",
    "api/v1/patients/<int:patient_id>/self-report-links/",
    "api/v1/alerts/<int:alert_id>/acknowledge/",
    "api/v1/courses/<int:course_id>/transition/",
    "api/v1/courses/<int:course_id>/appointments/",
    "api/v1/appointments/<int:appointment_id>/cancel/",
    "api/v1/sessions/<int:session_id>/check-in/",
    "api/v1/sessions/<int:session_id>/check-in/correct/",
    "api/v1/sessions/<int:session_id>/order-preview/",
    "api/v1/sessions/<int:session_id>/order/",
    "api/v1/sessions/<int:session_id>/double-check/",
    "api/v1/sessions/<int:session_id>/start/",
    "api/v1/sessions/<int:session_id>/pause/",
    "api/v1/sessions/<int:session_id>/resume/",
    "api/v1/sessions/<int:session_id>/rate/",
    "api/v1/sessions/<int:session_id>/stop/",
    "api/v1/sessions/<int:session_id>/vitals/",
    "api/v1/sessions/<int:session_id>/scores/",
    "api/v1/sessions/<int:session_id>/adverse-events/",
    "api/v1/sessions/<int:session_id>/discharge/",
    "api/v1/sessions/<int:session_id>/waste/",
    "api/v1/sessions/<int:session_id>/sign/",
    "api/v1/sessions/<int:session_id>/addenda/",
    "api/v1/sessions/<int:session_id>/cancel/",
    "api/v1/sessions/<int:session_id>/no-show/",
    "api/v1/sessions/<int:session_id>/send-back/",
    "api/v1/sessions/<int:session_id>/withdraw/",
    "api/v1/patients/<int:patient_id>/allergies/<int:allergy_id>/status/",
    "api/v1/billing/estimates/<int:estimate_id>/signature/",
    "api/v1/rems/patient-enrolments/<int:enrolment_id>/end/",
    "api/v1/rems/forms/<int:form_id>/submission/",
    "api/v1/payments/<int:payment_id>/refunds/",
    "api/v1/payments/<int:payment_id>/void/",
    "api/v1/sessions/<int:session_id>/nasal/order/",
    "api/v1/sessions/<int:session_id>/nasal/predose-bp/",
    "api/v1/sessions/<int:session_id>/nasal/predose-override/",
    "api/v1/sessions/<int:session_id>/nasal/devices/",
    "api/v1/sessions/<int:session_id>/nasal/post-dose-bp/",
    "infusions/sessions/<int:session_id>/nasal/device/",
    "infusions/courses/<int:course_id>/status/",
    "infusions/sessions/<int:session_id>/pump/",
    "infusions/sessions/<int:session_id>/vitals/",
    "infusions/sessions/<int:session_id>/score/",
}

# Patterns whose identifiers are not kitclinic row ids, or name an object that is not a patient's,
# and whose read audit is tested with the door itself.
AUDITED_ELSEWHERE = {
    "fhir/<fhirtype:resource_type>": "FHIR search: one search event (tests/interop/test_rest_read.py)",
    "fhir/<fhirtype:resource_type>/<str:resource_id>": "FHIR read: one view event of the patient "
    "(tests/interop/test_rest_read.py)",
    "fhir/Patient/<str:resource_id>/$everything": "FHIR $everything: one view event of the "
    "patient (tests/interop/test_rest_read.py)",
    "fhir/bulk-files/<uuid:export_key>/<str:resource_type>.ndjson": "a file of an organization's "
    "bulk export: audited as an export when downloaded (tests/interop/test_bulk_*.py)",
    "rems/prescribers/<int:enrolment_id>/end/": "a prescriber's REMS enrolment: a member of "
    "staff's, not a patient's",
    "api/v1/rems/prescriber-enrolments/<int:enrolment_id>/end/": "a prescriber's REMS enrolment "
    "(POST only)",
}

# The patient's own questionnaire, opened by the patient with a secret link: no staff member
# reads a chart through it (issuing the link is audited, and so is each answer recorded).
NOT_A_STAFF_READ = {
    "r/<str:token>/": "a patient's self-report link",
    "kiosk/<str:token>/": "a patient's kiosk session",
    "staff-link/<str:token>/": "a staff member's set-password link",
}


def _patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _kwargs(pattern: URLPattern) -> set[str]:
    return set(re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern)))


@pytest.fixture
def chart_world(world, patient):
    """A patient with a signed eligibility decision, a course, a session booked tomorrow and an
    open safety alert; and a second patient of the clinic, never read."""
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    course = plan(world, patient)
    session = book(world, course, chair, slot_time(days=1))
    alert = alert_raised(world, patient)
    PatientFactory(home_clinic=world.clinic, family_name="Okafor", given_name="Ben")
    nurse = world.actor("nurse")
    allergy = allergy_add(actor=nurse, patient=patient, substance="Latex", category="")
    estimate, superbill = billing_documents(world, course, chair, patient)
    signed = InfusionSession.objects.get(patient=patient, state=SessionState.SIGNED)
    # The form of a signed session, made directly (an esketamine course needs its own patient;
    # what is walked here is the form's page, not how it is made: tests/rems/test_forms.py).
    form = monitoring_form_create(
        actor=nurse,
        session=signed,
        clinic_id=signed.clinic_id,
        patient_id=patient.pk,
        session_date=clinic_today(world.clinic),
        snapshot_values=monitoring_form_snapshot(signed),
    )
    certify(world)
    enrolment = enrol_patient(world, patient)
    payment = payment_record(
        actor=world.actor("front_desk"),
        patient=patient,
        amount="450.00",
        method="card",
        purpose="session",
        session=signed,
    )
    return {
        "patient_id": patient.pk,
        "course_id": course.pk,
        "session_id": session.pk,
        "appointment_id": session.appointment.pk,
        "alert_id": alert.pk,
        "allergy_id": allergy.pk,
        "estimate_id": estimate.pk,
        "superbill_id": superbill.pk,
        "payment_id": payment.pk,
        "form_id": form.pk,
        "enrolment_id": enrolment.pk,
    }


def _url(route: str, ids: dict[str, int]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)


# The nasal-spray step pages, walked here with an IV session: a step that cannot apply to it
# sends the user back to the session page (302) having shown nothing, so no read is recorded;
# one that shows its page records the read like every step page.
NASAL_STEP = re.compile(r"^infusions/sessions/<int:session_id>/nasal/")

# Money is the front desk's (a physician may not see payments): those patterns are read as it,
# and a refund or void (the form shows the entry) as the clinic admin, who may make one.
FRONT_DESK_READS = re.compile(r"payments|packages")
ADMIN_READS = re.compile(r"payments/<int:payment_id>/(refund|void)/")


def test_every_pattern_with_a_patient_audits_its_read(world, patient, chart_world):
    clients = {p: web_client(world, p) for p in ("physician", "front_desk", "clinic_admin")}
    unknown, walked, failures = [], [], []
    for route, pattern in _patterns():
        kwargs = _kwargs(pattern)
        if route in AUDITED_ELSEWHERE:
            continue
        if kwargs - PATIENT_KWARGS - set(OTHER_KWARGS):
            unknown.append(route)
            continue
        if not kwargs & PATIENT_KWARGS or route in POST_ONLY or route in NOT_A_STAFF_READ:
            continue
        last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        persona = (
            "clinic_admin"
            if ADMIN_READS.search(route)
            else "front_desk"
            if FRONT_DESK_READS.search(route)
            else "physician"
        )
        response = clients[persona].get(_url(route, chart_world))
        new = list(AuditEvent.objects.filter(id__gt=last))
        walked.append(route)
        reads = [e for e in new if e.action in (AuditAction.VIEW, AuditAction.EXPORT)]
        allowed = (200, 302) if NASAL_STEP.search(route) else (200,)
        shown = [(patient.pk, world.users[persona].pk)] if response.status_code == 200 else []
        if response.status_code not in allowed:
            failures.append(f"{route}: status {response.status_code}")
        elif [(e.patient_id, e.actor_id) for e in reads] != shown:
            failures.append(f"{route}: read events {[(e.action, e.patient_id) for e in reads]}")
    assert not unknown, (
        f"URL patterns with an identifier the read audit does not know: {unknown}. Add it to "
        "PATIENT_KWARGS (and read it in the walker) or OTHER_KWARGS with the reason."
    )
    assert not failures, failures
    # the walker did read what the probe found unaudited: form pages, courses, the PDF
    for route in (
        "patients/<int:patient_id>/edit/",
        "api/v1/patients/<int:patient_id>/courses/",
        "infusions/courses/<int:course_id>/",
        "infusions/sessions/<int:session_id>/discharge/",
        "patients/<int:patient_id>/progress-report.pdf",
        "alerts/<int:alert_id>/acknowledge/",
    ):
        assert route in walked, route


def test_the_exclusions_are_real_patterns_and_post_only_ones_show_nothing(world, chart_world):
    routes = {route for route, _ in _patterns()}
    assert POST_ONLY <= routes, POST_ONLY - routes
    assert set(NOT_A_STAFF_READ) <= routes, set(NOT_A_STAFF_READ) - routes
    client = web_client(world, "physician")
    before = AuditEvent.objects.count()
    for route in sorted(POST_ONLY):
        assert client.get(_url(route, chart_world)).status_code == 405, route
    assert AuditEvent.objects.count() == before


def test_a_refused_read_writes_no_view_event(world, patient, other_org_patient):
    assert web_client(world, "auditor").get(f"/patients/{patient.pk}/edit/").status_code == 403
    other = web_client(world, "physician").get(f"/patients/{other_org_patient.pk}/")
    assert other.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_an_invalid_post_shows_the_form_again_and_writes_nothing(world, patient):
    client = web_client(world, "nurse")
    response = client.post(f"/patients/{patient.pk}/edit/", {"family_name": ""})
    assert response.status_code == 422 and b"family_name" in response.content
    assert not AuditEvent.objects.exclude(action=AuditAction.LOGIN).exists()


def test_the_session_page_is_one_view_event_however_many_reads_it_makes(world, chart_world):
    session = InfusionSession.objects.get(pk=chart_world["session_id"])
    assert web_client(world, "nurse").get(f"/infusions/sessions/{session.pk}/").status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (event.patient_id, event.object_type, event.object_id) == (
        session.patient_id,
        "infusions.infusionsession",
        str(session.pk),
    )
    assert event.detail == f"/infusions/sessions/{session.pk}/"


# --- searches ---------------------------------------------------------------------------------


def _search_event() -> AuditEvent:
    return AuditEvent.objects.get(action=AuditAction.SEARCH)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_patient_search_is_one_search_event_without_the_text_typed(world, patient, htmx):
    PatientFactory(home_clinic=world.clinic, family_name="Riverside", given_name="Al")
    PatientFactory(home_clinic=world.clinic, family_name="Okafor", given_name="Ben")
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = web_client(world, "nurse").get(reverse("patient-list"), {"q": "rive"}, **extra)
    assert response.status_code == 200
    event = _search_event()
    shown = sorted(p.pk for p in response.context["patients"])
    assert len(shown) == 2
    assert event.changes == {"fields": ["mrn", "name"], "results": 2, "patient_ids": shown}
    assert (event.object_type, event.actor_id, event.patient_id) == (
        "patients",
        world.users["nurse"].pk,
        None,
    )
    assert "rive" not in str(event.changes) + event.detail
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_a_date_of_birth_search_records_the_field_not_the_date(world, patient):
    web_client(world, "nurse").get(reverse("patient-list"), {"q": str(patient.date_of_birth)})
    event = _search_event()
    assert event.changes["fields"] == ["date_of_birth"]
    assert patient.pk in event.changes["patient_ids"]
    assert str(patient.date_of_birth) not in str(event.changes) + event.detail


def test_the_list_without_a_query_is_no_search_but_a_worklist(world, patient):
    assert web_client(world, "nurse").get(reverse("patient-list")).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (event.object_type, event.patient_id) == ("worklist", None)
    assert event.changes == {"worklist": "patients", "patient_ids": [patient.pk]}


def test_an_api_search_records_the_match_count_and_the_patients_returned(world, patient):
    for n in range(3):
        PatientFactory(home_clinic=world.clinic, family_name=f"Rivers{n}")
    client = api_client(world, "nurse")
    body = client.get("/api/v1/patients/", {"q": "riv", "limit": 2}).json()
    assert body["count"] == 4
    event = _search_event()
    assert event.changes == {
        "fields": ["mrn", "name"],
        "results": 4,
        "patient_ids": [row["id"] for row in body["results"]],
    }


def test_the_audit_trail_filtered_by_a_patient_is_a_search_about_that_patient(world, patient):
    client = web_client(world, "auditor")
    client.get(f"/patients/{patient.pk}/")
    response = client.get(reverse("audit-trail"), {"mrn": patient.mrn})
    assert response.status_code == 200
    event = _search_event()
    assert event.patient_id == patient.pk and event.object_type == "audit"
    assert event.changes == {"fields": ["patient_mrn"], "results": 1, "patient_ids": [patient.pk]}
    assert patient.mrn not in event.detail


def test_a_failed_search_writes_nothing(world, patient):
    client = api_client(world, "nurse")
    assert client.get("/api/v1/audit-events/", {"mrn": patient.mrn}).status_code == 403
    assert not AuditEvent.objects.exists()


# --- outside a request ------------------------------------------------------------------------


def test_a_selector_read_outside_a_request_is_written_at_once(world, patient):
    from kitclinic.patients.selectors import patient_chart

    patient_chart(world.actor("physician"), patient)
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (event.patient_id, event.actor_id) == (patient.pk, world.users["physician"].pk)


def test_an_access_check_outside_a_request_records_no_read(world, patient):
    from kitclinic.accounts.roles import Action
    from kitclinic.patients.access import access_patient

    assert access_patient(world.actor("nurse"), patient.pk, Action.PATIENT_VIEW) == patient
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()
