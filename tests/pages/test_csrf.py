"""Browser forms need the CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kitclinic.patients.models import Diagnosis
from tests.support.clients import web_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client(world) -> Client:
    return web_client(world, "nurse", enforce_csrf_checks=True)


DIAGNOSIS = {"icd10_code": "F33.1", "description": "MDD, recurrent, moderate"}


def test_post_without_csrf_token_is_refused_and_writes_nothing(csrf_client, patient):
    before = row_counts()
    response = csrf_client.post(reverse("diagnosis-add", args=[patient.pk]), DIAGNOSIS)
    assert response.status_code == 403
    assert row_counts() == before


def test_post_with_a_wrong_csrf_token_is_refused(csrf_client, patient):
    url = reverse("diagnosis-add", args=[patient.pk])
    csrf_client.get(url)
    response = csrf_client.post(url, {**DIAGNOSIS, "csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    assert not Diagnosis.objects.exists()


def test_post_with_the_csrf_token_from_the_form_succeeds(csrf_client, patient):
    url = reverse("diagnosis-add", args=[patient.pk])
    form = csrf_client.get(url)
    token = form.context["csrf_token"]
    assert f'name="csrfmiddlewaretoken" value="{token}"' in form.content.decode()
    response = csrf_client.post(url, {**DIAGNOSIS, "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert Diagnosis.objects.get().icd10_code == "F33.1"


def test_login_form_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "nurse", "password": "x"})
    assert response.status_code == 403
