"""What the browser tests share: where screenshots go, logging a persona in through the real
log-in form, filling in the check-in form, and running axe-core on a page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

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


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA and
    axe's best-practice rules): [{id, impact, help, nodes: [{target, summary}]}]."""
    # a development package (package.json), read here from node_modules, never served by the site
    script = Path(settings.NODE_MODULES_DIR) / "axe-core" / "axe.min.js"
    if not script.exists():
        pytest.fail(
            f"axe-core not found at {script}: install the front-end packages with `npm ci`.",
            pytrace=False,
        )
    # Evaluated through the DevTools protocol: the site's Content-Security-Policy refuses inline
    # script tags, and axe must not have to be served by the site to be injected.
    page.evaluate(script.read_text())
    return page.evaluate(
        """async (impacts) => {
          const result = await axe.run(document, {resultTypes: ["violations"]});
          return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
          }));
        }""",
        list(AXE_REFUSED_IMPACTS),
    )


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
