"""Input bounds every entry point shares (forms, API serializers, services, commands).

A date given by a user (a filter, a report period, an onset date) must lie in a window in which
every later computation stays valid: a day later in UTC, the clinic's time zone, the database's
range. Filters outside it are refused naming the field, never a server error."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

# Dates of records and filters: from the earliest birth year a living patient can have to well
# past any booking horizon; far inside Python's and the databases' ranges (years 1–9999).
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)


DATE_RANGE_MESSAGE = f"Give a date between {EARLIEST_DATE:%Y-%m-%d} and {LATEST_DATE:%Y-%m-%d}."


def date_in_window(value: dt.date | dt.datetime) -> bool:
    """A date or time (its date) in the shared window; a time in year 9999 west of UTC would be
    in year 10000 in UTC, which nothing can store or read back."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def validate_sane_date(value: dt.date | dt.datetime | None) -> None:
    """A Django validator (forms and DRF accept it): the date lies in the shared window."""
    if value is not None and not date_in_window(value):
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")


def sane_date_or_none(text: str) -> dt.date | None:
    """A query-string date read leniently (a page filter): unreadable or out of the window is
    no filter at all."""
    try:
        value = dt.date.fromisoformat(text) if text else None
        validate_sane_date(value)
    except (ValueError, ValidationError):
        return None
    return value


# C0 controls and DEL, except tab, line feed and carriage return (an address has line breaks).
_CONTROL = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def has_control_characters(text: str) -> bool:
    """NUL, ESC and the other C0 controls and DEL; never part of typed text, a search or a filter
    (NUL is refused by the database drivers)."""
    return any(ch in _CONTROL for ch in text)


def validate_plain_text(value: str | None) -> None:
    """A Django validator: text a person typed holds no control characters (NUL, ESC, …)."""
    if value and has_control_characters(value):
        raise ValidationError(
            "Control characters (such as NUL or ESC) are not allowed; use plain text.",
            code="control_characters",
        )
