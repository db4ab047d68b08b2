"""Outcome statistics for ketamine infusion courses: a pure-Python core (NumPy, no Django).

Flow: ratings → :class:`ScoreTable` → :func:`course_outcomes` (one :class:`CourseOutcome` per
patient, course and instrument) → :func:`cohort_summary` (rates with Wilson intervals,
Kaplan–Meier infusions to response). Definitions and sources: ``docs/outcomes.md`` and the
docstrings of :mod:`kitclinic.outcome_stats.courses`.
"""

from kitclinic.outcome_stats.cohort import CohortSummary, cohort_summary
from kitclinic.outcome_stats.courses import (
    EXCLUDED_NO_BASELINE,
    EXCLUDED_ZERO_BASELINE,
    CourseOutcome,
    OutcomeCriteria,
    course_outcomes,
)
from kitclinic.outcome_stats.cutoffs import (
    DEFAULT_REMISSION_CUTOFFS,
    RemissionCutoff,
    resolve_instrument,
)
from kitclinic.outcome_stats.estimators import (
    KaplanMeier,
    Proportion,
    kaplan_meier,
    proportion,
    wilson_interval,
)
from kitclinic.outcome_stats.table import ScoreRecord, ScoreTable

__all__ = [
    "DEFAULT_REMISSION_CUTOFFS",
    "EXCLUDED_NO_BASELINE",
    "EXCLUDED_ZERO_BASELINE",
    "CohortSummary",
    "CourseOutcome",
    "KaplanMeier",
    "OutcomeCriteria",
    "Proportion",
    "RemissionCutoff",
    "ScoreRecord",
    "ScoreTable",
    "cohort_summary",
    "course_outcomes",
    "kaplan_meier",
    "proportion",
    "resolve_instrument",
    "wilson_interval",
]
