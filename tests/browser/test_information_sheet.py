"""A physician publishes the depression information sheet and opens the version patients read: it
opens with the summary box, the icon arrays are images a screen reader names "About N in
100 ...", and axe-core finds nothing serious or critical on it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SCREENSHOT_DIR, axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_published_sheet_opens_with_the_summary_and_the_icon_arrays(page, world, shoot):  # type: ignore[no-untyped-def]
    log_in(page, "physician")
    page.goto("/outcomes/sheets/depression/")
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_role("status")).to_have_text("Published version 1.")
    page.get_by_text("Published versions (1)").click()
    page.get_by_role("link", name="read").click()

    expect(page.get_by_role("heading", name="In short")).to_be_visible()
    summary = page.locator("section.summary")
    for term in ("What it is", "What to expect", "The main risks", "Who to call"):
        expect(summary.get_by_text(term, exact=True)).to_be_visible()
    first = page.get_by_role(
        "img", name="About 52 in 100 people responded 1 day after one infusion"
    )
    course = page.get_by_role("img", name="About 54 in 100 people responded after 4 to 8 infusions")
    expect(first).to_be_visible()
    expect(course).to_be_visible()
    assert first.locator('[data-filled="1"]').count() == 52
    assert course.locator('[data-filled="1"]').count() == 54
    expect(
        page.get_by_text("Source: McInnes et al., Journal of Affective Disorders, 2022.")
    ).to_be_visible()
    # the summary comes before the arrays, and both before the details
    boxes = [page.locator(s).bounding_box() for s in ("section.summary", "section.response")]
    details = page.get_by_role("heading", name="What published studies found").bounding_box()
    assert boxes[0]["y"] < boxes[1]["y"] < details["y"]

    summary.screenshot(path=str(SCREENSHOT_DIR / "information-sheet-summary.png"))
    page.locator("section.response").screenshot(
        path=str(SCREENSHOT_DIR / "information-sheet-icon-arrays.png")
    )
    shoot("published-sheet")
    assert axe_violations(page) == []
    assert re.search(r"/outcomes/sheet-versions/\d+/$", page.url)
