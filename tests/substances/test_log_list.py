"""The controlled-substance log's entries: every entry reachable page by page with the total,
newest first by default, sortable by time, kind and change, filters kept in the links, the same
queries on every page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kitclinic.accounts.roles import Action, role_may
from kitclinic.substances.models import SubstanceLogEntry
from tests.substances.helpers import receive
from tests.support.personas import ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(world):
    """23 receipts at Northside, of 1 to 3 vials."""
    nurse = world.actor("nurse")
    for n in range(23):
        receive(nurse, vials=1 + n % 3, lot_number=f"KX-{n:04d}")
    return list(SubstanceLogEntry.objects.filter(clinic=world.clinic))


def _all_pages(client, **params) -> list[int]:  # type: ignore[no-untyped-def]
    ids, page = [], 1
    while True:
        response = client.get(reverse("substance-log"), {**params, "page": page})
        assert response.status_code == 200
        listing = response.context["listing"]
        ids += [e.pk for e in listing.rows]
        if page >= listing.num_pages:
            return ids
        page += 1


def test_every_entry_is_reachable_newest_first(login, entries):
    ids = _all_pages(login("nurse"), size=10)
    expected = sorted(entries, key=lambda e: (e.occurred_at, e.pk), reverse=True)
    assert ids == [e.pk for e in expected]


def test_the_change_sort_orders_by_amount_then_id(login, entries):
    ids = _all_pages(login("physician"), size=10, sort="-change")
    expected = sorted(entries, key=lambda e: (e.change_mg, e.pk), reverse=True)
    assert ids == [e.pk for e in expected]


def test_the_filter_is_kept_in_the_page_and_sort_links(login, entries):
    response = login("nurse").get(
        reverse("substance-log"), {"kind": "receive", "size": 10, "page": 2}
    )
    listing = response.context["listing"]
    assert listing.total == 23
    assert all("kind=receive" in link.href for link in listing.links)
    assert all("kind=receive" in h.href for h in listing.headers if h.href)
    assert "11–20 of <strong>23</strong> entries" in response.content.decode()


@pytest.mark.parametrize("params", [{"page": "-1"}, {"sort": "reason"}, {"size": "9999"}])
def test_bad_parameters_give_a_note(login, entries, params):
    response = login("nurse").get(reverse("substance-log"), params)
    assert response.status_code == 200 and response.context["listing"].notes


@pytest.mark.parametrize("persona", ROLES)
def test_each_role_that_may_read_the_log_pages_through_it(login, entries, persona):
    response = login(persona).get(reverse("substance-log"), {"size": 10, "page": 3})
    if not role_may(persona, Action.SUBSTANCE_LOG_VIEW):
        assert response.status_code == 403
        return
    assert response.status_code == 200 and len(response.context["listing"].rows) == 3


def test_a_later_page_costs_the_same_queries(login, entries):
    client = login("nurse")

    def count(params: dict[str, object]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("substance-log"), params).status_code == 200
        return len(ctx.captured_queries)

    assert count({"size": 5}) == count({"size": 5, "page": 4, "sort": "kind"})
