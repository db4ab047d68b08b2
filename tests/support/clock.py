"""A clock that reads the afternoon whatever the hour the suite runs at.

A test that back-dates what it walks through (a session signed after its two hours of
observation, a session started 71 minutes ago) and then asks for "today" (a fee schedule in force
from today, a report of today, an enrolment recorded today) sees two calendar days when it runs
just after midnight. Inside ``afternoon()`` ``django.utils.timezone.now`` reads today 13:00 in the
server's zone (the test clinics' zone) when the block starts and runs on from there in real time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone


@contextmanager
def afternoon() -> Iterator[dt.datetime]:
    real_now = timezone.now
    started = real_now()
    base = dt.datetime.combine(
        timezone.localdate(started), dt.time(13, 0), tzinfo=timezone.get_current_timezone()
    )
    timezone.now = lambda: base + (real_now() - started)  # type: ignore[assignment]
    try:
        yield base
    finally:
        timezone.now = real_now  # type: ignore[assignment]
