"""One drug-library draft at a time in a real browser: an admin whose library page was opened
before a colleague started a draft presses "Start a draft" and is told which draft is open,
with the way to it, and no second draft is written."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kitclinic.infusions.models import DrugLibraryVersion
from kitclinic.infusions.services.library import library_draft_create, library_install_default
from tests.browser.helpers import log_in_to_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_stale_start_button_names_the_open_draft(page, shoot, world):  # type: ignore[no-untyped-def]
    active = library_install_default(organization_id=world.clinic.organization_id)
    log_in_to_dashboard(page, "clinic_admin")
    page.goto("/infusions/library/")
    start = page.get_by_role("button", name="Start a draft from the active version")
    expect(start).to_be_visible()
    # a colleague starts a draft while this page is open
    library_draft_create(actor=world.actor("clinic_admin"), data=active.data, change_note="x")
    start.click()
    main = page.locator("main")
    expect(main).to_contain_text("Draft v2 is still open (being edited). Only one draft at a time")
    expect(page.get_by_role("link", name="Continue editing it")).to_be_visible()
    expect(page.get_by_role("button", name="Start a draft from the active version")).to_have_count(
        0
    )
    # importing a whole library would start a draft too: offered again once the draft is done
    expect(
        page.get_by_role("link", name="Import a whole library (JSON, for experts)")
    ).to_have_count(0)
    shoot("second-draft-refused")
    assert DrugLibraryVersion.objects.filter(status="draft").count() == 1
