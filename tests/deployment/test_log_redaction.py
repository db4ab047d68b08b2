"""Self-report and set-password link tokens never reach a log: the pure redaction, Django's logging configuration,
and the access and error logs of a real gunicorn started as the README starts it."""

from __future__ import annotations

import logging
import secrets

import pytest
from django.utils.module_loading import import_string

import kitclinic.config.settings as production
from kitclinic.config.log_redaction import REDACTED, RedactLinkTokens, redact_link_tokens
from tests.processes import (
    Browser,
    production_env,
    start_gunicorn,
    wait_for_health,
)
from tests.support.databases import copy_of


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('GET /r/AbC-d_9/ HTTP/1.1" 200', f'GET /r/{REDACTED}/ HTTP/1.1" 200'),
        ("GET /kiosk/AbC-d_9/?step=2", f"GET /kiosk/{REDACTED}/?step=2"),
        ("Not Found: /r/AbC", f"Not Found: /r/{REDACTED}"),
        (
            '"https://clinic.example.org/r/AbC/" "Mozilla/5.0"',
            f'"https://clinic.example.org/r/{REDACTED}/" "Mozilla/5.0"',
        ),
        ("POST /staff-link/Xy_9-z/ HTTP/1.1", f"POST /staff-link/{REDACTED}/ HTTP/1.1"),
        ("GET /kiosk/done/ HTTP/1.1", "GET /kiosk/done/ HTTP/1.1"),
        ("GET /administration/staff/3/ HTTP/1.1", "GET /administration/staff/3/ HTTP/1.1"),
        ("GET /patients/12/self-report-links/new/", "GET /patients/12/self-report-links/new/"),
        ("GET /api/v1/courses/3/ HTTP/1.1", "GET /api/v1/courses/3/ HTTP/1.1"),
    ],
)
def test_link_tokens_are_redacted_and_nothing_else(line, expected):
    assert redact_link_tokens(line) == expected


def test_the_console_handler_of_the_production_settings_redacts():
    console = production.LOGGING["handlers"]["console"]
    (name,) = console["filters"]
    filter_class = import_string(production.LOGGING["filters"][name]["()"])
    assert filter_class is RedactLinkTokens
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        ("GET /r/s3cret/ HTTP/1.1", 404),
        None,
    )
    assert filter_class().filter(record) is True
    assert "s3cret" not in record.getMessage()
    assert f"/r/{REDACTED}/" in record.getMessage()


@pytest.mark.slow
def test_gunicorn_s_access_and_error_logs_hold_no_link_token(tmp_path, migrated_sqlite):
    env = production_env(copy_of(migrated_sqlite, tmp_path / "kitclinic.sqlite3"))
    server = start_gunicorn("redaction", env, tmp_path, workers=1)
    link, kiosk, referer = (secrets.token_urlsafe(32) for _ in range(3))
    try:
        wait_for_health(server)
        browser = Browser()
        browser.get(f"{server.url}/r/{link}/")
        browser.get(f"{server.url}/kiosk/{kiosk}/")
        browser.get(f"{server.url}/healthz", headers={"Referer": f"{server.url}/r/{referer}/"})
    finally:
        server.stop()
    log = server.log.read_text(errors="replace")
    for token in (link, kiosk, referer):
        assert token not in log
    # The lines are there, redacted: the access log names both paths and the Referer.
    assert f'"GET /r/{REDACTED}/ HTTP/1.1"' in log
    assert f'"GET /kiosk/{REDACTED}/ HTTP/1.1"' in log
    assert f'"{server.url}/r/{REDACTED}/"' in log
