"""What the infusion pages show, step by step through the browser forms (Django test client)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.infusions.models import InfusionOrder
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import NORMAL, advance, elapse

pytestmark = pytest.mark.django_db


def test_every_page_renders_along_a_full_session(login, world, session):
    nurse, physician = login("nurse"), login("physician")
    url = reverse("infusions-session", args=[session.pk])
    assert "Check in" in nurse.get(url).content.decode()
    for name in ("infusions-today", "infusions-library"):
        assert nurse.get(reverse(name)).status_code == 200
    assert nurse.get(reverse("infusions-course", args=[session.course_id])).status_code == 200
    assert nurse.get(reverse("infusions-check-in", args=[session.pk])).status_code == 200
    response = nurse.post(
        reverse("infusions-check-in", args=[session.pk]),
        {
            "identity_confirmed": "on",
            "consent_on_file": "on",
            "consent_date": "2026-11-01",
            "fasting_confirmed": "on",
            "escort_confirmed": "on",
            "weight_kg": "70",
            "weight_method": "measured",
            "pregnancy_status": "not_pregnant",
            "rating_answers": "1,1,2,2,1,2,2,2,0",
            **{k: str(v) for k, v in NORMAL.items()},
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = physician.get(reverse("infusions-order", args=[session.pk])).content.decode()
    assert "35 mg" in page and "52.5 mL/h" in page and "35 mL" in page
    response = physician.post(
        reverse("infusions-order", args=[session.pk]),
        {"dose": "0.5", "duration_min": "40", "concentration_mg_per_ml": "1", "intent": "place"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    response = nurse.post(
        reverse("infusions-double-check", args=[session.pk]),
        {"rate_ml_per_h": "52.5", "vtbi_ml": "35"},
    )
    assert response.status_code == 302
    nurse.post(reverse("infusions-pump", args=[session.pk]), {"op": "start"})
    elapse(session, 10)
    nurse.post(
        reverse("infusions-vitals", args=[session.pk]),
        {"slot_minute": "10", **{k: str(v) for k, v in NORMAL.items()}, "idempotency_key": "k1"},
    )
    nurse.post(reverse("infusions-score", args=[session.pk]), {"kind": "moaas", "level": "4"})
    page = nurse.get(url).content.decode()
    assert "Vitals, 10 min" in page and "MOAA/S 4" in page
    assert nurse.get(reverse("infusions-rate-change", args=[session.pk])).status_code == 200
    elapse(session, 31)
    stop_page = nurse.get(reverse("infusions-stop", args=[session.pk])).content.decode()
    assert "35 mg</strong> = 35 mL" in stop_page and "no reason is needed" in stop_page
    response = nurse.post(reverse("infusions-stop", args=[session.pk]), {})
    assert response.status_code == 302, response.context["form"].errors
    elapse(session, 30)
    response = nurse.post(
        reverse("infusions-discharge", args=[session.pk]),
        {
            **{
                f"aldrete_{n}": "2"
                for n in ("activity", "respiration", "circulation", "consciousness", "o2")
            },
            "escort_present": "on",
            "instructions_given": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    summary = physician.get(reverse("infusions-sign", args=[session.pk])).content.decode()
    assert "Sign-off summary" in summary and "<strong>35</strong>" in summary
    physician.post(reverse("infusions-sign", args=[session.pk]))
    session.refresh_from_db()
    assert session.state == SessionState.SIGNED
    page = nurse.get(url).content.decode()
    assert "Signed by" in page
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="infusions.infusionsession"
    ).exists()
    assert InfusionOrder.objects.get(session=session).dose_mg == 35


def test_chart_shows_the_course(login, world, session):
    page = login("nurse").get(reverse("patient-chart", args=[session.patient_id])).content.decode()
    assert "Infusion courses" in page and "Chair 1" in page


def test_advance_helper_reaches_running(world, session):
    assert advance(world, session, SessionState.RUNNING).state == SessionState.RUNNING


def test_readings_stay_on_the_schedule_after_an_early_stop_and_alerts_leave_with_the_patient(
    login, world, session
):
    from kitclinic.infusions.services.infusion import observations, stop

    session = advance(world, session, SessionState.RUNNING, elapsed_min=12)
    nurse = world.actor("nurse")
    observations.vitals_record(
        actor=nurse, session=session, slot_minute=10, **{**NORMAL, "sbp": 185}
    )
    client = login("nurse")
    url = reverse("infusions-session", args=[session.pk])
    assert 'class="alert-banner"' in client.get(url).content.decode()
    stop.infusion_stop(actor=nurse, session=session, stop_reason="hemodynamic", reason="SBP 185")
    detail = client.get(url).context["d"]
    assert [s.minute for s in detail.slots if s.reading is not None] == [0, 10]
    from kitclinic.infusions.services.sessions.discharge import session_discharge
    from kitclinic.infusions.services.sessions.signoff import session_sign
    from tests.infusions.helpers import ALDRETE_READY

    elapse(session, 31)
    session_discharge(
        actor=nurse,
        session=session,
        aldrete_answers=ALDRETE_READY,
        escort_present=True,
        instructions_given=True,
    )
    session_sign(actor=world.actor("physician"), session=session)
    assert 'class="alert-banner"' not in client.get(url).content.decode()


def test_pre_and_post_ratings_are_recorded_as_assessments(world, session):
    from kitclinic.assessments.models import Assessment
    from kitclinic.infusions.models import CheckIn
    from kitclinic.infusions.services.infusion import observations

    session = advance(world, session, SessionState.RECOVERING)
    check_in = CheckIn.objects.get(session=session)
    assert check_in.pre_assessment.instrument == "phq9"
    post = observations.score_record(
        actor=world.actor("nurse"),
        session=session,
        kind="post_rating",
        answers=[0, 1, 1, 1, 0, 1, 1, 0, 0],
    )
    assert post.assessment.patient_id == session.patient_id
    assert Assessment.objects.filter(patient=session.patient).count() == 2


def test_session_page_shows_the_next_due_time_and_marks_overdue_slots(login, world, session):
    import datetime as dt

    from django.utils import timezone

    from kitclinic.infusions.models import InfusionSession

    session = advance(world, session, SessionState.RUNNING)
    # the infusion started 25 minutes ago: the 10- and 20-min sets are overdue, 30 is next
    started = timezone.now() - dt.timedelta(minutes=25)
    InfusionSession.objects.filter(pk=session.pk).update(started_at=started)
    response = login("nurse").get(reverse("infusions-session", args=[session.pk]))
    detail = response.context["d"]
    assert [s.minute for s in detail.slots if s.overdue] == [10, 20]
    assert detail.next_slot.minute == 10
    html = response.content.decode()
    assert "OVERDUE" in html and html.count('class="overdue') >= 2


def test_a_vitals_post_with_a_non_numeric_slot_is_refused_and_writes_nothing(login, world, session):
    from kitclinic.infusions.models import VitalSign

    session = advance(world, session, SessionState.RUNNING)
    nurse = login("nurse")
    events, readings = AuditEvent.objects.count(), VitalSign.objects.count()
    response = nurse.post(
        reverse("infusions-vitals", args=[session.pk]),
        {"slot_minute": "ten", **{k: str(v) for k, v in NORMAL.items()}, "idempotency_key": "k9"},
    )
    assert response.status_code == 302
    assert VitalSign.objects.count() == readings
    assert AuditEvent.objects.count() == events
