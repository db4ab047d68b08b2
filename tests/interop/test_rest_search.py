"""FHIR search (search-type): Patient by identifier, name and birthdate; a patient's Condition,
Observation (code, date), MedicationAdministration and Encounter. Bundles of type searchset with
the total, pages of ``_count`` followed by their next links in a stable order, a fixed number of
queries whatever the page size, one search event per search, and every unknown or malformed
parameter refused with a 400 OperationOutcome naming it (nothing written)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.interop import rest
from tests.factories import PatientFactory
from tests.interop.rest_helpers import entries, fhir_body, ids, link, outcome
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    return api_client(world, "physician")


def _search(api, query: str) -> dict:
    bundle = fhir_body(api.get(f"/fhir/{query}"))
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    return bundle


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def people(world, patient, other_org_patient):
    """Northside's patients besides ``patient`` (Rivera, Sam, born 1980-05-17)."""
    return [
        PatientFactory(
            home_clinic=world.clinic,
            family_name="Okafor",
            given_name="Marianne",
            date_of_birth=dt.date(1975, 1, 2),
        ),
        PatientFactory(
            home_clinic=world.clinic,
            family_name="Lindqvist",
            given_name="Rivka",
            date_of_birth=dt.date(1990, 12, 31),
        ),
    ]


# --- Patient ---------------------------------------------------------------------------------


def test_patient_by_identifier_as_system_and_value_or_value_alone(world, api, patient, people):
    system = f"urn:kitclinic:fhir:organization:{world.clinic.organization.slug}:mrn"
    assert ids(_search(api, f"Patient?identifier={system}|{patient.mrn}")) == [
        f"Patient/p-{patient.pk}"
    ]
    assert ids(_search(api, f"Patient?identifier={patient.mrn}")) == [f"Patient/p-{patient.pk}"]
    assert _search(api, f"Patient?identifier=urn:other|{patient.mrn}")["total"] == 0
    assert _search(api, f"Patient?identifier=|{patient.mrn}")["total"] == 0
    assert _search(api, "Patient?identifier=NO-SUCH-MRN")["total"] == 0


def test_patient_by_part_of_a_name_in_any_case(api, patient, people, other_org_patient):
    # "riv" is in Rivera (family) and Rivka (given); ordered by family, then given name
    bundle = _search(api, "Patient?name=RIV")
    assert bundle["total"] == 2
    assert [r["name"][0]["family"] for r in entries(bundle)] == ["Lindqvist", "Rivera"]
    assert ids(_search(api, "Patient?name:contains=anne")) == [f"Patient/p-{people[0].pk}"]
    # another organization's patient is never found
    assert _search(api, "Patient?name=outsider")["total"] == 0


def test_patient_by_birthdate_equal_from_and_until(api, patient, people):
    assert ids(_search(api, "Patient?birthdate=1980-05-17")) == [f"Patient/p-{patient.pk}"]
    assert ids(_search(api, "Patient?birthdate=eq1975-01-02")) == [f"Patient/p-{people[0].pk}"]
    assert {r["birthDate"] for r in entries(_search(api, "Patient?birthdate=ge1980-05-17"))} == {
        "1980-05-17",
        "1990-12-31",
    }
    assert {r["birthDate"] for r in entries(_search(api, "Patient?birthdate=le1980-05-17"))} == {
        "1975-01-02",
        "1980-05-17",
    }
    between = _search(api, "Patient?birthdate=ge1976-01-01&birthdate=le1990-12-30")
    assert ids(between) == [f"Patient/p-{patient.pk}"]
    assert ids(_search(api, "Patient?birthdate=ge1976-01-01&name=okafor")) == []


def test_pages_follow_their_next_links_to_every_match_once_in_a_stable_order(world, api):
    made = [PatientFactory(home_clinic=world.clinic, family_name=f"Page{n:02d}") for n in range(7)]
    first = _search(api, "Patient?name=page&_count=3")
    assert first["total"] == 7 and len(first["entry"]) == 3
    assert link(first, "previous") is None
    assert _path(link(first, "self")) == "/fhir/Patient?name=page&_count=3&_offset=0"
    seen, bundle = ids(first), first
    while (following := link(bundle, "next")) is not None:
        bundle = _search(api, _path(following).removeprefix("/fhir/"))
        assert bundle["total"] == 7 and link(bundle, "previous") is not None
        seen += ids(bundle)
    assert seen == [f"Patient/p-{p.pk}" for p in made]
    assert len(bundle["entry"]) == 1  # the last page: 7 = 3 + 3 + 1
    past_the_end = _search(api, "Patient?name=page&_offset=7")
    assert past_the_end["total"] == 7 and "entry" not in past_the_end


