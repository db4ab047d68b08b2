"""The demo clinic's REMS records: certified, its physician and its esketamine patient enrolled,
and Patient Monitoring Forms in every state, all made through the services (and so audited)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from kitclinic.infusions.models import TreatmentCourse
from kitclinic.rems.models import Certification, MonitoringForm, PatientEnrolment
from kitclinic.rems.selectors import form_row, form_sections
from kitclinic.rems.services import clinic_today

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_rems_in_place_and_forms_in_every_state():
    call_command("seed_demo", patients=60, stdout=StringIO())
    certification = Certification.objects.get()
    assert certification.certification_number == "DEMO-HCS-0001" and certification.is_synthetic
    physician = certification.clinic.memberships.get(role="physician").user
    assert physician.rems_enrolments.filter(ended_on__isnull=True).exists()
    course = TreatmentCourse.objects.get(kind="esketamine_nasal")
    assert PatientEnrolment.objects.get().patient == course.patient
    today = clinic_today(certification.clinic)
    forms = list(MonitoringForm.objects.order_by("session_date"))
    assert len(forms) == course.sessions.filter(state="signed").count() == 5
    rows = [form_row(f, today) for f in forms]
    assert [r.status for r in rows] == ["submitted", "submitted", "overdue", "due_soon", "open"]
    assert [r.late for r in rows[:2]] == [False, True]
    values = {label: value for _, fields in form_sections(forms[1]) for label, value in fields}
    assert values["Dose administered"] == "84 mg"
    assert values["Devices given"].startswith("3 devices: 28 mg at ")
    assert values["Lot number"] == "DEMO-ESK-0001"
    later = {label: value for _, fields in form_sections(forms[4]) for label, value in fields}
    assert later["Lot number"] == "DEMO-ESK-0002"
    assert values["Before administration"].startswith("132/84 mmHg")
    assert values["About 40 minutes after administration"].startswith("138/86 mmHg")
    assert values["REMS certification number"] == "DEMO-HCS-0001"
