"""Worklists are audited: each page or endpoint that lists patients writes one view event naming
the patients it showed (docs/security.md, "Reads of patient data"); one that shows nobody, and
the background alert count, write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.audit.reads import WORKLIST, worklist_record
from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.library import library_install_default
from tests.assessments.helpers import alert_raised
from tests.factories import PatientFactory
from tests.infusions.helpers import book, make_eligible, plan, slot_time
from tests.support.clients import api_client, web_client

pytestmark = pytest.mark.django_db

BACKGROUND = {"HTTP_X_KITCLINIC_BACKGROUND": "1", "HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lists(world, patient):
    """``patient`` booked tomorrow with an open safety alert; ``second`` booked tomorrow too, no
    alert; ``third`` registered only. Returns their ids."""
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    second = PatientFactory(home_clinic=world.clinic, family_name="Okafor", given_name="Ben")
    third = PatientFactory(home_clinic=world.clinic, family_name="Lindqvist", given_name="Ada")
    nurse, physician = world.actor("nurse"), world.actor("physician")
    for n, booked in enumerate((patient, second)):
        make_eligible(nurse, physician, booked)
        book(world, plan(world, booked), chair, slot_time(hour=9 + 2 * n, days=1))
    alert_raised(world, patient)
    return {"patient": patient.pk, "second": second.pk, "third": third.pk}


def _new_events(client, url: str, params=None, **extra) -> tuple[object, list[AuditEvent]]:  # type: ignore[no-untyped-def]
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(url, params or {}, **extra)
    assert response.status_code == 200, response.content[:300]
    return response, list(AuditEvent.objects.filter(id__gt=last).order_by("id"))


def _one_worklist(events: list[AuditEvent], what: str, actor_id: int) -> AuditEvent:
    """The request wrote exactly one event, a worklist view about no one patient."""
    assert [(e.action, e.object_type) for e in events] == [(AuditAction.VIEW, WORKLIST)]
    event = events[0]
    assert (event.actor_id, event.patient_id, event.object_id) == (actor_id, None, "")
    assert event.changes["worklist"] == what
    assert event.detail == f"worklist: {what}"
    return event


def _tomorrow() -> str:
    return str(timezone.localdate() + dt.timedelta(days=1))


def test_the_dashboard_is_one_event_naming_every_patient_it_lists(world, lists):
    response, events = _new_events(web_client(world, "nurse"), reverse("dashboard"))
    event = _one_worklist(events, "dashboard", world.users["nurse"].pk)
    shown = response.context["summary"].patient_ids()
    assert event.changes["patient_ids"] == sorted(shown)
    # the alert card, the recently registered and the booked patients: all three are named
    assert set(lists.values()) <= shown
    body = response.content.decode()
    for name in ("Okafor", "Lindqvist"):
        assert name in body


def test_the_dashboard_event_does_not_count_its_patients_as_seen_today(world, lists):
    client = web_client(world, "nurse")
    client.get(reverse("dashboard"))
    # only a patient-bearing event marks a chart as opened today; the worklist names no one
    assert not AuditEvent.objects.filter(object_type=WORKLIST, patient__isnull=False).exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_patient_list_without_a_query_is_one_event_naming_the_patients_shown(
    world, lists, htmx
):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response, events = _new_events(
        web_client(world, "front_desk"), reverse("patient-list"), **extra
    )
    event = _one_worklist(events, "patients", world.users["front_desk"].pk)
    assert event.changes["patient_ids"] == sorted(p.pk for p in response.context["patients"])
    assert event.changes["patient_ids"] == sorted(lists.values())


def test_the_patient_list_over_the_api_names_the_page_it_returned(world, lists):
    response, events = _new_events(api_client(world, "nurse"), "/api/v1/patients/", {"limit": 2})
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2
    event = _one_worklist(events, "patients", world.users["nurse"].pk)
    assert event.changes["patient_ids"] == sorted(row["id"] for row in body["results"])


def test_the_day_schedule_page_is_one_event_naming_the_patients_booked(world, lists):
    client = web_client(world, "nurse")
    response, events = _new_events(client, reverse("infusions-today"), {"day": _tomorrow()})
    event = _one_worklist(events, "schedule", world.users["nurse"].pk)
    assert event.changes["patient_ids"] == sorted([lists["patient"], lists["second"]])
    assert "Okafor" in response.content.decode()


def test_the_day_schedule_over_the_api_is_one_event_naming_the_patients_booked(world, lists):
    client = api_client(world, "front_desk")
    response, events = _new_events(client, "/api/v1/appointments/", {"day": _tomorrow()})
    assert len(response.json()) == 2
    event = _one_worklist(events, "schedule", world.users["front_desk"].pk)
    assert event.changes["patient_ids"] == sorted([lists["patient"], lists["second"]])


def test_the_alert_queue_page_is_one_event_naming_the_patients_alerted(world, lists):
    response, events = _new_events(web_client(world, "physician"), reverse("alert-queue"))
    event = _one_worklist(events, "alerts", world.users["physician"].pk)
    assert event.changes["patient_ids"] == [lists["patient"]]
    assert [a.patient_id for a in response.context["alerts"]] == [lists["patient"]]


def test_the_alert_queue_over_the_api_is_one_event_naming_the_patients_alerted(world, lists):
    response, events = _new_events(api_client(world, "nurse"), "/api/v1/alerts/")
    assert [row["patient"] for row in response.json()["results"]] == [lists["patient"]]
    event = _one_worklist(events, "alerts", world.users["nurse"].pk)
    assert event.changes["patient_ids"] == [lists["patient"]]


def test_the_background_alert_count_shows_no_patient_and_writes_nothing(world, lists):
    response, events = _new_events(web_client(world, "nurse"), reverse("alert-count"), **BACKGROUND)
    assert b"1" in response.content
    assert events == []


@pytest.mark.parametrize(
    ("persona", "url"),
    [("auditor", "audit-trail"), ("clinic_admin", None)],
    ids=["page", "api"],
)
def test_the_audit_trail_unfiltered_by_a_patient_is_a_worklist_of_its_patients(
    world, lists, persona, url
):
    client = web_client(world, persona) if url else api_client(world, persona)
    path = reverse(url) if url else "/api/v1/audit-events/"
    # a filter that is not a patient: the page still names the patients of the events it shows
    response, events = _new_events(client, path, {"action": "create"})
    event = _one_worklist(events, "audit", world.users[persona].pk)
    shown = (
        [e.patient_id for e in response.context["listing"].rows]
        if url
        else [row["patient"] for row in response.json()["results"]]
    )
    assert event.changes["patient_ids"] == sorted({p for p in shown if p is not None})
    # the two booked patients have events of their own (a factory's registration has none)
    assert {lists["patient"], lists["second"]} <= set(event.changes["patient_ids"])


# --- lists that show nobody ---------------------------------------------------------------------


def test_an_empty_worklist_writes_nothing(world, lists):
    client, api = web_client(world, "nurse"), api_client(world, "nurse")
    empty_day = str(timezone.localdate() + dt.timedelta(days=3))
    _, events = _new_events(client, reverse("infusions-today"), {"day": empty_day})
    assert events == []
    _, events = _new_events(api, "/api/v1/appointments/", {"day": empty_day})
    assert events == []
    _, events = _new_events(api, "/api/v1/patients/", {"offset": 10})
    assert events == []


def test_an_empty_alert_queue_writes_nothing(world, patient):
    _, events = _new_events(web_client(world, "nurse"), reverse("alert-queue"))
    assert events == []


def test_a_refused_worklist_writes_nothing(world, lists):
    assert web_client(world, "front_desk").get(reverse("audit-trail")).status_code == 403
    assert api_client(world, "nurse").get("/api/v1/audit-events/").status_code == 403
    bad_day = api_client(world, "nurse").get("/api/v1/appointments/", {"day": "tomorrow"})
    assert bad_day.status_code == 400
    assert not AuditEvent.objects.filter(object_type=WORKLIST).exists()


def test_a_worklist_outside_a_request_is_written_at_once(world, patient):
    worklist_record(world.actor("nurse"), what="patients", patient_ids=[patient.pk, patient.pk])
    event = AuditEvent.objects.get(object_type=WORKLIST)
    assert event.changes == {"worklist": "patients", "patient_ids": [patient.pk]}
