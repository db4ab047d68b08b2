"""Where a date axis puts its ticks and what they read, pure (no Django): one policy for the
plotly.js figure of a page and the Matplotlib picture of a PDF.

Times are the clinic's wall-clock times, naive (:func:`kitclinic.lib.charts.local_time`). The
step is the smallest of :data:`STEPS` that puts at most ``max_ticks`` ticks on the axis: minutes
for a session, hours for a day, days or weeks for a course, months for a year or more. Ticks
fall on round values counted from one fixed origin (a Monday at midnight, or a January 1st for
month steps), the very ticks plotly.js draws from ``tick0`` and ``dtick``. Labels never show
seconds, and the label format of each step is chosen so that no two ticks of one axis read the
same (a date once ticks are a day or more apart; the date under the time below that).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

Unit = Literal["minute", "hour", "day", "month"]

# A Monday at midnight: week ticks fall on Mondays, hour and minute ticks on round clock times.
ORIGIN = dt.datetime(2000, 1, 3)
MONTH_ORIGIN = dt.datetime(2000, 1, 1)
MIN_SPAN = dt.timedelta(hours=1)  # an axis shows at least an hour around its points
PAD_SHARE = 0.04  # space left before the first and after the last point, as a share of the span
MAX_TICKS = 7
_MS = {"minute": 60_000, "hour": 3_600_000, "day": 86_400_000}
_LENGTH = {
    "minute": dt.timedelta(minutes=1),
    "hour": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
}
# Below a day: the time, and the date on a second line ("\n"; "<br>" for plotly.js).
TIME_AND_DATE = "%H:%M\n%d %b"
DAY = "%d %b"
MONTH = "%b %Y"
YEAR = "%Y"


@dataclass(frozen=True)
class Step:
    """A tick every ``count`` ``unit``s, labelled with ``label_format`` (strftime and d3)."""

    unit: Unit
    count: int
    label_format: str

    @property
    def plotly_dtick(self) -> int | str:
        """plotly.js's ``dtick``: milliseconds, or ``"M<n>"`` for months."""
        return f"M{self.count}" if self.unit == "month" else _MS[self.unit] * self.count


STEPS: tuple[Step, ...] = (
    *(Step("minute", n, TIME_AND_DATE) for n in (1, 2, 5, 10, 15, 30)),
    *(Step("hour", n, TIME_AND_DATE) for n in (1, 2, 3, 6, 12)),
    *(Step("day", n, DAY) for n in (1, 2, 3, 7, 14)),
    *(Step("month", n, MONTH) for n in (1, 2, 3, 6)),
    *(Step("month", n, YEAR) for n in (12, 24, 60, 120)),
)


@dataclass(frozen=True)
class TickPlan:
    """A date axis: its range, its step, and the ticks and labels in that range."""

    start: dt.datetime
    end: dt.datetime
    step: Step
    ticks: tuple[dt.datetime, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(t.strftime(self.step.label_format) for t in self.ticks)

    def plotly_axis(self) -> dict[str, Any]:
        """The plotly.js axis keys that draw these ticks (a zoom keeps the step)."""
        origin = MONTH_ORIGIN if self.step.unit == "month" else ORIGIN
        return {
            "type": "date",
            "range": [self.start.isoformat(), self.end.isoformat()],
            "tick0": origin.isoformat(),
            "dtick": self.step.plotly_dtick,
            "tickformat": self.step.label_format.replace("\n", "<br>"),
        }


def step_of(plotly_axis: dict[str, Any]) -> Step:
    """The :data:`STEPS` entry a :meth:`TickPlan.plotly_axis` dict was made with (the PDF draws
    the ticks the page's dict asks for)."""
    for step in STEPS:
        if step.plotly_dtick == plotly_axis.get("dtick") and step.label_format.replace(
            "\n", "<br>"
        ) == plotly_axis.get("tickformat"):
            return step
    raise ValueError(f"not a tick step of kitclinic.lib.time_ticks: {plotly_axis!r:.120}")


def _month_index(when: dt.datetime) -> int:
    return (when.year - MONTH_ORIGIN.year) * 12 + when.month - 1


def _from_month_index(index: int) -> dt.datetime:
    year, month = divmod(index, 12)
    return dt.datetime(MONTH_ORIGIN.year + year, month + 1, 1)


def ticks_between(start: dt.datetime, end: dt.datetime, step: Step) -> tuple[dt.datetime, ...]:
    """The ticks of ``step`` from ``start`` to ``end`` (both included), counted from the origin."""
    if step.unit == "month":
        first = -(-_month_index(start) // step.count) * step.count
        out = []
        index = first
        while (t := _from_month_index(index)) <= end:
            if t >= start:
                out.append(t)
            index += step.count
        return tuple(out)
    length = _LENGTH[step.unit] * step.count
    k = -(-(start - ORIGIN) // length)  # ceiling division of timedeltas
    out = []
    while (t := ORIGIN + k * length) <= end:
        out.append(t)
        k += 1
    return tuple(out)


def _tick_count(start: dt.datetime, end: dt.datetime, step: Step) -> int:
    """How many ticks ``step`` puts from ``start`` to ``end``, counted without listing them (a
    two-year axis has a million minute ticks)."""
    if step.unit == "month":
        first = -(-_month_index(start) // step.count)
        if _from_month_index(first * step.count) < start:
            first += 1
        last = _month_index(end) // step.count
        return max(0, last - first + 1)
    length = _LENGTH[step.unit] * step.count
    return max(0, (end - ORIGIN) // length - -(-(start - ORIGIN) // length) + 1)


def axis_range(
    first: dt.datetime, last: dt.datetime, *, min_span: dt.timedelta = MIN_SPAN
) -> tuple[dt.datetime, dt.datetime]:
    """The axis range around points from ``first`` to ``last``: at least ``min_span`` wide
    (centred on the points), with :data:`PAD_SHARE` of it left free at each end."""
    if last < first:
        first, last = last, first
    span = last - first
    if span < min_span:
        middle = first + span / 2
        first, last, span = middle - min_span / 2, middle + min_span / 2, min_span
    pad = span * PAD_SHARE
    return first - pad, last + pad


def tick_plan(
    first: dt.datetime,
    last: dt.datetime,
    *,
    max_ticks: int = MAX_TICKS,
    min_span: dt.timedelta = MIN_SPAN,
) -> TickPlan:
    """The axis for points from ``first`` to ``last`` (naive wall-clock times): its range
    (:func:`axis_range`) and the finest step of :data:`STEPS` with at most ``max_ticks`` ticks
    in it (the coarsest step when none fits)."""
    if first.tzinfo is not None or last.tzinfo is not None:
        raise ValueError("tick_plan takes naive wall-clock times (kitclinic.lib.charts.local_time)")
    if max_ticks < 2:
        raise ValueError(f"max_ticks must be 2 or more, not {max_ticks}")
    start, end = axis_range(first, last, min_span=min_span)
    # microseconds in a range only add digits to plotly.js's range: keep whole seconds
    start = start.replace(microsecond=0)
    end = end.replace(microsecond=0) + (
        dt.timedelta(seconds=1) if end.microsecond else dt.timedelta()
    )
    step = next((s for s in STEPS if _tick_count(start, end, s) <= max_ticks), STEPS[-1])
    return TickPlan(start, end, step, ticks_between(start, end, step))
