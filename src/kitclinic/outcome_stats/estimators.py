"""Cohort estimators: Wilson score interval for a proportion and the Kaplan–Meier estimator.

Both are written out here (NumPy and the standard library only) so that the engine stays small and
free of Django and of heavy statistics packages; the tests check them against published values,
an independent closed form and ``lifelines``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

_SURVIVAL_TOL = 1e-12


@dataclass(frozen=True, slots=True)
class Proportion:
    """``successes`` out of ``n`` with its Wilson score interval.

    ``estimate``, ``lower`` and ``upper`` are fractions in [0, 1]; all three are ``None`` when
    ``n == 0`` (a rate of nothing is not zero).
    """

    successes: int
    n: int
    estimate: float | None
    lower: float | None
    upper: float | None
    confidence: float


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (without continuity correction) for a binomial proportion.

    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = successes/n`` and ``z`` the
    two-sided standard-normal quantile for ``confidence``. Unlike the Wald interval it stays inside
    [0, 1] and has close to nominal coverage for the small cohorts a clinic has.

    References: Wilson EB, J Am Stat Assoc 1927;22:209–212. Newcombe RG, "Two-sided confidence
    intervals for the single proportion: comparison of seven methods", Stat Med 1998;17:857–872
    (method 3).
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    # At 0 or n successes the bound is exactly 0 or 1; rounding error must not push it past.
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == n else min(1.0, centre + half)
    return lower, upper


def proportion(successes: int, n: int, *, confidence: float = 0.95) -> Proportion:
    """A :class:`Proportion` with its Wilson interval (``None`` fields when ``n == 0``)."""
    if n == 0:
        return Proportion(successes, 0, None, None, None, confidence)
    lower, upper = wilson_interval(successes, n, confidence=confidence)
    return Proportion(successes, n, successes / n, lower, upper, confidence)


@dataclass(frozen=True, slots=True, eq=False)
class KaplanMeier:
    """Kaplan–Meier estimate of the survival function S(t) = P(T > t).

    ``times`` are the distinct observed times (events or censorings) in increasing order; at each,
    ``at_risk`` subjects were still under observation just before it, ``events`` had the event and
    ``censored`` left the risk set. ``survival[i]`` is S just after ``times[i]``. Censorings tied
    with events are taken to happen after them (the usual convention, and lifelines').
    """

    times: npt.NDArray[np.float64]
    at_risk: npt.NDArray[np.int64]
    events: npt.NDArray[np.int64]
    censored: npt.NDArray[np.int64]
    survival: npt.NDArray[np.float64]

    @property
    def n(self) -> int:
        return int(self.at_risk[0]) if self.at_risk.size else 0

    def survival_at(self, t: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """S(t) for each ``t`` (right-continuous step function; 1 before the first time)."""
        t_arr = np.asarray(t, dtype=np.float64)
        idx = np.searchsorted(self.times, t_arr, side="right") - 1
        padded = np.concatenate(([1.0], self.survival))
        return np.asarray(padded[idx + 1], dtype=np.float64)

    def median(self) -> float | None:
        """Smallest observed time with S(t) <= 0.5, or ``None`` if S never gets there.

        Same definition as ``lifelines`` (which returns ``inf`` instead of ``None``), except that a
        survival exactly at 0.5 counts even when floating-point error puts it a hair above.
        """
        return self.quantile_time(0.5)

    def quantile_time(self, q: float) -> float | None:
        """Smallest observed time with S(t) <= q, or ``None``."""
        # A product of fractions that is exactly q (15/22 · 11/15 = 1/2) can land one ulp above it
        # in floating point; without the tolerance the median would move to the next infusion.
        hit = np.flatnonzero(self.survival <= q + _SURVIVAL_TOL)
        return float(self.times[hit[0]]) if hit.size else None


def kaplan_meier(durations: npt.ArrayLike, observed: npt.ArrayLike) -> KaplanMeier:
    """Kaplan–Meier product-limit estimator.

    ``durations``: time of event or censoring per subject (any unit, >= 0); ``observed``: True
    where the event happened, False where the subject was censored. Returns a :class:`KaplanMeier`.

    Reference: Kaplan EL, Meier P, J Am Stat Assoc 1958;53:457–481.
    """
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(observed, dtype=bool)
    if d.ndim != 1 or d.shape != e.shape:
        raise ValueError("durations and observed must be 1-D arrays of the same length")
    if d.size and (not np.all(np.isfinite(d)) or np.any(d < 0)):
        raise ValueError("durations must be finite and non-negative")
    times, inverse = np.unique(d, return_inverse=True)
    n_events = np.bincount(inverse, weights=e, minlength=times.size).astype(np.int64)
    n_total = np.bincount(inverse, minlength=times.size).astype(np.int64)
    # Everyone whose time is >= t is at risk at t: a reverse cumulative count.
    at_risk = np.cumsum(n_total[::-1])[::-1].astype(np.int64)
    survival = np.cumprod(1.0 - n_events / at_risk) if times.size else np.empty(0)
    return KaplanMeier(
        times=times,
        at_risk=at_risk,
        events=n_events,
        censored=(n_total - n_events).astype(np.int64),
        survival=np.asarray(survival, dtype=np.float64),
    )
