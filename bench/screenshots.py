"""Full-page screenshots of every main page, as each demo user sees them, for visual review.

Not a test: it needs the demo clinic served by ``make run`` (``kitclinic seed_demo``) and Debian's
Chromium at /usr/bin/chromium. Usage::

    make run &                      # in another terminal
    .venv/bin/python bench/screenshots.py            # PORT=8001 for another port

Writes var/screenshots/<user>-<nn>-<page>.png and prints one line per page with its HTTP status.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response, sync_playwright

BASE_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
CHROMIUM = os.environ.get("KITCLINIC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUT_DIR = Path(__file__).resolve().parents[1] / "var" / "screenshots"
USERS = ["physician", "nurse", "frontdesk", "admin", "auditor"]
PASSWORD = "kitclinic-demo"
INTAKE_FORMS = [
    ("register", "/patients/new/"),
    ("edit-demographics", "/patients/{id}/edit/"),
    ("episode", "/patients/{id}/episode/"),
    ("add-diagnosis", "/patients/{id}/diagnoses/new/"),
    ("add-trial", "/patients/{id}/trials/new/"),
    ("screen", "/patients/{id}/screen/new/"),
    ("eligibility", "/patients/{id}/eligibility/new/"),
]


def _goto(page: Page, path: str) -> Response | None:
    """Open ``path``, waiting out the few seconds runserver's autoreloader is down after an edit."""
    for attempt in range(20):
        try:
            return page.goto(f"{BASE_URL}{path}")
        except PlaywrightError as exc:
            if "ERR_CONNECTION_REFUSED" not in str(exc) or attempt == 19:
                raise
            time.sleep(0.5)
    return None


def _log_in(page: Page, username: str) -> None:
    _goto(page, "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_load_state("networkidle")
    if "/login/" in page.url:
        raise SystemExit(f"log-in as {username!r} failed: is the demo data loaded (make run)?")


def _shoot_user(page: Page, username: str) -> list[str]:
    lines: list[str] = []
    count = 0

    def shoot(name: str, path: str | None = None) -> int | None:
        nonlocal count
        status = None
        if path is not None:
            response = _goto(page, path)
            status = response.status if response else None
            page.wait_for_load_state("networkidle")
        count += 1
        out = OUT_DIR / f"{username}-{count:02d}-{name}.png"
        page.screenshot(path=str(out), full_page=True)
        lines.append(f"{username:10} {status or '':>4} {name:20} {page.url} -> {out.name}")
        return status

    _goto(page, "/login/")
    count += 1
    page.screenshot(path=str(OUT_DIR / f"{username}-{count:02d}-login.png"), full_page=True)
    _log_in(page, username)
    shoot("dashboard", "/")
    shoot("patient-list", "/patients/")
    # Search as a nurse would, "family, g", for the first patient the list shows.
    family, _, given = page.locator("#results tbody a").first.inner_text().partition(", ")
    search = f"{family.lower()}, {given[:1].lower()}"
    page.locator("#patient-search").press_sequentially(search, delay=30)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)  # the search fires 250 ms after the last key
    shoot("search")
    link = page.locator("#results tbody a").first
    match = re.search(r"/patients/(\d+)/", link.get_attribute("href") or "")
    if match is None:
        raise SystemExit(f"no patient found for {search!r}: is the demo data loaded?")
    patient_id = match.group(1)
    shoot("chart", f"/patients/{patient_id}/")
    for name, template in INTAKE_FORMS:
        shoot(name, template.format(id=patient_id))
    shoot("audit-trail", "/audit/")
    return lines


def main() -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for username in USERS:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            print("\n".join(_shoot_user(page, username)))
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
