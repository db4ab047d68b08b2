"""The patient list: every patient reachable page by page with the total, sortable by name, MRN,
date of birth and registration, the same number of queries on every page, each page's
patients named in the audit trail, and bad parameters answered with a note, never an error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kitclinic.accounts.roles import Action, role_may
from kitclinic.audit.models import AuditEvent
from tests.factories import PatientFactory
from tests.support.personas import ROLES

pytestmark = pytest.mark.django_db

URL = "/patients/"


@pytest.fixture
def many(world):
    """120 patients of Northside's organization: 3 share each family name (ties), dates of birth
    spread over years; and one of the other organization, which no page may show."""
    made = [
        PatientFactory(
            home_clinic=world.clinic,
            family_name=f"Fam{n // 3:03d}",
            given_name="Alex",
            mrn=f"M{(n * 37) % 1000:04d}",
            date_of_birth=dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
        )
        for n in range(120)
    ]
    PatientFactory(home_clinic=world.other_clinic, family_name="Fam000")
    return made


def _rows(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [p.pk for p in response.context["patients"]]


def test_the_list_reaches_every_patient_page_by_page_with_the_total(login, many):
    client = login("front_desk")
    seen: list[int] = []
    for number in (1, 2, 3):
        response = client.get(URL, {"page": number})
        assert response.status_code == 200
        assert response.context["listing"].total == 120
        seen += _rows(response)
    assert sorted(seen) == sorted(p.pk for p in many)
    body = client.get(URL, {"page": 2}).content.decode()
    assert "51–100 of <strong>120</strong> patients" in body and "page 2 of 3" in body
    assert "120 patients in the organization." in body


def test_patients_with_the_same_name_keep_their_order_by_id(login, many):
    client = login("nurse")
    rows = [pk for n in (1, 2, 3) for pk in _rows(client.get(URL, {"page": n}))]
    expected = sorted(many, key=lambda p: (p.family_name_key, p.given_name_key, p.pk))
    assert rows == [p.pk for p in expected]


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("mrn", lambda p: (p.mrn, p.pk)),
        ("-mrn", lambda p: (p.mrn, p.pk)),
        ("date_of_birth", lambda p: (p.date_of_birth, p.pk)),
        ("-date_of_birth", lambda p: (p.date_of_birth, p.pk)),
        ("-name", lambda p: (p.family_name_key, p.given_name_key, p.pk)),
    ],
)
def test_each_column_sorts_both_ways_across_pages(login, many, sort, key):
    client = login("physician")
    rows = [pk for n in (1, 2, 3) for pk in _rows(client.get(URL, {"sort": sort, "page": n}))]
    expected = sorted(many, key=key, reverse=sort.startswith("-"))
    assert rows == [p.pk for p in expected]


def test_the_sorted_column_header_says_so(login, many):
    body = login("nurse").get(URL, {"sort": "-date_of_birth"}).content.decode()
    assert 'aria-sort="descending"' in body and body.count("aria-sort=") == 1
    assert "?sort=date_of_birth" in body  # the header link reverses the order


def test_the_search_is_paginated_and_sorted_too(login, many):
    client = login("nurse")
    response = client.get(URL, {"q": "fam01", "sort": "-mrn"})  # Fam010 … Fam019: 30 patients
    rows = _rows(response)
    assert response.context["listing"].total == 30 and len(rows) == 30
    mrns = [p.mrn for p in response.context["patients"]]
    assert mrns == sorted(mrns, reverse=True)
    # the page links keep the search
    assert "q=fam01" in response.context["listing"].headers[0].href


@pytest.mark.parametrize(
    ("params", "note"),
    [
        ({"page": "abc"}, "is not a page number"),
        ({"page": "9999"}, "There is no page 9999"),
        ({"sort": "email"}, "cannot be sorted by"),
        ({"size": "100000"}, "rows per page is not allowed"),
    ],
)
def test_bad_list_parameters_show_a_note_and_a_list(login, many, params, note):
    response = login("front_desk").get(URL, params)
    assert response.status_code == 200
    assert note in response.content.decode()
    assert len(_rows(response)) > 0


def test_htmx_asks_for_the_results_only(login, many):
    response = login("nurse").get(URL, {"page": 2}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body
    assert 'hx-select="#results"' in body


@pytest.mark.parametrize("persona", ROLES)
def test_every_role_that_may_view_patients_pages_through_them(login, world, many, persona):
    response = login(persona).get(URL, {"page": 3, "sort": "mrn"})
    if not role_may(persona, Action.PATIENT_VIEW):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert len(_rows(response)) == 20
    assert all(
        p.organization_id == world.clinic.organization_id for p in response.context["patients"]
    )


def _count(client, params) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


def test_a_deep_page_costs_the_same_queries_as_the_first(login, many):
    client = login("nurse")
    first = _count(client, {})
    assert _count(client, {"page": 3}) == first
    assert _count(client, {"page": 2, "sort": "-date_of_birth"}) == first


def test_each_page_is_audited_naming_the_patients_it_showed(login, world, many):
    client = login("auditor")
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = client.get(URL, {"page": 2})
    event = AuditEvent.objects.get(id__gt=last)
    assert event.changes["patient_ids"] == sorted(_rows(response))
    assert len(event.changes["patient_ids"]) == 50
