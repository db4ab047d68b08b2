"""The audit trail page: every event reachable page by page with the total, sorted by time (newest
first by default) or action with the id as tie-break, the same queries on every page, and bad
parameters answered with a note."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kitclinic.accounts.roles import Action, role_may
from kitclinic.audit.models import AuditAction, AuditEvent
from tests.support.personas import ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(world):
    """75 events of Northside's organization, three at each second (ties), and 5 of the other
    organization. Inserted as rows (the list reads rows; the chain is not what is tested)."""
    start = timezone.now() - dt.timedelta(days=1)
    org = world.clinic.organization_id
    rows = [
        AuditEvent(
            occurred_at=start + dt.timedelta(seconds=n // 3),
            organization_id=org,
            clinic=world.clinic,
            action=(AuditAction.UPDATE, AuditAction.CREATE, AuditAction.EXPORT)[n % 3],
            object_type="bench.thing",
            object_id=str(n),
        )
        for n in range(75)
    ]
    rows += [
        AuditEvent(
            occurred_at=start,
            organization_id=world.other_clinic.organization_id,
            action=AuditAction.UPDATE,
            object_type="bench.thing",
        )
        for _ in range(5)
    ]
    AuditEvent.objects.bulk_create(rows)
    return list(AuditEvent.objects.filter(organization_id=org, object_type="bench.thing"))


def _ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [e.pk for e in response.context["listing"].rows]


def _pages(client, **params) -> list[int]:  # type: ignore[no-untyped-def]
    ids, page = [], 1
    while True:
        response = client.get(reverse("audit-trail"), {"object_type": "", **params, "page": page})
        assert response.status_code == 200
        ids += [e.pk for e in response.context["listing"].rows if e.object_type == "bench.thing"]
        if page >= response.context["listing"].num_pages:
            return ids
        page += 1


def test_every_event_is_reachable_newest_first_with_ties_by_id(login, events):
    client = login("auditor")
    ids = _pages(client, size=20)
    expected = sorted(events, key=lambda e: (e.occurred_at, e.pk), reverse=True)
    assert ids == [e.pk for e in expected]


def test_the_time_sort_reverses_to_oldest_first(login, events):
    ids = _pages(login("clinic_admin"), size=20, sort="time")
    assert ids == [e.pk for e in sorted(events, key=lambda e: (e.occurred_at, e.pk))]


def test_the_action_sort_groups_actions_then_time(login, events):
    ids = _pages(login("auditor"), size=20, sort="action")
    assert ids == [e.pk for e in sorted(events, key=lambda e: (e.action, e.occurred_at, e.pk))]


def test_the_page_shows_the_total_and_the_sorted_header(login, events):
    response = login("auditor").get(reverse("audit-trail"), {"size": 20, "page": 2})
    body = response.content.decode()
    total = response.context["listing"].total
    assert total >= 75 and f"21–40 of <strong>{total}</strong> events" in body
    assert 'aria-sort="descending"' in body


@pytest.mark.parametrize(
    "params", [{"page": "x"}, {"page": "100000"}, {"sort": "actor__password"}, {"size": "0"}]
)
def test_bad_parameters_give_a_note_not_an_error(login, events, params):
    response = login("auditor").get(reverse("audit-trail"), params)
    assert response.status_code == 200
    assert response.context["listing"].notes and response.context["listing"].rows


@pytest.mark.parametrize("persona", ROLES)
def test_each_role_that_may_read_the_trail_pages_through_its_organizations_events(
    login, world, events, persona
):
    response = login(persona).get(reverse("audit-trail"), {"size": 20, "page": 3})
    if not role_may(persona, Action.AUDIT_VIEW):
        assert response.status_code == 403
        return
    assert response.status_code == 200 and len(_ids(response)) == 20
    assert {e.organization_id for e in response.context["listing"].rows} == {
        world.clinic.organization_id
    }


def test_a_deep_page_costs_the_same_queries_as_the_first(login, events):
    client = login("auditor")

    def count(params: dict[str, object]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("audit-trail"), params).status_code == 200
        return len(ctx.captured_queries)

    first = count({"size": 10})
    assert count({"size": 10, "page": 6}) == first
    assert count({"size": 10, "page": 4, "sort": "action"}) == first
