"""List, search, chart and dashboard run a fixed number of queries whatever the data size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kitclinic.patients import services
from tests.factories import PatientFactory
from tests.patients.helpers import add_full_record, clear_screen

pytestmark = pytest.mark.django_db

# A ceiling with room for the chart to grow (its view audit event alone is 3 queries: lock the
# chain head, insert, move the head); the real check is that the count stays the same.
MAX_QUERIES = 32


def _add_patients(world, count: int) -> None:
    nurse, physician = world.actor("nurse"), world.actor("physician")
    for _ in range(count):
        patient = PatientFactory(home_clinic=world.clinic, family_name="Smith")
        add_full_record(nurse, physician, patient)
        services.diagnosis_add(actor=nurse, patient=patient, icd10_code="F41.1", description="GAD")
        services.eligibility_decide(
            actor=physician,
            patient=patient,
            indication="anxiety",
            outcome="needs_review",
            rationale="Await cardiology.",
        )


def _queries(client, url: str, django_assert_max_num_queries, **extra) -> int:  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(MAX_QUERIES):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url", "params", "extra"),
    [
        ("dashboard", {}, {}),
        ("patient-list", {}, {}),
        ("patient-list", {"q": "smi"}, {}),
        ("patient-list", {"q": "smith, al"}, {"HTTP_HX_REQUEST": "true"}),
        ("patient-list", {"q": "1980-05-17"}, {}),
    ],
    ids=["dashboard", "list", "search", "search-htmx", "search-dob"],
)
def test_page_query_count_does_not_grow_with_the_number_of_patients(
    login, world, django_assert_max_num_queries, url, params, extra
):
    client = login("physician")
    path = reverse(url) + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    _add_patients(world, 5)
    small = _queries(client, path, django_assert_max_num_queries, **extra)
    _add_patients(world, 45)
    large = _queries(client, path, django_assert_max_num_queries, **extra)
    assert large == small


def test_chart_query_count_does_not_grow_with_the_patients_history(
    login, world, django_assert_max_num_queries
):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    client = login("physician")
    small_patient = PatientFactory(home_clinic=world.clinic)
    add_full_record(nurse, physician, small_patient)
    big_patient = PatientFactory(home_clinic=world.clinic)
    add_full_record(nurse, physician, big_patient)
    for n in range(10):
        services.diagnosis_add(
            actor=nurse, patient=big_patient, icd10_code=f"F4{n}.1", description="comorbid"
        )
        services.allergy_add(
            actor=nurse, patient=big_patient, substance=f"Substance {n}", category="food"
        )
        services.trial_add(
            actor=nurse,
            patient=big_patient,
            treatment_name=f"Drug {n}",
            treatment_class="tca",
            adequate=True,
            outcome="no_response",
        )
        services.screen_record(
            actor=nurse, patient=big_patient, answers=clear_screen(pregnancy=n % 2 == 0)
        )
        services.eligibility_decide(
            actor=physician,
            patient=big_patient,
            indication="depression",
            outcome="needs_review",
            rationale="Await cardiology.",
        )
    _add_patients(world, 5)
    small = _queries(
        client, reverse("patient-chart", args=[small_patient.pk]), django_assert_max_num_queries
    )
    large = _queries(
        client, reverse("patient-chart", args=[big_patient.pk]), django_assert_max_num_queries
    )
    assert large == small