def test_the_default_page_is_50_and_at_most_200(world, api):
    for n in range(51):
        PatientFactory(home_clinic=world.clinic, family_name=f"Many{n:02d}")
    bundle = _search(api, "Patient?name=many")
    assert bundle["total"] == 51 and len(bundle["entry"]) == rest.DEFAULT_COUNT
    assert len(_search(api, "Patient?name=many&_count=200")["entry"]) == 51


def test_a_patient_search_is_one_search_event_naming_the_fields_and_patients(
    world, api, patient, people
):
    before = AuditEvent.objects.count()
    _search(api, "Patient?name=riv&birthdate=ge1900-01-01")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.action == AuditAction.SEARCH and event.object_type == "fhir Patient"
    assert event.changes == {
        "fields": ["birthdate", "name"],
        "results": 2,
        "patient_ids": [people[1].pk, patient.pk],
    }
    assert "riv" not in str(event.changes) and "1900" not in event.detail


def test_a_patient_search_page_costs_the_same_queries_whatever_its_size(world, api):
    for n in range(30):
        PatientFactory(home_clinic=world.clinic, family_name=f"Count{n:02d}")
    counts = {}
    for size in (2, 25):
        with CaptureQueriesContext(connection) as queries:
            assert len(_search(api, f"Patient?name=count&_count={size}")["entry"]) == size
        counts[size] = len(queries)
    assert counts[2] == counts[25], counts


# --- a patient's records ---------------------------------------------------------------------


def test_each_type_of_a_patients_records_is_found_by_patient(api, treated):
    pid = treated.patient_id
    for resource_type, expected in (
        ("Condition", "Condition/cond-"),
        ("Encounter", f"Encounter/enc-{treated.pk}"),
        ("MedicationAdministration", f"MedicationAdministration/ma-{treated.pk}"),
    ):
        for ref in (f"p-{pid}", f"Patient/p-{pid}"):
            bundle = _search(api, f"{resource_type}?patient={ref}")
            assert bundle["total"] == len(bundle["entry"]) >= 1
            assert all(i.startswith(expected) for i in ids(bundle))
            assert all(
                r.get("subject", r.get("patient")) == {"reference": f"Patient/p-{pid}"}
                for r in entries(bundle)
            )


def test_observations_by_code_with_or_without_system(api, treated):
    pid = treated.patient_id
    everything = _search(api, f"Observation?patient=p-{pid}&_count=200")
    assert everything["total"] == 8  # rating, lab, weight, 4 vital signs, Aldrete
    heart = _search(api, f"Observation?patient=p-{pid}&code=http://loinc.org|8867-4")
    assert ids(heart) == [i for i in ids(everything) if i.endswith("-hr")]
    assert ids(_search(api, f"Observation?patient=p-{pid}&code=8867-4")) == ids(heart)
    assert (
        _search(api, f"Observation?patient=p-{pid}&code=http://snomed.info/sct|8867-4")["total"]
        == 0
    )
    crp = _search(api, f"Observation?patient=p-{pid}&code=1988-5")
    assert [r["valueQuantity"]["value"] for r in entries(crp)] == [4.2]


def test_observations_by_date_range(api, treated):
    pid = treated.patient_id
    day = treated.started_at.astimezone(dt.UTC).date()
    lab_day = day - dt.timedelta(days=2)
    on_lab_day = _search(api, f"Observation?patient=p-{pid}&date={lab_day}")
    assert [r["code"]["coding"][0]["code"] for r in entries(on_lab_day)] == ["1988-5"]
    after_lab = _search(api, f"Observation?patient=p-{pid}&date=ge{lab_day + dt.timedelta(1)}")
    assert "1988-5" not in {r["code"]["coding"][0]["code"] for r in entries(after_lab)}
    assert after_lab["total"] == 7
    until_lab = _search(api, f"Observation?patient=p-{pid}&date=le{lab_day}")
    assert until_lab["total"] == 1
    window = _search(
        api, f"Observation?patient=p-{pid}&date=ge{lab_day}&date=le{lab_day - dt.timedelta(1)}"
    )
    assert window["total"] == 0


