"""Patient data is never cached: every dynamic response is ``Cache-Control: no-store``; static
files keep their caching."""

from __future__ import annotations

import pytest

from tests.support.clients import api_client, web_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world):
    return web_client(world, "clinic_admin")


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
    api = api_client(world, "physician")
    response = api.get(f"/api/v1/patients/{patient.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_static_files_keep_their_caching(client):
    response = client.get("/static/pages/favicon.svg")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_pages_carry_a_content_security_policy_without_inline_scripts(admin_client):
    response = admin_client.get("/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy
    assert b"<script>" not in response.content and b"onchange=" not in response.content


def test_no_template_carries_an_inline_script_or_handler():
    """The policy forbids inline scripts: behaviour is declared with data attributes (pages/site.js)."""
    import re
    from pathlib import Path

    import kitclinic

    root = Path(kitclinic.__file__).parent
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        text = template.read_text()
        inline_script = re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
        handler = re.search(r"\son[a-z]+=[\"']", text)
        if inline_script or handler:
            offenders.append(str(template.relative_to(root)))
    assert offenders == []


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_api_documentation_pages_need_no_inline_script(admin_client, url):
    import re

    response = admin_client.get(url)
    assert response.status_code == 200
    assert not re.search(rb"<script(?![^>]*\bsrc=)[^>]*>", response.content), response.content[
        :2000
    ]
