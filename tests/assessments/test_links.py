"""Self-report and kiosk links: only the token's hash is stored, the link works once and until it
expires, another clinic's kiosk link is refused, a double submission is stored once, and the
patient sees crisis resources after a flagged answer."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from kitclinic.assessments.models import Assessment, LinkMode, Mode, SafetyAlert, SelfReportLink
from kitclinic.assessments.services.links import LinkUnavailable, link_issue, link_submit
from kitclinic.audit.models import AuditEvent
from tests.assessments.helpers import PHQ9_CALM, PHQ9_ITEM9
from tests.factories import PatientFactory
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _post(answers):
    return {f"item_{i}": str(v) for i, v in enumerate(answers, start=1)}


@pytest.fixture
def issued(world, patient):
    patient.email = "sam@example.org"
    patient.save(update_fields=["email"])
    return link_issue(actor=world.actor("front_desk"), patient=patient, instrument="phq9")


def test_only_a_hash_of_the_token_is_stored_and_mail_tasks_carry_ids_only(issued):
    link = SelfReportLink.objects.get()
    assert len(issued.token) >= 43
    assert link.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    stored = [str(v) for v in SelfReportLink.objects.values().get().values()]
    assert not any(issued.token in v for v in stored)
    tasks = DBTaskResult.objects.order_by("task_path")
    assert [t.task_path for t in tasks] == [
        "kitclinic.assessments.tasks.link_email_send",
        "kitclinic.assessments.tasks.link_reminder_send",
    ]
    assert all(t.args_kwargs == {"args": [link.pk], "kwargs": {}} for t in tasks)
    reminder = tasks[1]
    assert reminder.run_after == link.issued_at + dt.timedelta(hours=48)
    assert link.expires_at == link.issued_at + dt.timedelta(
        days=settings.KITCLINIC_SELF_REPORT_LINK_DAYS
    )


def test_no_mail_task_for_a_patient_without_email(world):
    patient = PatientFactory(home_clinic=world.clinic, email="")
    link_issue(actor=world.actor("nurse"), patient=patient, instrument="gad7")
    assert DBTaskResult.objects.count() == 0


def test_a_clinician_scale_cannot_be_self_reported(world, patient):
    before = row_counts()
    with pytest.raises(ValidationError) as info:
        link_issue(actor=world.actor("nurse"), patient=patient, instrument="madrs")
    assert "instrument" in info.value.message_dict
    assert row_counts() == before


def test_anonymous_patient_answers_once_and_sees_crisis_text_when_flagged(client, issued, patient):
    page = client.get(issued.path)
    assert page.status_code == 200
    html = page.content.decode()
    assert patient.family_name not in html and patient.mrn not in html
    assert "Thoughts that you would be better off dead" in html  # PHQ-9 wording ships
    assert 'href="/patients' not in html and "Log out" not in html
    assert page["Referrer-Policy"] == "same-origin"
    before = AuditEvent.objects.count()
    response = client.post(issued.path, _post(PHQ9_ITEM9))
    assert response.status_code == 200
    assert escape(settings.KITCLINIC_CRISIS_TEXT) in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert "they have been alerted" in response.content.decode()
    assessment = Assessment.objects.get()
    assert assessment.mode == Mode.SELF_REPORT and assessment.administered_by is None
    assert assessment.self_report_link.used_at is not None
    assert SafetyAlert.objects.filter(assessment=assessment).exists()
    event = AuditEvent.objects.filter(object_type="assessments.assessment").get()
    assert event.actor is None and event.detail == "self-report via link"
    assert event.organization_id == patient.organization_id
    assert AuditEvent.objects.count() == before + 2  # the assessment and its alert
    again = client.post(issued.path, _post(PHQ9_ITEM9))
    assert again.status_code == 410 and "already been received" in again.content.decode()
    assert Assessment.objects.count() == 1 and SafetyAlert.objects.count() == 1
    assert client.get(issued.path).status_code == 410


def test_a_flag_that_raises_no_alert_shows_help_but_does_not_say_the_team_was_alerted(
    client, world, patient
):
    """A PCL-5 total above its screening cut-off is flagged, not a safety alert: the patient sees
    the crisis resources first but is not told that anyone has been alerted."""
    issued = link_issue(actor=world.actor("nurse"), patient=patient, instrument="pcl5")
    response = client.post(issued.path, _post([3] * 20))
    html = response.content.decode()
    assessment = Assessment.objects.get()
    assert response.status_code == 200 and assessment.flags
    assert not SafetyAlert.objects.exists()
    assert escape(settings.KITCLINIC_CRISIS_TEXT) in html and 'role="alert"' in html
    assert "alerted" not in html


def test_the_service_refuses_a_second_submission_of_the_same_link(issued):
    link_submit(token=issued.token, mode=LinkMode.SELF_REPORT, answers=PHQ9_CALM)
    before = row_counts()
    with pytest.raises(LinkUnavailable) as info:
        link_submit(token=issued.token, mode=LinkMode.SELF_REPORT, answers=PHQ9_CALM)
    assert info.value.reason == "used"
    assert row_counts() == before


def test_the_database_refuses_two_assessments_for_one_link(issued, world, patient):
    """The race the row lock prevents: even written directly, a second assessment is refused."""
    from django.db import IntegrityError, transaction

    first = link_submit(token=issued.token, mode=LinkMode.SELF_REPORT, answers=PHQ9_CALM)
    clone = Assessment.objects.get(pk=first.pk)
    clone.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_an_expired_link_shows_a_message_and_stores_nothing(client, issued):
    SelfReportLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    before = row_counts()
    response = client.post(issued.path, _post(PHQ9_CALM))
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert row_counts() == before


def test_an_unknown_token_is_not_found_and_stores_nothing(client, issued):
    before = row_counts()
    assert client.get("/r/not-a-real-token/").status_code == 404
    response = client.post("/r/" + issued.token[:-1] + "x/", _post(PHQ9_CALM))
    assert response.status_code == 404 and "not valid" in response.content.decode()
    assert row_counts() == before


def test_bad_answers_through_the_link_write_nothing_and_keep_the_link_usable(client, issued):
    before = row_counts()
    bad = _post(PHQ9_CALM) | {"item_9": "7"}
    response = client.post(issued.path, bad)
    assert response.status_code == 422 and "errorlist" in response.content.decode()
    missing = _post(PHQ9_CALM)
    del missing["item_4"]
    response = client.post(issued.path, missing)
    assert response.status_code == 422 and "errorlist" in response.content.decode()
    assert row_counts() == before
    assert client.post(issued.path, _post(PHQ9_CALM)).status_code == 200
    assert Assessment.objects.count() == 1


def test_a_self_report_link_does_not_open_as_a_kiosk_and_back(client, issued):
    assert client.get(f"/kiosk/{issued.token}/").status_code == 404


def test_kiosk_start_logs_staff_out_and_returns_to_a_neutral_screen(world, patient, login):
    tablet = login("nurse")
    response = tablet.post(f"/patients/{patient.pk}/kiosk/new/", {"instrument": "phq9"})
    assert response.status_code == 302 and response["Location"].startswith("/kiosk/")
    link = SelfReportLink.objects.get()
    assert link.mode == LinkMode.KIOSK
    assert link.expires_at - link.issued_at == dt.timedelta(
        minutes=settings.KITCLINIC_KIOSK_LINK_MINUTES
    )
    assert tablet.get("/").status_code == 302  # logged out: the dashboard asks for a log-in
    page = tablet.get(response["Location"])
    assert page.status_code == 200 and patient.family_name not in page.content.decode()
    done = tablet.post(response["Location"], _post(PHQ9_ITEM9))
    assert done.status_code == 302 and done["Location"] == "/kiosk/done/"
    neutral = tablet.get("/kiosk/done/").content.decode()
    assert "hand the tablet back" in neutral
    assert "14" not in neutral and patient.family_name not in neutral
    assert Assessment.objects.get().mode == Mode.KIOSK
    assert SafetyAlert.objects.count() == 1


def test_a_kiosk_link_of_another_clinic_is_refused(world, patient, other_org_patient, login):
    other = login("other_org")
    other.post(f"/patients/{other_org_patient.pk}/kiosk/new/", {"instrument": "phq9"})
    other_link = SelfReportLink.objects.get()
    issued_here = link_issue(
        actor=world.actor("nurse"), patient=patient, instrument="phq9", mode=LinkMode.KIOSK
    )
    # The other clinic's tablet (its kiosk cookie) opens this clinic's kiosk link.
    before = row_counts()
    response = other.post(issued_here.path, _post(PHQ9_CALM))
    assert response.status_code == 403 and "another clinic" in response.content.decode()
    assert row_counts() == before
    assert other_link.clinic_id != issued_here.link.clinic_id


def test_a_submission_through_a_link_audits_the_client_address(client, issued):
    response = client.post(issued.path, _post(PHQ9_CALM), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    event = AuditEvent.objects.get(object_type="assessments.assessment")
    assert event.actor is None and event.client_address == "203.0.113.7"
