"""Background tasks, run by calling the task functions (the database backend queues them; tests
run them directly): escalation only while unacknowledged, reminders only while unused, and the
cron command that sends scheduled questionnaires once per due date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kitclinic.assessments import tasks
from kitclinic.assessments.models import (
    AlertStatus,
    AssessmentSchedule,
    SelfReportLink,
)
from kitclinic.assessments.services import alerts
from kitclinic.assessments.services.alerts import alert_acknowledge, alert_escalate
from kitclinic.assessments.services.links import link_issue, link_submit
from kitclinic.assessments.services.schedules import schedule_set
from kitclinic.audit.models import AuditAction, AuditEvent
from tests.assessments.helpers import PHQ9_CALM, alert_raised
from tests.factories import MembershipFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(world, patient):
    for role in ("physician", "nurse"):
        world.users[role].email = f"{role}@northside.example"
        world.users[role].save(update_fields=["email"])
    # A physician of the other organization, who must not be emailed.
    world.users["other_org"].email = "outsider@elsewhere.example"
    world.users["other_org"].save(update_fields=["email"])
    return alert_raised(world, patient)


def test_an_unacknowledged_alert_escalates_and_emails_only_this_clinics_physicians(world, alert):
    second = UserFactory(username="dr2", email="dr2@northside.example")
    MembershipFactory(user=second, clinic=world.clinic, role="physician")
    assert tasks.alert_escalate.call(alert.pk) is True
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ESCALATED and alert.escalated_at is not None
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["dr2@northside.example", "physician@northside.example"]
    assert alert.patient.family_name not in mail.outbox[0].body  # no identifiers in mail
    event = AuditEvent.objects.filter(object_type="assessments.safetyalert").first()
    assert event.action == AuditAction.UPDATE and event.actor is None
    assert event.changes["status"] == ["open", "escalated"]
    # Running again (a second worker, a retry) changes nothing.
    assert tasks.alert_escalate.call(alert.pk) is False
    assert len(mail.outbox) == 1
    # Escalated alerts stay in the queue until acknowledged.
    alert_acknowledge(actor=world.actor("nurse"), alert=alert, note="Called; safe.")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.escalated_at is not None


def test_an_acknowledged_alert_does_not_escalate(world, alert):
    alert_acknowledge(actor=world.actor("physician"), alert=alert, note="Seen in clinic.")
    events = AuditEvent.objects.count()
    assert tasks.alert_escalate.call(alert.pk) is False
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.escalated_at is None
    assert mail.outbox == [] and AuditEvent.objects.count() == events


def test_a_refused_escalation_mail_leaves_the_alert_open_and_unaudited(world, alert, monkeypatch):
    # alert_escalate sends inside its transaction: a mail server error must roll back the status
    # change and its audit event, so the next run tries again.
    def refuse(**kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(alerts, "send_mail", refuse)
    events = AuditEvent.objects.count()
    with pytest.raises(ConnectionRefusedError):
        alert_escalate(alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.escalated_at is None
    assert AuditEvent.objects.count() == events


@pytest.fixture
def emailed(world):
    patient = PatientFactory(home_clinic=world.clinic, email="pat@example.org")
    return link_issue(actor=world.actor("nurse"), patient=patient, instrument="phq9")


def test_the_link_email_carries_a_working_link(client, emailed):
    assert tasks.link_email_send.call(emailed.link.pk) is True
    (message,) = mail.outbox
    assert message.to == ["pat@example.org"] and emailed.path in message.body
    path = message.body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    assert client.get(path).status_code == 200


def test_a_reminder_is_sent_once_and_only_while_the_link_is_unused(emailed):
    assert tasks.link_reminder_send.call(emailed.link.pk) is True
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Reminder")
    assert tasks.link_reminder_send.call(emailed.link.pk) is False
    assert len(mail.outbox) == 1


def test_no_reminder_after_the_patient_answered(emailed):
    link_submit(token=emailed.token, mode="self_report", answers=PHQ9_CALM)
    assert tasks.link_reminder_send.call(emailed.link.pk) is False
    assert tasks.link_email_send.call(emailed.link.pk) is False
    assert mail.outbox == []


def test_no_reminder_for_an_expired_link(emailed):
    SelfReportLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert tasks.link_reminder_send.call(emailed.link.pk) is False
    assert mail.outbox == []


def test_the_schedule_command_sends_once_per_due_date_and_moves_the_date(world, patient):
    today = timezone.localdate()
    schedule = schedule_set(
        actor=world.actor("nurse"),
        patient=patient,
        instrument="phq9",
        cadence_days=14,
        first_due_on=today,
    )
    call_command("questionnaires_send_due")
    call_command("questionnaires_send_due")  # cron ran twice the same day
    links = SelfReportLink.objects.filter(schedule=schedule)
    assert links.count() == 1 and links.get().due_on == today
    schedule.refresh_from_db()
    assert schedule.next_due_on == today + dt.timedelta(days=14)
    call_command("questionnaires_send_due", date=str(today + dt.timedelta(days=13)))
    assert links.count() == 1
    call_command("questionnaires_send_due", date=str(today + dt.timedelta(days=14)))
    assert links.count() == 2
    schedule.refresh_from_db()
    assert schedule.next_due_on == today + dt.timedelta(days=28)


def test_a_new_schedule_replaces_the_active_one_and_inactive_ones_send_nothing(world, patient):
    today = timezone.localdate()
    nurse = world.actor("nurse")
    first = schedule_set(
        actor=nurse, patient=patient, instrument="gad7", cadence_days=7, first_due_on=today
    )
    schedule_set(
        actor=nurse,
        patient=patient,
        instrument="gad7",
        cadence_days=28,
        first_due_on=today + dt.timedelta(days=3),
    )
    first.refresh_from_db()
    assert first.active is False
    assert AssessmentSchedule.objects.filter(active=True).count() == 1
    call_command("questionnaires_send_due")
    assert SelfReportLink.objects.count() == 0


def test_the_command_names_a_bad_date(capsys):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
        call_command("questionnaires_send_due", date="27/11/2026")
