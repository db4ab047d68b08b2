"""The REMS API: enrolments, forms (mark submitted), report; one error shape, nothing written on
bad input, 404 across organizations."""

from __future__ import annotations

import pytest

from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.library import library_install_default
from kitclinic.rems.models import MonitoringForm, PatientEnrolment, PrescriberEnrolment
from tests.infusions.helpers import book, slot_time
from tests.rems.helpers import all_in_place, esketamine_course, sign_esketamine, today
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
BASE = "/api/v1/rems"


@pytest.fixture
def form(world, patient):
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    course = esketamine_course(world, patient)
    all_in_place(world, patient)
    session = book(world, course, chair, slot_time(hour=0, minute=5))
    sign_esketamine(world, session)
    return MonitoringForm.objects.get(session=session)


def test_enrol_a_patient_and_list_the_enrolments(world, patient, client_for):
    physician = client_for("physician")
    before = row_counts()
    bad = physician.post(
        f"{BASE}/patient-enrolments/",
        {"patient": patient.pk, "enrolment_id": "", "enrolled_on": "2025-01-01", "extra": 1},
        format="json",
    )
    assert bad.status_code == 400
    assert "extra" in str(bad.json()) and "enrolment_id" in str(bad.json())
    assert row_counts() == before
    created = physician.post(
        f"{BASE}/patient-enrolments/",
        {"patient": patient.pk, "enrolment_id": "PT-9", "enrolled_on": "2025-01-01"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["mrn"] == patient.mrn
    listed = client_for("auditor").get(f"{BASE}/patient-enrolments/").json()
    assert [e["enrolment_id"] for e in listed] == ["PT-9"]
    assert (
        client_for("nurse")
        .post(
            f"{BASE}/patient-enrolments/",
            {"patient": patient.pk, "enrolment_id": "PT-10", "enrolled_on": "2025-01-01"},
            format="json",
        )
        .status_code
        == 403
    )
    assert client_for("front_desk").get(f"{BASE}/patient-enrolments/").status_code == 403


def test_enrol_a_prescriber_unknown_ids_get_the_same_answer(world, client_for):
    physician = client_for("physician")
    for prescriber in (world.users["nurse"].pk, 999999):
        response = physician.post(
            f"{BASE}/prescriber-enrolments/",
            {"prescriber": prescriber, "rems_prescriber_id": "PR", "enrolled_on": "2025-01-01"},
            format="json",
        )
        assert response.status_code == 400
        assert "physician with an active role" in str(response.json())
    ok = physician.post(
        f"{BASE}/prescriber-enrolments/",
        {
            "prescriber": world.users["physician"].pk,
            "rems_prescriber_id": "PR",
            "enrolled_on": "2025-01-01",
        },
        format="json",
    )
    assert ok.status_code == 201
    enrolment = PrescriberEnrolment.objects.get()
    end = physician.post(
        f"{BASE}/prescriber-enrolments/{enrolment.pk}/end/",
        {"ended_on": today(world).isoformat()},
        format="json",
    )
    assert end.status_code == 200 and end.json()["ended_on"] == today(world).isoformat()


def test_forms_list_detail_and_mark_submitted(world, form, client_for):
    nurse = client_for("nurse")
    listed = nurse.get(f"{BASE}/forms/", {"show": "open"}).json()
    assert [f["id"] for f in listed] == [form.pk] and listed[0]["status"] == "open"
    assert nurse.get(f"{BASE}/forms/", {"show": "nonsense"}).status_code == 400
    detail = nurse.get(f"{BASE}/forms/{form.pk}/").json()
    assert detail["snapshot"]["sections"][0]["title"] == "Patient"
    url = f"{BASE}/forms/{form.pk}/submission/"
    before = row_counts()
    bad = nurse.post(url, {"submitted_on": "2999-01-01", "confirmation_number": "C"}, format="json")
    assert bad.status_code == 400 and "submitted_on" in bad.json()["errors"]
    assert row_counts() == before
    ok = nurse.post(
        url, {"submitted_on": today(world).isoformat(), "confirmation_number": "C-7"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "submitted"
    assert client_for("other_org").get(f"{BASE}/forms/{form.pk}/").status_code == 404
    assert client_for("auditor").post(url, {}, format="json").status_code == 403


def test_the_report(world, form, client_for):
    day = today(world).isoformat()
    report = client_for("auditor").get(f"{BASE}/report/", {"date_from": day, "date_to": day})
    assert report.status_code == 200
    body = report.json()
    assert body["totals"][0] == {"label": "Esketamine sessions with a form", "count": 1}
    assert body["forms"][0]["session"] == form.session_id
    bad = client_for("auditor").get(f"{BASE}/report/", {"date_from": day, "date_to": "2000-01-01"})
    assert bad.status_code == 400
    assert (
        client_for("nurse").get(f"{BASE}/report/", {"date_from": day, "date_to": day}).status_code
        == 403
    )
    assert PatientEnrolment.objects.count() == 1


def test_enrolling_a_patient_not_of_the_organization_is_a_named_400(
    world, other_org_patient, client_for
):
    before = row_counts()
    for patient_id in (other_org_patient.pk, 999_999):
        answer = client_for("physician").post(
            f"{BASE}/patient-enrolments/",
            {"patient": patient_id, "enrolment_id": "PT-10", "enrolled_on": "2025-01-01"},
            format="json",
        )
        assert answer.status_code == 400
        assert "No such patient in your organization." in str(answer.json())
    assert row_counts() == before
