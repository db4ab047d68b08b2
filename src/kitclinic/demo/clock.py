"""The seed's clock: ``django.utils.timezone.now`` replaced by a settable time.

The services stamp ``timezone.now()``. The demo's history and its past sessions must carry
historical times, so the seed runs them under :class:`DemoClock`, which replaces
``django.utils.timezone.now`` for the duration of a ``with`` block and is moved forward step by
step. It is for the seed only (single-threaded, inside the seed's transaction); nothing else uses
it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone


class DemoClock:
    """``django.utils.timezone.now`` replaced by a settable time (seed only; see the module doc)."""

    def __init__(self, start: dt.datetime) -> None:
        self.at = start

    def set(self, when: dt.datetime) -> dt.datetime:
        self.at = when
        return when

    def now(self) -> dt.datetime:
        return self.at


@contextmanager
def demo_clock(start: dt.datetime) -> Iterator[DemoClock]:
    clock = DemoClock(start)
    real = timezone.now
    timezone.now = clock.now
    try:
        yield clock
    finally:
        timezone.now = real
