"""The dates a form or an API request may give the infusion record: years 1900–2999.

Far inside what Python and the database hold in every time zone (a time in year 9999 west of
UTC is in year 10000 in UTC, which nothing can store or read back), and wide enough for any
real date. Input outside is refused on its field, before a service sees it; the services then
apply the rules (the booking horizon, no time in the future).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)
RANGE_MESSAGE = f"Give a date between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}."


def in_range(value: dt.date | dt.datetime) -> bool:
    day = value.date() if isinstance(value, dt.datetime) else value
    return EARLIEST <= day <= LATEST


def validate_in_range(value: dt.date | dt.datetime) -> None:
    """Django validator (forms): refuses a date or time outside :data:`EARLIEST`–:data:`LATEST`."""
    if not in_range(value):
        raise ValidationError(RANGE_MESSAGE, code="date_out_of_range")
