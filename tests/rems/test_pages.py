"""The REMS pages: who may read and write what (403 for a role, 404 across organizations), bad
input shown on its field with nothing written, CSRF, and the report's CSV and PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.library import library_install_default
from kitclinic.rems.models import Certification, MonitoringForm, PatientEnrolment
from tests.infusions.helpers import book, slot_time
from tests.rems.helpers import (
    all_in_place,
    enrol_patient,
    esketamine_course,
    sign_esketamine,
    today,
)
from tests.support.clients import MODEL_BACKEND
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(world, patient):
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    course = esketamine_course(world, patient)
    all_in_place(world, patient)
    session = book(world, course, chair, slot_time(hour=0, minute=5))
    sign_esketamine(world, session)
    return MonitoringForm.objects.get(session=session)


READERS = ("physician", "nurse", "clinic_admin", "auditor")


@pytest.mark.parametrize("persona", [*READERS, "front_desk"])
def test_who_reads_the_rems_pages(world, form, login, persona):
    client = login(persona)
    urls = [
        reverse("rems-overview"),
        reverse("rems-certification"),
        reverse("rems-enrolments"),
        reverse("rems-form", args=[form.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == (200 if persona in READERS else 403), url


def test_another_organization_gets_a_404(world, form, login):
    assert login("other_org").get(reverse("rems-form", args=[form.pk])).status_code == 404
    enrolment = PatientEnrolment.objects.get()
    assert (
        login("other_org").get(reverse("rems-patient-end", args=[enrolment.pk])).status_code == 404
    )


def test_the_clinic_admin_records_the_certification_on_its_page(world, login):
    admin = login("clinic_admin")
    url = reverse("rems-certification")
    before = row_counts()
    bad = admin.post(url, {"certification_number": "", "certified_on": "2999-01-01"})
    assert bad.status_code == 422
    assert "Cannot be after today" in bad.content.decode() or "required" in bad.content.decode()
    assert row_counts() == before
    ok = admin.post(url, {"certification_number": "HCS-9", "certified_on": "2024-05-01"})
    assert ok.status_code == 302
    page = admin.get(url).content.decode()
    assert "HCS-9" in page and "Certified" in page
    assert login("physician").post(url, {"certification_number": "X"}).status_code == 403
    assert Certification.objects.count() == 1


def test_a_physician_enrols_a_patient_by_mrn(world, patient, login):
    physician = login("physician")
    url = reverse("rems-patient-enrol")
    unknown = physician.post(
        url, {"mrn": "NOPE", "enrolment_id": "P-1", "enrolled_on": "2025-01-01"}
    )
    assert unknown.status_code == 422
    assert "No patient with this MRN" in unknown.content.decode()
    ok = physician.post(
        url, {"mrn": patient.mrn, "enrolment_id": "P-1", "enrolled_on": "2025-01-01"}
    )
    assert ok.status_code == 302
    assert PatientEnrolment.objects.get().enrolment_id == "P-1"
    assert "P-1" in physician.get(reverse("rems-enrolments")).content.decode()
    assert login("nurse").get(url).status_code == 403


def test_a_physician_enrols_a_prescriber_and_ends_it(world, login):
    physician = login("physician")
    ok = physician.post(
        reverse("rems-prescriber-enrol"),
        {
            "prescriber": world.users["physician"].pk,
            "rems_prescriber_id": "PR-5",
            "enrolled_on": "2025-01-01",
        },
    )
    assert ok.status_code == 302
    enrolment = world.users["physician"].rems_enrolments.get()
    end = reverse("rems-prescriber-end", args=[enrolment.pk])
    assert physician.post(end, {"ended_on": "2024-01-01"}).status_code == 422
    assert (
        physician.post(
            end, {"ended_on": today(world).isoformat(), "end_reason": "left"}
        ).status_code
        == 302
    )
    enrolment.refresh_from_db()
    assert enrolment.ended_on == today(world)


def test_the_form_page_shows_the_record_and_marks_it_submitted(world, form, login):
    nurse = login("nurse")
    url = reverse("rems-form", args=[form.pk])
    page = nurse.get(url).content.decode()
    assert "Patient Monitoring Form" in page and "PT-501" in page and "Mark submitted" in page
    assert nurse.post(url, {"submitted_on": "", "confirmation_number": "C-1"}).status_code == 422
    done = nurse.post(url, {"submitted_on": today(world).isoformat(), "confirmation_number": "C-1"})
    assert done.status_code == 302
    form.refresh_from_db()
    assert form.confirmation_number == "C-1"
    assert login("auditor").post(url, {"submitted_on": "x"}).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, patient_id=form.patient_id).exists()


def test_a_post_without_the_csrf_token_is_refused(world, form):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["nurse"], backend=MODEL_BACKEND)
    response = client.post(
        reverse("rems-form", args=[form.pk]),
        {"submitted_on": today(world).isoformat(), "confirmation_number": "C-1"},
    )
    assert response.status_code == 403
    form.refresh_from_db()
    assert form.submitted_on is None


def test_the_report_as_csv_and_pdf(world, form, login):
    admin = login("clinic_admin")
    day = today(world).isoformat()
    url = reverse("rems-report")
    csv = admin.get(url, {"date_from": day, "date_to": day, "format": "csv"})
    assert csv.status_code == 200
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("form_id,session_id,session_date,patient_mrn")
    assert len(lines) == 2 and ",open," in lines[1]
    pdf = admin.get(url, {"date_from": day, "date_to": day, "format": "pdf"})
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Esketamine REMS report" in text and "HCS-1001" in text
    assert "Esketamine sessions with a form" in text
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 2
    bad = admin.get(url, {"date_from": day, "date_to": "2000-01-01", "format": "csv"})
    assert bad.status_code == 200 and "Must be on or after" in bad.content.decode()
    assert login("nurse").get(url).status_code == 403


def test_an_enrolment_for_another_clinic_persona_is_refused(world, patient, login):
    enrolment = enrol_patient(world, patient)
    persona = world.elsewhere("physician")
    response = login(persona).post(
        reverse("rems-patient-end", args=[enrolment.pk]), {"ended_on": "2025-01-01"}
    )
    assert response.status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.ended_on is None
    assert dt.date(2020, 1, 1) == enrolment.enrolled_on
