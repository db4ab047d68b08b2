"""The alert queue: open alerts oldest first and acknowledged ones newest first, each paginated
with its total and sortable, the two lists' parameters kept apart; the same queries on every
page; every alert shown is named in the page's audit event."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kitclinic.accounts.roles import Action, role_may
from kitclinic.assessments.models import AlertStatus, SafetyAlert
from kitclinic.audit.models import AuditEvent
from tests.assessments.helpers import alert_raised
from tests.factories import PatientFactory
from tests.support.personas import ROLES

pytestmark = pytest.mark.django_db
URL = "/alerts/"


@pytest.fixture
def alerts(world):
    """12 open alerts and 7 acknowledged ones at Northside."""
    raised = [alert_raised(world, PatientFactory(home_clinic=world.clinic)) for _ in range(19)]
    for alert in raised[12:]:
        SafetyAlert.objects.filter(pk=alert.pk).update(
            status=AlertStatus.ACKNOWLEDGED,
            acknowledged_at=timezone.now(),
            acknowledged_by=world.users["nurse"],
            acknowledgement_note="Called; safe.",
        )
    return raised


def test_the_url_is_the_alert_queue():
    assert reverse("alert-queue") == URL


def test_open_alerts_are_paginated_oldest_first_with_the_total(login, alerts):
    client = login("nurse")
    seen = []
    for page in (1, 2, 3):
        response = client.get(URL, {"size": 5, "page": page})
        listing = response.context["listing"]
        assert listing.total == 12
        seen += [a.pk for a in listing.rows]
    assert seen == [a.pk for a in sorted(alerts[:12], key=lambda a: (a.created_at, a.pk))]
    assert "Open (12)" in response.content.decode()


def test_open_alerts_sort_by_patient_name(login, alerts):
    response = login("physician").get(URL, {"sort": "-patient"})
    names = [a.patient.family_name_key for a in response.context["listing"].rows]
    assert names == sorted(names, reverse=True) and len(names) == 12


def test_the_acknowledged_list_pages_on_its_own_parameters(login, alerts):
    client = login("nurse")
    response = client.get(URL, {"size": 5, "acked_size": 3, "acked_page": 3})
    acknowledged = response.context["acknowledged"]
    assert (acknowledged.total, acknowledged.number, len(acknowledged.rows)) == (7, 3, 1)
    assert response.context["listing"].number == 1  # the open list stays on its first page
    body = response.content.decode()
    assert "7–7 of <strong>7</strong> acknowledged alerts" in body


def test_a_bad_page_of_either_list_is_a_note(login, alerts):
    response = login("nurse").get(URL, {"page": "two", "acked_sort": "note"})
    assert response.status_code == 200
    assert response.context["listing"].notes and response.context["acknowledged"].notes


@pytest.mark.parametrize("persona", ROLES)
def test_each_role_pages_through_the_queue_and_its_page_is_audited(login, world, alerts, persona):
    client = login(persona)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = client.get(URL, {"size": 5, "page": 2, "acked_size": 5})
    if not role_may(persona, Action.CLINICAL_VIEW):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    shown = [a.patient_id for a in response.context["listing"].rows] + [
        a.patient_id for a in response.context["acknowledged"].rows
    ]
    assert len(shown) == 10
    event = AuditEvent.objects.filter(id__gt=last).get(object_type="worklist")
    assert event.changes["patient_ids"] == sorted(shown)


def test_a_later_page_costs_the_same_queries(login, alerts):
    client = login("nurse")

    def count(params: dict[str, object]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, params).status_code == 200
        return len(ctx.captured_queries)

    assert count({"size": 4}) == count({"size": 4, "page": 3, "acked_size": 2, "acked_page": 4})
