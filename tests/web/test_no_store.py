"""Patient data is never cached: every dynamic response is ``Cache-Control: no-store``; static
files keep their caching."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(
        world.users["clinic_admin"], backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/patients/",
        "/outcomes/export.csv",
        "/substances/report/?date_from=2026-11-01&date_to=2026-11-30&format=csv",
        "/login/",
        "/no-such-page/",
    ],
)
def test_pages_exports_and_errors_are_no_store(admin_client, url):
    response = admin_client.get(url)
    assert "no-store" in response["Cache-Control"], (url, response.status_code)


def test_patient_json_is_no_store(world, patient):
    api = APIClient()
    api.force_authenticate(world.users["physician"])
    response = api.get(f"/api/v1/patients/{patient.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_static_files_keep_their_caching(client):
    response = client.get("/static/web/favicon.svg")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
