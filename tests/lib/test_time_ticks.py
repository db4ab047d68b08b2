"""The tick policy of every date axis (kitclinic.lib.time_ticks): sensible steps for the span,
labels that never repeat and never show seconds, the same ticks for plotly.js and the PDF."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.lib.time_ticks import MAX_TICKS, step_of, tick_plan, ticks_between

SPANS = st.timedeltas(min_value=dt.timedelta(hours=1), max_value=dt.timedelta(days=731))
FIRSTS = st.datetimes(min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2040, 12, 31))


@given(first=FIRSTS, span=SPANS)
def test_labels_are_unique_within_the_range_and_their_count_bounded(first, span):
    plan = tick_plan(first, first + span)
    assert plan.start <= first and plan.end >= first + span
    assert 2 <= len(plan.ticks) <= MAX_TICKS
    assert all(plan.start <= t <= plan.end for t in plan.ticks)
    assert list(plan.ticks) == sorted(plan.ticks)
    assert len(set(plan.labels)) == len(plan.labels)
    for label in plan.labels:
        assert not re.search(r"\d:\d\d:\d\d|\.\d", label), label  # no seconds, no fractions


@given(first=FIRSTS, span=SPANS)
def test_the_pdf_draws_the_ticks_plotly_draws_from_the_dict(first, span):
    plan = tick_plan(first, first + span)
    axis = plan.plotly_axis()
    start, end = (dt.datetime.fromisoformat(v) for v in axis["range"])
    assert ticks_between(start, end, step_of(axis)) == plan.ticks
    tick0 = dt.datetime.fromisoformat(axis["tick0"])
    if isinstance(axis["dtick"], int):  # plotly.js: tick0 + k * dtick
        for t in plan.ticks:
            assert (t - tick0) % dt.timedelta(milliseconds=axis["dtick"]) == dt.timedelta(0)
    else:  # "M<n>": every n months from tick0
        n = int(axis["dtick"][1:])
        for t in plan.ticks:
            months = (t.year - tick0.year) * 12 + t.month - tick0.month
            assert t.day == 1 and t.time() == dt.time(0) and months % n == 0


@pytest.mark.parametrize(
    ("first", "last", "labels"),
    [
        # two scores a second apart (the demo's check-in and self-report): an hour around them
        (
            dt.datetime(2026, 12, 6, 19, 41, 1, 399500),
            dt.datetime(2026, 12, 6, 19, 41, 2),
            tuple(
                f"{h}:{m}0\n06 Dec"
                for h, m in [(19, 1), (19, 2), (19, 3), (19, 4), (19, 5), (20, 0), (20, 1)]
            ),
        ),
        # a course of six infusions over two weeks: one tick every other day
        (
            dt.datetime(2026, 11, 23, 9),
            dt.datetime(2026, 12, 6, 15),
            ("24 Nov", "26 Nov", "28 Nov", "30 Nov", "02 Dec", "04 Dec", "06 Dec"),
        ),
        # six infusions over two and a half weeks: every third day
        (
            dt.datetime(2026, 9, 23, 8),
            dt.datetime(2026, 10, 10, 10),
            ("25 Sep", "28 Sep", "01 Oct", "04 Oct", "07 Oct", "10 Oct"),
        ),
        # three months of follow-up: Mondays, two weeks apart
        (
            dt.datetime(2026, 9, 1),
            dt.datetime(2026, 12, 1),
            ("07 Sep", "21 Sep", "05 Oct", "19 Oct", "02 Nov", "16 Nov", "30 Nov"),
        ),
        # two years: every six months
        (
            dt.datetime(2025, 1, 15),
            dt.datetime(2026, 12, 15),
            ("Jan 2025", "Jul 2025", "Jan 2026", "Jul 2026", "Jan 2027"),
        ),
    ],
)
def test_steps_suit_the_span(first, last, labels):
    assert tick_plan(first, last).labels == labels


def test_a_single_point_sits_in_the_middle_of_an_hour():
    when = dt.datetime(2026, 12, 6, 19, 41)
    plan = tick_plan(when, when)
    assert plan.end - plan.start >= dt.timedelta(hours=1)
    assert plan.start < when < plan.end


def test_aware_times_are_refused_they_must_be_the_clinics_wall_clock():
    with pytest.raises(ValueError, match="naive"):
        tick_plan(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 2, tzinfo=dt.UTC))


def test_a_dict_of_another_origin_is_refused():
    with pytest.raises(ValueError, match="tick step"):
        step_of({"dtick": 12345, "tickformat": "%d %b"})