def test_a_patients_records_page_with_next_links(api, treated):
    pid = treated.patient_id
    first = _search(api, f"Observation?patient=p-{pid}&_count=3")
    seen, bundle = ids(first), first
    while (following := link(bundle, "next")) is not None:
        bundle = _search(api, _path(following).removeprefix("/fhir/"))
        seen += ids(bundle)
    assert seen == ids(_search(api, f"Observation?patient=p-{pid}&_count=200"))
    assert len(seen) == first["total"] == 8


def test_a_records_search_is_one_search_event_about_the_patient(world, api, treated):
    before = AuditEvent.objects.count()
    _search(api, f"Observation?patient=p-{treated.patient_id}&code=8867-4")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.action == AuditAction.SEARCH and event.object_type == "fhir Observation"
    assert event.patient_id == treated.patient_id
    assert event.changes["fields"] == ["code", "patient"]
    assert event.changes["results"] == 1


def test_a_records_search_page_costs_the_same_queries_whatever_its_size(api, treated):
    counts = {}
    for size in (1, 8):
        with CaptureQueriesContext(connection) as queries:
            bundle = _search(api, f"Observation?patient=p-{treated.patient_id}&_count={size}")
        assert len(bundle["entry"]) == size
        counts[size] = len(queries)
    assert counts[1] == counts[8], counts


def test_an_unknown_patient_finds_nothing_and_records_nothing(api, treated):
    before = AuditEvent.objects.count()
    bundle = _search(api, "Condition?patient=p-999999")
    assert bundle["total"] == 0 and "entry" not in bundle
    assert AuditEvent.objects.count() == before


# --- refused parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "named", "says"),
    [
        ("Patient?family=Rivera", "family", "Allowed: identifier, name, birthdate, _count"),
        ("Patient?_sort=name", "_sort", "Allowed:"),
        ("Patient?name:exact=Rivera", "name:exact", "Allowed:"),
        ("Patient?_count=0", "_count", "from 1 to 200"),
        ("Patient?_count=201", "_count", "from 1 to 200"),
        ("Patient?_count=ten", "_count", "whole number"),
        ("Patient?_offset=-1", "_offset", "whole number"),
        ("Patient?birthdate=gt1980-01-01", "birthdate", "eq, ge or le"),
        ("Patient?birthdate=1980", "birthdate", "YYYY-MM-DD"),
        ("Patient?birthdate=1980-02-30", "birthdate", "not a calendar date"),
        ("Patient?name=", "name", "empty"),
        ("Patient?identifier=a&identifier=b", "identifier", "more than once"),
        ("Patient?identifier=a,b", "identifier", "one value only"),
        ("Patient?identifier=urn:x|", "identifier", "missing"),
        ("Condition?code=F33.2", "code", "Allowed: patient, _count"),
        ("Condition", "patient", "required"),
        ("Observation?code=8867-4", "patient", "required"),
        ("Encounter?patient=Rivera", "patient", "p-<number>"),
        ("MedicationAdministration?patient=Encounter/enc-1", "patient", "p-<number>"),
        ("Observation?patient=p-1&date=2026-1-1", "date", "YYYY-MM-DD"),
        ("Observation?patient=p-1&date=sa2026-01-01", "date", "eq, ge or le"),
        ("Observation?patient=p-1&patient=p-2", "patient", "more than once"),
    ],
)
def test_a_bad_search_parameter_is_a_400_naming_it_and_writes_nothing(api, query, named, says):
    before = row_counts()
    diagnostics = outcome(api.get(f"/fhir/{query}"), 400, "invalid")
    assert diagnostics.startswith(f"{named}: ") and says in diagnostics, diagnostics
    assert row_counts() == before


@pytest.mark.parametrize("path", ["Patient/p-1?_summary=true", "Patient/p-1/$everything?_count=5"])
def test_a_read_or_everything_takes_no_parameter(api, patient, path):
    before = row_counts()
    diagnostics = outcome(api.get(f"/fhir/{path}"), 400, "invalid")
    assert "_format" in diagnostics
    assert row_counts() == before
