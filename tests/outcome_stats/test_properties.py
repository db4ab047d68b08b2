"""Hypothesis properties: rates lie in their Wilson interval, intervals in [0, 1], Kaplan–Meier
curves non-increasing between 0 and 1."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.outcome_stats import (
    ScoreRecord,
    ScoreTable,
    cohort_summary,
    course_outcomes,
    kaplan_meier,
    wilson_interval,
)


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(1, 100_000))
    return draw(st.integers(0, n)), n


@given(counts(), st.floats(0.5, 0.999))
def test_wilson_interval_contains_the_rate_and_stays_in_unit_interval(xn, confidence):
    x, n = xn
    lo, hi = wilson_interval(x, n, confidence=confidence)
    assert 0.0 <= lo <= x / n <= hi <= 1.0


@given(counts())
def test_wilson_interval_widens_with_confidence(xn):
    x, n = xn
    lo90, hi90 = wilson_interval(x, n, confidence=0.90)
    lo99, hi99 = wilson_interval(x, n, confidence=0.99)
    assert lo99 <= lo90 and hi90 <= hi99


@given(st.lists(st.tuples(st.integers(0, 20), st.booleans()), min_size=1, max_size=80))
def test_kaplan_meier_is_non_increasing_and_between_0_and_1(subjects):
    durations, observed = zip(*subjects, strict=True)
    km = kaplan_meier(durations, observed)
    assert np.all(np.diff(km.survival) <= 0)
    assert np.all((km.survival >= 0) & (km.survival <= 1))
    assert km.n == len(subjects)
    assert km.events.sum() == sum(observed)


trajectory = st.tuples(
    st.integers(1, 27),  # baseline PHQ-9
    st.lists(st.integers(0, 27), max_size=10),  # ratings after infusions 1, 2, ...
)


@given(st.lists(trajectory, min_size=1, max_size=30))
def test_cohort_rates_lie_within_their_intervals(patients):
    records = []
    for p, (baseline, after) in enumerate(patients):
        records.append(ScoreRecord(str(p), "", 0, 0, "phq9", baseline))
        records += [ScoreRecord(str(p), "", i, i, "phq9", s) for i, s in enumerate(after, 1)]
    summary = cohort_summary(course_outcomes(ScoreTable.from_records(records)))
    assert summary.n_included == len(patients)
    for rate in (summary.response, summary.remission):
        assert rate.lower is not None and rate.upper is not None and rate.estimate is not None
        assert 0.0 <= rate.lower <= rate.estimate <= rate.upper <= 1.0
    survival = summary.infusions_to_response.survival
    assert np.all(np.diff(survival) <= 0)
    # Everyone who responds at their endpoint responded at some infusion, so KM must have dropped.
    if summary.response.successes:
        assert survival[-1] < 1.0
