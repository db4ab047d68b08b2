"""A physician opens the outcomes dashboard in a real browser, applies a filter and sees the
Kaplan–Meier chart drawn by Plotly (served from node_modules, never a CDN)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kitclinic.outcomes.data import dataset
from tests.browser.helpers import log_in
from tests.factories import PatientFactory, UserFactory
from tests.outcomes.helpers import course_with_scores

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cohort(world):  # type: ignore[no-untyped-def]
    dataset.forget()
    doc = world.users["physician"]
    other = UserFactory(username="dr-lee", first_name="Avery", last_name="Lee")
    plans = [
        ([20, 14, 9], "standard", doc),
        ([18, 15, 12, 8], "standard", doc),
        ([22, 20, 19, 18, 17], "standard", doc),
        ([16, 7], "accelerated", other),
        ([24, 18, 14, 11], "accelerated", other),
    ]
    for scores, protocol, clinician in plans:
        patient = PatientFactory(home_clinic=world.clinic)
        course_with_scores(patient, clinician=clinician, scores=scores, protocol=protocol)
    yield
    dataset.forget()


def test_dashboard_filter_redraws_the_km_chart(page, world, cohort, shoot):  # type: ignore[no-untyped-def]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    log_in(page, "physician")
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Clinic outcomes")).to_be_visible()
    chart = page.locator("#km-chart")
    expect(chart).to_have_attribute("data-rendered", "1")
    expect(chart.locator("svg.main-svg").first).to_be_visible()
    expect(page.get_by_text("N = 5", exact=False).first).to_be_visible()
    shoot("all-courses")

    page.locator("#id_protocol").select_option("accelerated")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"protocol=accelerated"))
    chart = page.locator("#km-chart")
    expect(chart).to_have_attribute("data-rendered", "1")
    expect(chart.locator("path.js-line").first).to_be_visible()
    expect(page.locator("p", has_text="With a usable PHQ-9 baseline")).to_contain_text("N = 2")
    shoot("accelerated")

    page.locator("#id_indication").select_option("chronic_pain")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="No courses match")).to_be_visible()
    expect(page.locator("#km-chart")).to_have_count(0)
    shoot("empty")
    assert all(url.startswith(page.url.split("/outcomes")[0]) for url in requests), (
        "every request goes to the clinic's own server"
    )
