"""axe-core over the main pages, as each role that uses them, and the same pages at phone width.

axe-core comes from the npm registry as a development package (package.json devDependencies) and is
read from node_modules by the test only: the site never serves it. The Content-Security-Policy
forbids inline scripts, so it is evaluated through Playwright (the DevTools protocol, which the
policy does not govern) instead of being added to the page as a script tag.

The records are built so that every state a page can draw is on screen: an open safety alert, a
running infusion with a hypertensive reading (an alert row on the timeline), a session waiting for
check-in, a cancelled one, a Kaplan–Meier chart of a small cohort and a self-report link.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from kitclinic.assessments.models import SafetyAlert
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.assessments.services.links import link_issue
from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.infusion.observations import vitals_record
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from kitclinic.outcomes.data import dataset
from tests.browser.helpers import (
    SCREENSHOT_DIR,
    axe_violations,
    log_in_to_dashboard,
    settle,
    violations_text,
)
from tests.factories import PatientFactory
from tests.infusions.helpers import NORMAL, advance, book, make_eligible, plan, slot_time
from tests.outcomes.helpers import course_with_scores

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


@dataclass(frozen=True)
class Records:
    sam: int  # open safety alert, PHQ-9 trajectory, a running infusion
    running: int  # Sam's session: infusing, a hypertensive reading at 20 min
    waiting: int  # Ben's session today: scheduled, waiting for check-in
    checked_in: int  # Ana's session today: checked in, waiting for the physician's order
    course: int  # Ben's course: one session scheduled, one cancelled
    self_report: str  # the path of a questionnaire link issued to Sam
    alert: int  # Sam's open safety alert


@pytest.fixture
def records(world) -> Records:  # type: ignore[no-untyped-def]
    dataset.forget()
    nurse, physician = world.actor("nurse"), world.actor("physician")
    library_install_default(organization_id=world.clinic.organization_id)
    chair_1 = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    chair_2 = Chair.objects.create(clinic=world.clinic, name="Chair 2")

    sam = PatientFactory(home_clinic=world.clinic, family_name="Rivera", given_name="Sam")
    make_eligible(nurse, physician, sam)
    for days, answers in (
        (28, [3, 3, 2, 2, 2, 2, 2, 2, 0]),
        (14, [2, 2, 2, 2, 1, 1, 1, 1, 0]),
        (1, [1, 2, 1, 1, 1, 1, 1, 1, 1]),  # item 9 above zero: an open safety alert
    ):
        assessment_record(
            actor=nurse,
            patient=sam,
            instrument="phq9",
            answers=answers,
            administered_at=timezone.now() - dt.timedelta(days=days),
        )
    running = advance(
        world, book(world, plan(world, sam), chair_1), SessionState.RUNNING, elapsed_min=25
    )
    vitals_record(actor=nurse, session=running, slot_minute=10, **NORMAL)
    vitals_record(actor=nurse, session=running, slot_minute=20, **{**NORMAL, "sbp": 182, "dbp": 96})

    ben = PatientFactory(home_clinic=world.clinic, family_name="Okafor", given_name="Ben")
    make_eligible(nurse, physician, ben)
    course = plan(world, ben)
    waiting = book(world, course, chair_2, slot_time(9, 0))
    advance(world, book(world, course, chair_1, slot_time(9, 0, days=1)), SessionState.CANCELLED)

    ana = PatientFactory(home_clinic=world.clinic, family_name="Lee", given_name="Ana")
    make_eligible(nurse, physician, ana)
    chair_3 = Chair.objects.create(clinic=world.clinic, name="Chair 3")
    checked_in = advance(world, book(world, plan(world, ana), chair_3), SessionState.CHECKED_IN)

    for scores in ([20, 14, 9], [18, 15, 12, 8], [22, 20, 19, 18, 17]):
        course_with_scores(
            PatientFactory(home_clinic=world.clinic),
            clinician=world.users["physician"],
            scores=scores,
        )
    issued = link_issue(actor=nurse, patient=sam, instrument="phq9")
    yield Records(
        sam=sam.pk,
        running=running.pk,
        waiting=waiting.pk,
        checked_in=checked_in.pk,
        course=course.pk,
        self_report=issued.path,
        alert=SafetyAlert.objects.get(patient=sam).pk,
    )
    dataset.forget()


def _staff_pages(r: Records) -> dict[str, list[tuple[str, str]]]:
    """persona -> [(page name, path)]: the pages each role works in."""
    chart = reverse("patient-chart", args=[r.sam])
    return {
        "nurse": [
            ("dashboard", reverse("dashboard")),
            ("patient list", reverse("patient-list")),
            ("patient chart", chart),
            ("clinic day", reverse("infusions-today")),
            ("check-in", reverse("infusions-check-in", args=[r.waiting])),
            ("session charting", reverse("infusions-session", args=[r.running])),
            ("course", reverse("infusions-course", args=[r.course])),
            ("alert queue", reverse("alert-queue")),
            ("acknowledge an alert", reverse("alert-acknowledge", args=[r.alert])),
            ("record an assessment", reverse("assessment-record", args=[r.sam])),
            ("controlled substances", reverse("substance-log")),
        ],
        "physician": [
            ("dashboard", reverse("dashboard")),
            ("patient chart", chart),
            ("session charting", reverse("infusions-session", args=[r.running])),
            ("order", reverse("infusions-order", args=[r.checked_in])),
            ("outcomes dashboard", reverse("outcomes-dashboard")),
            ("inflammatory markers", reverse("outcomes-labs")),
            ("information sheets", reverse("outcomes-sheets")),
            ("information sheet", reverse("outcomes-sheet", args=["depression"])),
            ("drug library", reverse("infusions-library")),
        ],
        "front_desk": [
            ("dashboard", reverse("dashboard")),
            ("patient list", reverse("patient-list")),
            ("patient chart", chart),
            ("clinic day", reverse("infusions-today")),
            ("register a patient", reverse("patient-register")),
        ],
        "clinic_admin": [
            ("dashboard", reverse("dashboard")),
            ("API tokens", reverse("api-tokens")),
        ],
        "auditor": [
            ("dashboard", reverse("dashboard")),
            ("audit trail", reverse("audit-trail")),
        ],
    }


def _check(page: Page, where: str, found: dict[str, list[dict]]) -> None:  # type: ignore[type-arg]
    settle(page)
    violations = axe_violations(page)
    if violations:
        found[where] = violations


def _switch_to(page: Page, persona: str) -> None:
    """Log ``persona`` in on a browser that had someone else (or no one) logged in: the cookies
    go, as on a shared workstation, while the browser keeps its cache of the site's scripts and
    style sheets (Plotly's 4.8 MB among them), which a new browser context would load and
    compile again for every persona."""
    page.context.clear_cookies()
    log_in_to_dashboard(page, persona)


def test_main_pages_have_no_serious_or_critical_axe_violations(  # type: ignore[no-untyped-def]
    page, world, records
):
    found: dict[str, list[dict]] = {}  # type: ignore[type-arg]

    # the pages a person reaches without a staff log-in
    page.goto(reverse("login"))
    _check(page, "anonymous: log-in", found)
    page.goto(records.self_report)
    expect(page.get_by_role("heading", level=1)).to_have_text("PHQ-9")
    _check(page, "patient: self-report questionnaire", found)
    page.get_by_role("button", name="Send my answers").click()  # nothing answered: sent back
    expect(page.get_by_role("alert")).to_contain_text("Please answer every question")
    _check(page, "patient: self-report questionnaire, sent back", found)
    for item, value in enumerate([1, 1, 2, 1, 1, 2, 1, 1, 1], start=1):
        page.locator(f"input[name=item_{item}][value='{value}']").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("body")).to_contain_text("your answers have been received")
    _check(page, "patient: answers received, with crisis resources", found)
    page.goto("/no-such-page/")
    _check(page, "anonymous: page not found", found)

    for persona, pages in _staff_pages(records).items():
        _switch_to(page, persona)
        for name, path in pages:
            response = page.goto(path)
            assert response is not None and response.status == 200, (persona, name, path)
            _check(page, f"{persona}: {name} ({path})", found)
        if persona == "front_desk":
            # a form sent back with its errors (422) is read as carefully as a blank one
            page.goto(reverse("patient-register"))
            page.locator("main form[method=post] button[type=submit]").last.click()
            expect(page.locator(".errorlist").first).to_be_visible()
            _check(page, f"{persona}: register a patient, refused", found)

    assert not found, "axe-core found serious or critical violations:\n" + violations_text(found)


def test_the_pages_with_the_reported_findings_are_checked(
    browser, live_server, page, world, records
):  # type: ignore[no-untyped-def]
    """The run above would pass trivially if the states axe once flagged were not on screen:
    a cancelled badge, an alert row on the timeline, the Kaplan–Meier chart's tool bar, a table
    with an action column."""
    log_in_to_dashboard(page, "nurse")
    page.goto(reverse("infusions-course", args=[records.course]))
    expect(page.locator(".badge.state-cancelled")).to_be_visible()
    page.goto(reverse("infusions-session", args=[records.running]))
    expect(page.locator("ol.timeline li.tl-alert").first).to_contain_text("182")
    page.goto(reverse("alert-queue"))
    headers = page.locator("#open-alert-list th")
    assert (headers.last.text_content() or "").strip(), "the action column has a header"
    assert page.locator("#open-alert-list td a", has_text="Acknowledge").count() == 1

    context = browser.new_context(base_url=live_server.url, locale="en-US")
    physician = context.new_page()
    log_in_to_dashboard(physician, "physician")
    physician.goto(reverse("outcomes-dashboard"))
    settle(physician)
    chart = physician.get_by_role("figure", name=re.compile("Kaplan–Meier"))
    expect(chart.locator(".modebar-btn").first).to_be_attached()
    context.close()


def _no_horizontal_scroll(page: Page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """(limit) => Array.from(document.querySelectorAll('body *'))
          .filter(e => e.getBoundingClientRect().right > limit + 1)
          .filter(e => !e.closest('table, .overflow-auto'))
          .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""",
        PHONE["width"],
    )
    assert width <= PHONE["width"], (
        f"{where}: the page is {width} px wide at {PHONE['width']} px; {wide}"
    )


def _phone(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_phone_width_has_no_horizontal_scroll_and_a_working_menu(
    browser, live_server, world, records
):  # type: ignore[no-untyped-def]
    context, phone = _phone(browser, live_server)
    phone.goto(reverse("login"))
    _no_horizontal_scroll(phone, "log-in")
    log_in_to_dashboard(phone, "nurse")

    nav = phone.get_by_role("navigation", name="Main")
    menu = phone.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Patients")).to_be_hidden()
    phone.screenshot(path=str(SCREENSHOT_DIR / "phone-menu-closed.png"), full_page=False)
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    links = nav.get_by_role("link")
    assert links.count() >= 6
    for i in range(links.count()):
        link = links.nth(i)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(phone.get_by_role("button", name="Log out")).to_be_visible()
    _no_horizontal_scroll(phone, "dashboard, menu open")
    phone.screenshot(path=str(SCREENSHOT_DIR / "phone-menu-open.png"), full_page=False)
    phone.keyboard.press("Escape")  # closes the menu, the focus back on its button
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    menu.click()
    nav.get_by_role("link", name="Clinic day").click()
    expect(phone).to_have_url(re.compile(r"/infusions/today/$"))
    expect(menu).to_have_attribute("aria-expanded", "false")

    # the vitals table scrolls inside its own region, which a keyboard can reach
    phone.goto(reverse("infusions-session", args=[records.running]))
    region = phone.get_by_role("region", name="Vitals by slot")
    expect(region.locator("table.vitals")).to_be_visible()
    assert region.evaluate("e => e.scrollWidth > e.clientWidth"), "wide enough to need scrolling"
    expect(region).to_have_attribute("tabindex", "0")

    # tables that scroll inside themselves and the folded menu are checked by axe at this width too
    found: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    phone.goto(records.self_report)
    _no_horizontal_scroll(phone, "self-report questionnaire")
    _check(phone, "phone: self-report questionnaire", found)
    for persona in ("nurse", "physician"):
        if persona != "nurse":
            _switch_to(phone, persona)
        for name, path in _staff_pages(records)[persona]:
            response = phone.goto(path)
            assert response is not None and response.status == 200, (persona, name, path)
            _no_horizontal_scroll(phone, f"{persona}: {name}")
            _check(phone, f"phone, {persona}: {name} ({path})", found)
            slug = re.sub(r"\W+", "-", f"{persona} {name}")
            phone.screenshot(path=str(SCREENSHOT_DIR / f"phone-{slug}.png"), full_page=True)
    context.close()
    assert not found, violations_text(found)
