"""What the browser tests share: where screenshots go, logging a persona in through the real
log-in form, filling in the check-in form, waiting for a page to settle, and running axe-core on
a page."""

from __future__ import annotations

import re
import weakref
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.personas import PASSWORD

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# The impacts a page may not have; axe's "moderate" and "minor" findings are best practice.
AXE_REFUSED_IMPACTS = ("serious", "critical")


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in the log-in form and submit it; where it leads is the caller's to check."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_in_to_dashboard(page: Page, username: str) -> None:
    """Log ``username`` in and wait for the dashboard the log-in leads to."""
    log_in(page, username)
    expect(page).to_have_url(re.compile(r"/$"))


def fill_check_in_form(page: Page, weight_kg: str) -> None:
    """Tick the four confirmations and fill in the weight, pregnancy status, normal vitals and a
    pre-infusion PHQ-9 on a session's check-in form (not submitted)."""
    for label in (
        "Identity confirmed",
        "Signed consent on file",
        "Fasting as instructed",
        "Escort confirmed",
    ):
        page.get_by_label(re.compile(label)).check()
    page.get_by_label("Weight (kg), measured today").fill(weight_kg)
    page.get_by_label("Pregnancy status").select_option("not_pregnant")
    for label, value in (("SBP", "124"), ("DBP", "78"), ("HR", "72"), ("RR", "14"), ("SpO2", "98")):
        page.get_by_label(re.compile(rf"^{label} ")).fill(value)
    for number, answer in enumerate((1, 1, 2, 2, 1, 2, 2, 2, 0), start=1):
        page.locator(f"#id_rating_item_{number}").fill(str(answer))


# What a page may still be doing once it has loaded: an htmx request in flight or its swap not
# yet settled (the nav's alert count, a chart's balance), a Plotly figure not yet drawn, and
# site.js's re-check of scrolling boxes after a swap. Waiting for exactly these, instead of for
# the network to be quiet for half a second, is what a person sees once the page is still.
_SETTLED = """() => document.readyState === "complete"
  && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")
  && document.documentElement.dataset.scrollCheck !== "pending"
  && Array.from(document.querySelectorAll("[data-plotly-spec]"))
       .every((chart) => chart.dataset.rendered === "1")"""


def settle(page: Page) -> None:
    """Wait until the page has loaded, its htmx requests are answered and swapped in, and its
    charts are drawn (axe and the screenshots must see what a person sees)."""
    page.wait_for_load_state("load")
    page.wait_for_function(_SETTLED)


# The contexts whose pages get axe-core before their own scripts run (see axe_violations).
_AXE_PRELOADED: weakref.WeakSet[BrowserContext] = weakref.WeakSet()


# null when axe-core is not on the page. page.evaluate has no timeout of its own: a run that never
# settles fails the test after 60 s instead of holding its worker.
_AXE_RUN = """async (impacts) => {
  if (typeof axe !== "object") { return null; }
  const result = await Promise.race([
    axe.run(document, {resultTypes: ["violations"]}),
    new Promise((_, reject) => setTimeout(
      () => reject(new Error("axe-core did not finish within 60 s")), 60000)),
  ]);
  return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


def _axe_script() -> Path:
    # a development package (package.json), read here from node_modules, never served by the site
    script = Path(settings.NODE_MODULES_DIR) / "axe-core" / "axe.min.js"
    if not script.exists():
        pytest.fail(
            f"axe-core not found at {script}: install the front-end packages with `npm ci`.",
            pytrace=False,
        )
    return script


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA and
    axe's best-practice rules): [{id, impact, help, nodes: [{target, summary}]}]."""
    found = page.evaluate(_AXE_RUN, list(AXE_REFUSED_IMPACTS))
    if found is None:  # axe is not on this page yet
        script = _axe_script()
        # Evaluated through the DevTools protocol: the site's Content-Security-Policy refuses inline
        # script tags, and axe must not have to be served by the site to be injected. Every later
        # page of the same browser context gets it as an init script (also given through the
        # protocol, outside the policy, and run before the page's own scripts), so its half a
        # megabyte is sent once per context instead of once per page.
        page.evaluate(script.read_text())
        if page.context not in _AXE_PRELOADED:
            page.context.add_init_script(path=script)
            _AXE_PRELOADED.add(page.context)
        found = page.evaluate(_AXE_RUN, list(AXE_REFUSED_IMPACTS))
    return found


def violations_text(found: dict[str, list[dict[str, Any]]]) -> str:
    """The violations per page, one line per element: rule id, impact, target and help."""
    lines = []
    for where, violations in found.items():
        lines.append(f"{where}:")
        for v in violations:
            lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"]:
                summary = " ".join((node["summary"] or "").split())
                lines.append(f"      {node['target']} — {summary}")
    return "\n".join(lines)
