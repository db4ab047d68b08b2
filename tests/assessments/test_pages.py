"""What the assessments pages show is decided outside the templates: the notice after a recorded
score, how a link reaches the patient, why a link cannot be used, how a questionnaire lays out its
answers; an invalid staff form answers 422 and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kitclinic.assessments.forms import QuestionnaireForm
from kitclinic.assessments.selectors import recorded_notice
from kitclinic.assessments.services import alerts
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.assessments.services.links import LinkUnavailable, link_issue, link_submit
from tests.assessments.helpers import PHQ9_CALM, PHQ9_ITEM9, alert_raised
from tests.support.clients import web_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _record(world, patient, answers):
    return assessment_record(
        actor=world.actor("nurse"),
        patient=patient,
        instrument="phq9",
        answers=answers,
        administered_at=timezone.now(),
    )


def test_the_notice_after_a_score_names_its_total_and_any_alert(world, patient):
    calm = recorded_notice(_record(world, patient, PHQ9_CALM))
    assert (calm.summary, calm.alert) == ("PHQ-9 recorded: total 3 (None/minimal).", "")
    flagged = recorded_notice(_record(world, patient, PHQ9_ITEM9))
    assert flagged.summary == "PHQ-9 recorded: total 14 (Moderate)."
    assert flagged.alert == "Safety alert raised: see the alerts on this chart."


@pytest.mark.parametrize(("email", "emailed"), [("sam@example.org", True), ("", False)])
def test_the_link_pages_say_how_the_link_reaches_the_patient(world, patient, email, emailed):
    patient.email = email
    patient.save(update_fields=["email"])
    client = web_client(world, "nurse")
    url = reverse("self-report-link-issue", args=[patient.pk])
    before = client.get(url).content.decode()
    after = client.post(url, {"instrument": "phq9"}).content.decode()
    assert ("It is emailed to sam@example.org" in before) is emailed
    assert ("give them the link yourself" in before) is not emailed
    assert ("queued for email to sam@example.org" in after) is emailed


def test_an_unusable_link_is_titled_by_its_reason(world, patient, client):
    issued = link_issue(actor=world.actor("nurse"), patient=patient, instrument="phq9")
    link_submit(token=issued.token, mode="self_report", answers=PHQ9_CALM)
    page = client.get(issued.path).content.decode()
    assert "<h1" in page and ">Already received</h1>" in page
    assert ">Link not valid</h1>" in client.get("/r/no-such-token/").content.decode()
    assert {reason: LinkUnavailable(reason).title for reason in LinkUnavailable.MESSAGES} == {
        "unknown": "Link not valid",
        "expired": "Link expired",
        "used": "Already received",
        "other_clinic": "Wrong clinic",
    }


def test_a_questionnaire_with_numbered_answers_lays_them_out_as_numbers():
    peg = QuestionnaireForm(instrument_id="peg")
    assert peg.answers_are_numbers and all(numeric for _, numeric in peg.item_rows)
    phq9 = QuestionnaireForm(instrument_id="phq9")
    assert not phq9.answers_are_numbers and not any(numeric for _, numeric in phq9.item_rows)


def test_an_invalid_schedule_or_acknowledgement_answers_422_and_writes_nothing(world, patient):
    alert = alert_raised(world, patient)
    client = web_client(world, "physician")
    before = row_counts()
    schedule = client.post(
        reverse("assessment-schedule", args=[patient.pk]),
        {
            "instrument": "phq9",
            "cadence_days": "0",
            "first_due_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        },
    )
    acknowledge = client.post(reverse("alert-acknowledge", args=[alert.pk]), {"note": ""})
    record = client.post(
        reverse("assessment-record", args=[patient.pk]),
        {"instrument": "phq9", "administered_at": "", "mode": "in_clinic"},
    )
    assert (schedule.status_code, acknowledge.status_code, record.status_code) == (422, 422, 422)
    assert row_counts() == before


def test_the_escalation_mail_links_to_the_alert_queue(world, patient):
    world.users["physician"].email = "physician@northside.example"
    world.users["physician"].save(update_fields=["email"])
    alert = alert_raised(world, patient)
    assert alerts.alert_escalate(alert_id=alert.pk) is True
    assert f"http://127.0.0.1:8000{reverse('alert-queue')}\n" in mail.outbox[0].body
