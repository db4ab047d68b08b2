"""A nurse creates an API token on the web page, an integration uses it, and the nurse revokes
it, in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from kitclinic.accounts.models import ApiToken
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def me_status(base_url: str, token: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/api/v1/me/", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_nurse_creates_uses_and_revokes_a_token(world, page, live_server, shoot):
    log_in(page, "nurse")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    page.get_by_label("Name").fill("pump gateway")
    page.get_by_label("Read and write").check()
    page.get_by_label("Lifetime (days)").fill("14")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("[data-token-secret]").inner_text().strip()
    shoot("created")
    token = ApiToken.objects.get()
    assert (token.name, token.scope, secret[:12]) == ("pump gateway", "write", token.prefix)
    assert me_status(live_server.url, secret) == 200

    page.goto("/account/api-tokens/")  # the secret is not shown again
    expect(page.locator("[data-token-secret]")).to_have_count(0)
    row = page.locator(f"[data-token-row='{token.pk}']")
    expect(row).to_contain_text("active")
    row.get_by_label("Reason").fill("gateway replaced")
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator(f"[data-token-row='{token.pk}']")).to_contain_text("gateway replaced")
    shoot("revoked")
    assert me_status(live_server.url, secret) == 401
