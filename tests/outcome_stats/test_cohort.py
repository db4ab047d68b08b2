"""Cohort summaries: rates on a worked example, and infusions-to-response Kaplan–Meier checked
against lifelines on random cohorts whose first-response times are worked out here row by row."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from numpy.testing import assert_allclose

from kitclinic.outcome_stats import (
    ScoreRecord,
    ScoreTable,
    cohort_summary,
    course_outcomes,
    wilson_interval,
)
from tests.outcome_stats.reference import median_from_lifelines


def test_cohort_rates_worked_example():
    """Four included PHQ-9 courses: A responds and remits (20 → 4), B responds (20 → 10), C does
    not (20 → 15), D has only a baseline. E has no baseline: excluded. Response 2/4, remission 1/4.
    KM: events at 1 (A) and 2 (B); C censored at 3, D at 0 → S(1) = 2/3, S(2) = 1/3."""
    rows = [
        ("A", 0, 20), ("A", 1, 4),
        ("B", 0, 20), ("B", 1, 14), ("B", 2, 10),
        ("C", 0, 20), ("C", 1, 18), ("C", 3, 15),
        ("D", 0, 20),
        ("E", 1, 3),
    ]  # fmt: skip
    table = ScoreTable.from_records(ScoreRecord(p, "", i, i, "phq9", s) for p, i, s in rows)
    summary = cohort_summary(course_outcomes(table))
    assert (summary.n_included, summary.n_excluded) == (4, 1)
    assert (summary.response.successes, summary.response.n) == (2, 4)
    assert summary.response.estimate == 0.5
    assert (summary.response.lower, summary.response.upper) == wilson_interval(2, 4)
    assert (summary.remission.successes, summary.remission.estimate) == (1, 0.25)
    km = summary.infusions_to_response
    assert_allclose(km.survival_at([1, 2, 3]), [2 / 3, 1 / 3, 1 / 3])
    assert summary.median_infusions_to_response == 2
    assert summary.relapse.n == 2 and summary.relapse.successes == 0


def test_summary_refuses_to_mix_instruments():
    table = ScoreTable.from_records(
        [ScoreRecord("p", "c", 0, 0, "phq9", 10), ScoreRecord("p", "c", 0, 0, "gad7", 10)]
    )
    with pytest.raises(ValueError, match="one instrument"):
        cohort_summary(course_outcomes(table))


def _random_ratings(rng: np.random.Generator) -> list[tuple[str, int, float]]:
    rows = []
    for p in range(int(rng.integers(1, 40))):
        baseline = int(rng.integers(1, 28))
        rows.append((f"p{p}", 0, float(baseline)))
        for i in range(1, int(rng.integers(0, 9)) + 1):
            if rng.random() < 0.8:  # some infusions are not rated
                rows.append((f"p{p}", i, float(rng.integers(0, baseline + 1))))
    return rows


def _first_response_by_hand(rows: list[tuple[str, int, float]]) -> tuple[list[int], list[bool]]:
    by_patient: dict[str, list[tuple[int, float]]] = {}
    for p, i, s in rows:
        by_patient.setdefault(p, []).append((i, s))
    durations, events = [], []
    for ratings in by_patient.values():
        ratings.sort()
        baseline = ratings[0][1]
        hits = [i for i, s in ratings if i >= 1 and 2 * s <= baseline]
        durations.append(hits[0] if hits else ratings[-1][0])
        events.append(bool(hits))
    return durations, events


@pytest.mark.parametrize("seed", range(25))
def test_infusions_to_response_curve_matches_lifelines(seed):
    rng = np.random.default_rng(1000 + seed)
    rows = _random_ratings(rng)
    table = ScoreTable.from_records(ScoreRecord(p, "", i, i, "phq9", s) for p, i, s in rows)
    summary = cohort_summary(course_outcomes(table))
    durations, events = _first_response_by_hand(rows)
    kmf = KaplanMeierFitter().fit(durations, event_observed=events)
    sf = kmf.survival_function_
    ours = summary.infusions_to_response.survival_at(sf.index.to_numpy())
    assert_allclose(ours, sf.iloc[:, 0].to_numpy(), atol=1e-12)
    expected = median_from_lifelines(kmf)
    assert summary.median_infusions_to_response == (None if expected is None else int(expected))
