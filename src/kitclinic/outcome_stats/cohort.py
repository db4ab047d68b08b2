"""Cohort summaries over per-course outcomes: rates with Wilson intervals and Kaplan–Meier curves.

The unit is a course on one instrument (:class:`~kitclinic.outcome_stats.courses.CourseOutcome`);
excluded courses (no usable baseline) are counted but left out of every rate and curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kitclinic.outcome_stats.courses import CourseOutcome
from kitclinic.outcome_stats.estimators import KaplanMeier, Proportion, kaplan_meier, proportion


@dataclass(frozen=True, slots=True, eq=False)
class CohortSummary:
    """What a clinic reports for a set of courses.

    - ``response`` / ``remission``: courses responded / remitted at their endpoint, out of the
      included courses, with Wilson intervals at ``confidence``.
    - ``infusions_to_response``: Kaplan–Meier curve; event = first responding rating (its infusion
      number), courses that never respond are censored at their last infusion number. Survival is
      the probability of not yet having responded after that many infusions.
    - ``median_infusions_to_response``: smallest infusion number with survival <= 0.5, else None.
    - ``early_non_response``: flagged courses out of those with a rating at the review infusion.
    - ``relapse``: relapsed out of courses that responded; ``days_to_relapse`` its Kaplan–Meier
      curve (None when no course responded), responders without relapse censored at last rating.
    """

    n_included: int
    n_excluded: int
    response: Proportion
    remission: Proportion
    infusions_to_response: KaplanMeier
    median_infusions_to_response: int | None
    early_non_response: Proportion
    relapse: Proportion
    days_to_relapse: KaplanMeier | None


def cohort_summary(outcomes: Sequence[CourseOutcome], *, confidence: float = 0.95) -> CohortSummary:
    """Summarise ``outcomes`` (all on one instrument, as a rate across scales means little)."""
    instruments = {o.instrument for o in outcomes}
    if len(instruments) > 1:
        raise ValueError(f"one instrument per summary, got {', '.join(sorted(instruments))}")
    kept = [o for o in outcomes if o.included]
    n = len(kept)

    durations = np.array(
        [
            o.first_response_infusion if o.first_response_infusion is not None else o.last_infusion
            for o in kept
        ],
        dtype=np.float64,
    )
    events = np.array([o.first_response_infusion is not None for o in kept], dtype=bool)
    km = kaplan_meier(durations, events)
    median = km.median()

    reviewed = [o for o in kept if o.early_non_response is not None]
    responders = [o for o in kept if o.relapsed is not None]
    relapse_km = None
    if responders:
        relapse_km = kaplan_meier(
            np.array(
                [
                    o.days_to_relapse if o.relapsed else o.days_followed_after_response
                    for o in responders
                ],
                dtype=np.float64,
            ),
            [bool(o.relapsed) for o in responders],
        )
    return CohortSummary(
        n_included=n,
        n_excluded=len(outcomes) - n,
        response=proportion(sum(o.responded for o in kept), n, confidence=confidence),
        remission=proportion(sum(o.remitted for o in kept), n, confidence=confidence),
        infusions_to_response=km,
        median_infusions_to_response=None if median is None else int(median),
        early_non_response=proportion(
            sum(bool(o.early_non_response) for o in reviewed), len(reviewed), confidence=confidence
        ),
        relapse=proportion(
            sum(bool(o.relapsed) for o in responders), len(responders), confidence=confidence
        ),
        days_to_relapse=relapse_km,
    )
