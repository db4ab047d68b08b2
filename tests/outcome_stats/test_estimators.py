"""Wilson interval and Kaplan–Meier estimator against published values, an independent closed
form, and lifelines."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from numpy.testing import assert_allclose
from scipy.stats import norm

from kitclinic.outcome_stats import kaplan_meier, proportion, wilson_interval
from tests.outcome_stats.reference import median_from_lifelines


@pytest.mark.parametrize(
    ("successes", "n", "lower", "upper"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998_worked_examples(successes, n, lower, upper):
    """Newcombe RG, Stat Med 1998;17:857–872, illustrative 95% intervals, method 3 (score
    interval without continuity correction), given to 4 decimals."""
    lo, hi = wilson_interval(successes, n)
    assert round(lo, 4) == lower
    assert round(hi, 4) == upper


def _wilson_by_quadratic(x: int, n: int, confidence: float) -> tuple[float, float]:
    """Independent route: the Wilson limits are the roots in p of (p̂ - p)² = z² p(1-p)/n."""
    z = norm.ppf(0.5 + confidence / 2)
    p_hat = x / n
    a = 1 + z * z / n
    b = -(2 * p_hat + z * z / n)
    c = p_hat * p_hat
    roots = np.sort(np.roots([a, b, c]).real)
    return float(roots[0]), float(roots[1])


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize(("x", "n"), [(1, 1), (3, 7), (12, 12), (50, 100), (7, 1000), (0, 3)])
def test_wilson_equals_roots_of_score_test_quadratic(x, n, confidence):
    assert_allclose(
        wilson_interval(x, n, confidence=confidence),
        _wilson_by_quadratic(x, n, confidence),
        atol=1e-12,
    )


def test_wilson_bounds_are_exactly_0_and_1_at_the_extremes():
    assert wilson_interval(0, 5)[0] == 0.0
    assert wilson_interval(5, 5)[1] == 1.0


def test_wilson_rejects_impossible_counts():
    for x, n in [(1, 0), (-1, 5), (6, 5)]:
        with pytest.raises(ValueError):
            wilson_interval(x, n)
    with pytest.raises(ValueError):
        wilson_interval(1, 2, confidence=1.0)


def test_proportion_of_nothing_has_no_estimate():
    p = proportion(0, 0)
    assert (p.estimate, p.lower, p.upper) == (None, None, None)


def test_kaplan_meier_hand_worked_example():
    """Six subjects: events at 1, 2, 2; censored at 2, 3, 4. At t=1: 1 of 6 → 5/6. At t=2: 2 of
    5 at risk (the tied censoring stays at risk) → 5/6·3/5 = 1/2. t=3, 4: censorings only."""
    km = kaplan_meier([1, 2, 2, 2, 3, 4], [True, True, True, False, False, False])
    assert_allclose(km.times, [1, 2, 3, 4])
    assert km.at_risk.tolist() == [6, 5, 2, 1]
    assert km.events.tolist() == [1, 2, 0, 0]
    assert km.censored.tolist() == [0, 1, 1, 1]
    assert_allclose(km.survival, [5 / 6, 0.5, 0.5, 0.5])
    assert km.median() == 2.0
    assert_allclose(km.survival_at([0, 1, 1.5, 2, 10]), [1, 5 / 6, 5 / 6, 0.5, 0.5])


def test_kaplan_meier_median_counts_survival_of_exactly_one_half_despite_rounding():
    """22 subjects: 7 events at 1, 4 at 2, 11 censored at 3. S(2) = 15/22 · 11/15 = 1/2 exactly,
    which a plain floating-point product puts at 0.5000000000000001."""
    durations = [1] * 7 + [2] * 4 + [3] * 11
    km = kaplan_meier(durations, [True] * 11 + [False] * 11)
    assert (1 - 7 / 22) * (1 - 4 / 15) > 0.5  # the rounding this test is about
    assert km.median() == 2.0


def test_kaplan_meier_median_is_none_when_survival_stays_above_half():
    km = kaplan_meier([1, 2, 3, 3], [True, False, False, False])
    assert km.median() is None


def _random_cohort(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = int(rng.integers(1, 60))
    # Small integer times force many ties between events and censorings, as infusion counts do.
    durations = rng.integers(0, 12, size=n).astype(float)
    observed = rng.random(n) < rng.uniform(0.0, 1.0)
    return durations, observed


@pytest.mark.parametrize("seed", range(40))
def test_kaplan_meier_matches_lifelines(seed):
    rng = np.random.default_rng(seed)
    durations, observed = _random_cohort(rng)
    km = kaplan_meier(durations, observed)
    kmf = KaplanMeierFitter().fit(durations, event_observed=observed)
    sf = kmf.survival_function_
    assert_allclose(km.survival_at(sf.index.to_numpy()), sf.iloc[:, 0].to_numpy(), atol=1e-12)
    assert km.median() == median_from_lifelines(kmf)
    table = kmf.event_table
    assert km.at_risk.tolist() == table.loc[km.times, "at_risk"].astype(int).tolist()
    assert km.events.tolist() == table.loc[km.times, "observed"].astype(int).tolist()


def test_kaplan_meier_rejects_bad_input():
    with pytest.raises(ValueError):
        kaplan_meier([1, -1], [True, True])
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [True])
