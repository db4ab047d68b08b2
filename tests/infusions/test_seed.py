"""The demo seed's infusion part: chairs, the approved default library, courses, today's
appointments and one signed session, the same on every run."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kitclinic.infusions.models import Appointment, Chair, DrugLibraryVersion, InfusionSession

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple]:
    return list(
        InfusionSession.objects.order_by("appointment__starts_at", "id").values_list(
            "patient__mrn", "state", "appointment__chair__name", "appointment__starts_at"
        )
    )


def test_seed_creates_a_runnable_clinic_day(client):
    call_command("seed_demo", patients=60, stdout=StringIO())
    assert DrugLibraryVersion.objects.filter(status="approved").count() == 1
    assert Chair.objects.filter(is_synthetic=True).count() == 8
    today = timezone.localdate()
    todays = Appointment.objects.filter(starts_at__date=today)
    assert todays.count() >= 3
    assert set(todays.values_list("session__state", flat=True)) == {"scheduled"}
    # the latest signed infusion is the one a week ago (earlier ones are the demo's history; the
    # esketamine course's sessions are its own, kitclinic.demo.esketamine)
    signed = InfusionSession.objects.filter(state="signed", course__kind="iv_ketamine").latest(
        "appointment__starts_at"
    )
    assert signed.appointment.starts_at.date() == today - dt.timedelta(days=7)
    assert signed.signed_at.date() < today
    # baseline, 10–40 min, and 55 and 70 min in recovery (each recorded when due)
    assert signed.vitals.count() == 7
    # it ran its ordered 40 minutes: the whole dose was delivered and the discharge followed
    # the protocol's observation time
    assert signed.delivered_mg == signed.order.dose_mg
    assert signed.discharge.discharged_at - signed.ended_at >= dt.timedelta(minutes=30)
    assert not signed.discharge.overrides
    from kitclinic.accounts.models import User

    client.force_login(User.objects.get(username="nurse"))
    html = client.get(reverse("infusions-today")).content.decode()
    assert "Chair 1" in html and "Check in" in html
    # each demo clinic has opening hours and a setting of its own, which the admin pages show
    from kitclinic.accounts.models import ClinicSettings
    from kitclinic.infusions.models import OpeningHours

    clinics = set(Chair.objects.values_list("clinic_id", flat=True))
    assert set(OpeningHours.objects.values_list("clinic_id", flat=True)) == clinics
    assert set(ClinicSettings.objects.values_list("clinic_id", flat=True)) == clinics
    admin = User.objects.get(username="admin")
    client.force_login(admin)
    settings_page = client.get(reverse("clinic-settings")).content.decode()
    assert "Set for this clinic now: staff invitation and password links" in settings_page
    chairs_page = client.get(reverse("chairs")).content.decode()
    assert 'value="08:00"' in chairs_page and "Chair 1" in chairs_page
    first = _snapshot()
    assert len(first) >= 4
    _every_course_rests_on_a_qualifying_signed_decision()


def _every_course_rests_on_a_qualifying_signed_decision() -> None:
    """The demo plans courses only for patients signed eligible for the course's indication on
    a qualifying diagnosis (with the physician's rationale)."""
    from kitclinic.infusions.models import TreatmentCourse
    from kitclinic.patients.models import EligibilityDecision

    courses = list(TreatmentCourse.objects.all())
    assert courses
    for course in courses:
        decision = EligibilityDecision.objects.filter(
            patient=course.patient, indication=course.indication, outcome="eligible"
        ).latest("signed_at")
        assert decision.qualifying_code and decision.code_list_version == 1
        assert decision.physician_rationale
        codes = set(course.patient.diagnoses.values_list("icd10_code", flat=True))
        assert decision.qualifying_code in codes


def test_seed_has_one_patient_on_an_esketamine_course_with_signed_sessions():
    from kitclinic.infusions.models import NasalDevice, TreatmentCourse
    from kitclinic.substances.models import Drug, EntryKind, SubstanceLogEntry

    call_command("seed_demo", patients=60, stdout=StringIO())
    course = TreatmentCourse.objects.get(kind="esketamine_nasal")
    sessions = list(course.sessions.order_by("appointment__starts_at"))
    assert [s.state for s in sessions] == ["signed"] * 5
    assert [s.order.dose_mg for s in sessions] == [56, 84, 84, 84, 84]
    assert NasalDevice.objects.filter(session__course=course).count() == 14
    draws = SubstanceLogEntry.objects.filter(
        kind=EntryKind.DISPENSE, lot__drug=Drug.ESKETAMINE_HCL_NASAL
    )
    assert sum(d.quantity_mg for d in draws) == 14 * 28
    for s in sessions:
        assert s.discharge.discharged_at - s.ended_at >= dt.timedelta(hours=2)
