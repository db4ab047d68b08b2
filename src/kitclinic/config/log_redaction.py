"""Keep self-report and set-password link secrets out of logs.

A self-report or kiosk link (``/r/<token>/``, ``/kiosk/<token>/``) is the patient's key to a
questionnaire: whoever reads it in a log could answer in the patient's name; a staff member's
set-password link (``/staff-link/<token>/``) is the key to their account. Every log line the
application or its server writes passes through ``redact_link_tokens``: Django's request and
development-server loggers through ``RedactLinkTokens`` on the console handler (settings.LOGGING),
gunicorn's access and error logs through the logger class of ``kitclinic.config.gunicorn``. The
request line, the path and the Referer (a page loaded from a link sends it with its static files)
are all covered, because the whole formatted line is redacted."""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# The token path segment after /r/ or /kiosk/ (not the kiosk's own /kiosk/done/ page); the token
# alphabet is URL-safe base64, but anything up to the next separator is a secret here.
_LINK_TOKEN = re.compile(r"(/(?:r|kiosk|staff-link)/)(?!done(?:[/?#\s\"']|$))[^/?#\s\"']+")


def redact_link_tokens(text: str) -> str:
    """``text`` with the token of every self-report or kiosk link path replaced by [redacted]."""
    return _LINK_TOKEN.sub(rf"\g<1>{REDACTED}", text)


class RedactLinkTokens(logging.Filter):
    """A logging filter that formats the record's message and redacts link tokens in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_link_tokens(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True
