"""The session page's chart at phone width and at desktop width: the legend (above the plot)
clears the x axis's title and the plot, however many rows its entries wrap to. Screenshots go to
var/screenshots/."""

from __future__ import annotations

import pytest

from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.infusion import observations
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from tests.browser.helpers import SCREENSHOT_DIR, log_in_to_dashboard
from tests.infusions.helpers import advance, book, make_eligible, plan, slot_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.fixture
def running(world, patient):  # type: ignore[no-untyped-def]
    """A session running for 40 minutes with its baseline and two sets of vitals."""
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    session = advance(
        world, book(world, plan(world, patient), chair, slot_time(9, 0)), SessionState.RUNNING
    )
    for minute, sbp in ((10, 132), (20, 138)):
        observations.vitals_record(
            actor=world.actor("nurse"),
            session=session,
            slot_minute=minute,
            sbp=sbp,
            dbp=80,
            hr=76,
            rr=14,
            spo2=98,
        )
    return session


@pytest.mark.parametrize("width", [375, 1280])
def test_the_session_charts_legend_clears_the_axis_title(page, running, width):  # type: ignore[no-untyped-def]
    log_in_to_dashboard(page, "nurse")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/infusions/sessions/{running.pk}/")
    chart = page.locator("#session-plot")
    chart.locator(".legend").wait_for()
    legend = chart.locator(".legend").bounding_box()
    plot = chart.locator(".nsewdrag").first.bounding_box()
    x_title = chart.locator(".xtitle").bounding_box()
    assert legend and plot and x_title
    assert not _overlap(legend, x_title), (legend, x_title)
    assert not _overlap(legend, plot), (legend, plot)
    assert chart.locator(".legend .traces").count() == 6  # 4 vitals, 2 concentrations
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(SCREENSHOT_DIR / f"session-chart-{width}px.png"))
