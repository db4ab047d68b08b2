"""A clinic admin edits one dose limit of the drug library through its form (a refused value
first), and a physician reviews the difference against the active version and approves it, in a
real browser (Chromium via Playwright)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kitclinic.infusions.models import DrugLibraryVersion
from kitclinic.infusions.services.library import library_install_default
from tests.browser.helpers import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_edits_a_limit_and_a_physician_approves_after_seeing_the_difference(
    world, page, shoot
):
    library_install_default(organization_id=world.clinic.organization_id)
    log_in(page, "clinic_admin")
    page.get_by_role("link", name="Drug library").click()
    page.get_by_role("button", name="Start a draft from the active version").click()
    expect(page.get_by_role("heading", name="Draft v2 of the drug library")).to_be_visible()
    shoot("draft-editor")
    assert axe_violations(page) == []

    depression = page.locator(
        "section", has=page.get_by_role("heading", name=re.compile("^Depression"))
    )
    depression.get_by_role("link", name="Dose", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dose limits")
    page.get_by_label("Soft maximum in mg/kg", exact=True).fill("1.5")
    page.get_by_role("button", name="Save in the draft").click()
    # refused on the form, naming the bound and what it must be; nothing saved
    expect(page.locator(".errorlist")).to_contain_text("below the soft maximum 1.5")
    shoot("refused")
    assert axe_violations(page) == []
    assert (
        DrugLibraryVersion.objects.get(number=2).data["protocols"][0]["dose_limits"]["soft_max"][
            "value"
        ]
        == "0.75"
    )

    page.get_by_label("Soft maximum in mg/kg", exact=True).fill("0.7")
    page.get_by_label("Soft maximum: source", exact=True).select_option("clinic_setting")
    page.get_by_label("Soft maximum: reason", exact=True).fill(
        "Governance 2026-12: lower soft maximum after two sedation events"
    )
    page.get_by_role("button", name="Save in the draft").click()
    # the value and its source: two lines of difference on the protocol
    expect(depression).to_contain_text("2 changes")
    page.get_by_role("button", name=re.compile("See the difference")).click()
    expect(page.locator(".diff-new").first).to_be_visible()
    shoot("editor-sees-difference")

    page.context.clear_cookies()
    log_in(page, "physician")
    page.goto("/infusions/library/")
    page.get_by_role("link", name="Review it for approval").click()
    changed = page.locator("section.diff-changed")
    expect(changed).to_contain_text("Dose, soft maximum")
    expect(changed.locator(".diff-old").first).to_have_text("0.75 mg/kg")
    expect(changed.locator(".diff-new").first).to_have_text("0.7 mg/kg")
    shoot("physician-reviews")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Approve v2 and make it active").click()
    expect(page.get_by_text("Library v2 approved and now active.")).to_be_visible()
    shoot("approved")
    assert DrugLibraryVersion.objects.get(number=2).status == "approved"
    assert DrugLibraryVersion.objects.get(number=1).status == "retired"
