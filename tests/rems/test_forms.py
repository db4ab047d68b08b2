"""The Patient Monitoring Form: made from the signed esketamine session (once, never for IV
ketamine), marked submitted once with its confirmation number, listed overdue and due soon."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from kitclinic.rems.models import MonitoringForm
from kitclinic.rems.selectors import attention_count, form_rows, form_sections
from kitclinic.rems.services import monitoring_form_mark_submitted
from tests.infusions.helpers import advance, book, make_eligible, plan, slot_time
from tests.rems.helpers import all_in_place, esketamine_course, sign_esketamine, today
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair(world):
    library_install_default(organization_id=world.clinic.organization_id)
    return Chair.objects.create(clinic=world.clinic, name="Chair 1")


@pytest.fixture
def signed(world, patient, chair):
    course = esketamine_course(world, patient)
    all_in_place(world, patient)
    session = book(world, course, chair, slot_time(hour=0, minute=5))
    return sign_esketamine(world, session)


def _values(form: MonitoringForm) -> dict[str, str]:
    return {label: value for _, fields in form_sections(form) for label, value in fields}


def test_signing_an_esketamine_session_makes_its_form_from_the_record(world, signed):
    form = MonitoringForm.objects.get(session=signed)
    assert form.session_date == today(world)
    assert form.due_on == today(world) + dt.timedelta(days=7)
    values = _values(form)
    assert values["Patient name"] == "Sam Rivera"
    assert values["Provider who monitored"] == str(world.users["nurse"])
    assert values["Healthcare setting name"] == "Northside"
    assert values["REMS enrolment id"] == "PT-501"
    assert values["REMS certification number"] == "HCS-1001"
    assert values["First esketamine treatment"] == "Yes"
    assert re.match(r"\d+/\d+ mmHg at \d\d:\d\d$", values["Before administration"])
    assert values["Dose administered"].endswith(" mg")
    assert "min (first administration to discharge)" in values["Treatment duration"]
    assert (
        "Not recorded in kitclinic"
        in values["Current medication that may cause sedation or BP changes"]
    )
    assert AuditEvent.objects.filter(detail__startswith="Patient Monitoring Form made").exists()


def test_an_iv_ketamine_session_has_no_form(world, patient, chair):
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    course = plan(world, patient)
    session = book(world, course, chair, slot_time(hour=0, minute=5))
    advance(world, session, SessionState.SIGNED)
    assert not MonitoringForm.objects.exists()


def test_marking_submitted_once_with_its_confirmation(world, signed):
    form = MonitoringForm.objects.get(session=signed)
    nurse = world.actor("nurse")
    monitoring_form_mark_submitted(
        actor=nurse, form=form, submitted_on=today(world), confirmation_number="C-123"
    )
    form.refresh_from_db()
    assert (form.submitted_on, form.confirmation_number, form.submitted_by) == (
        today(world),
        "C-123",
        world.users["nurse"],
    )
    before = row_counts()
    with pytest.raises(ValidationError, match="already marked submitted"):
        monitoring_form_mark_submitted(
            actor=nurse, form=form, submitted_on=today(world), confirmation_number="C-124"
        )
    assert row_counts() == before


@pytest.mark.parametrize(
    ("submitted_on", "confirmation", "field"),
    [
        (None, "C-1", "submitted_on"),
        ("tomorrow", "C-1", "submitted_on"),
        ("before", "C-1", "submitted_on"),
        ("today", "   ", "confirmation_number"),
    ],
)
def test_a_bad_submission_names_the_field_and_writes_nothing(
    world, signed, submitted_on, confirmation, field
):
    form = MonitoringForm.objects.get(session=signed)
    day = {
        None: None,
        "tomorrow": today(world) + dt.timedelta(days=1),
        "before": form.session_date - dt.timedelta(days=1),
        "today": today(world),
    }[submitted_on]
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        monitoring_form_mark_submitted(
            actor=world.actor("nurse"),
            form=form,
            submitted_on=day,
            confirmation_number=confirmation,
        )
    assert field in refused.value.message_dict
    assert row_counts() == before


def test_the_front_desk_and_auditor_cannot_mark_submitted(world, signed):
    form = MonitoringForm.objects.get(session=signed)
    for persona in ("front_desk", "auditor"):
        with pytest.raises(PermissionDenied):
            monitoring_form_mark_submitted(
                actor=world.actor(persona), form=form, submitted_on=today(world),
                confirmation_number="C",
            )  # fmt: skip


def test_overdue_and_due_soon_are_listed_most_urgent_first(world, signed):
    form = MonitoringForm.objects.get(session=signed)
    actor = world.actor("nurse")
    assert [r.status for r in form_rows(actor, "open")] == ["open"]
    assert form_rows(actor) == []  # seven days left: nothing needs attention yet
    MonitoringForm.objects.filter(pk=form.pk).update(due_on=today(world) + dt.timedelta(days=1))
    assert [r.status for r in form_rows(actor)] == ["due_soon"]
    MonitoringForm.objects.filter(pk=form.pk).update(
        session_date=today(world) - dt.timedelta(days=9),
        due_on=today(world) - dt.timedelta(days=2),
    )
    (row,) = form_rows(actor)
    assert row.status == "overdue" and row.days_left == -2
    assert attention_count(actor) == {"overdue": 1, "due_soon": 0}


def test_the_dashboard_counts_the_forms_overdue(world, signed, login):
    form = MonitoringForm.objects.get(session=signed)
    MonitoringForm.objects.filter(pk=form.pk).update(
        session_date=today(world) - dt.timedelta(days=9),
        due_on=today(world) - dt.timedelta(days=2),
    )
    page = login("nurse").get(reverse("dashboard")).content.decode()
    assert "Esketamine REMS forms" in page and "1 overdue" in page
    assert (
        "Esketamine REMS forms"
        not in login("front_desk").get(reverse("dashboard")).content.decode()
    )
