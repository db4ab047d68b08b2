"""The outcomes data's column tables (NumPy arrays, one row per course, rating or course
outcome) and the constants that shape them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kitclinic.infusions.states import SessionState
from kitclinic.outcome_stats import OutcomeCriteria

# Assessment.instrument -> engine key (the engine knows these four; see outcome_stats.cutoffs).
ENGINE_INSTRUMENTS: dict[str, str] = {
    "phq9": "phq9",
    "qids-sr16": "qids_sr16",
    "madrs": "madrs",
    "gad7": "gad7",
}
ENGINE_KEYS: tuple[str, ...] = tuple(ENGINE_INSTRUMENTS.values())
CODE_OF_ASSESSMENT = {name: i for i, name in enumerate(ENGINE_INSTRUMENTS)}

# Sessions that never started an infusion (kept in step with the session state machine).
GIVEN_STATES_EXCLUDED: tuple[str, ...] = tuple(
    s.value
    for s in (
        SessionState.CANCELLED,
        SessionState.NO_SHOW,
        SessionState.SCHEDULED,
        SessionState.CHECKED_IN,
        SessionState.ORDERED,
        SessionState.VERIFIED,
    )
)

# Analysis windows for "rapid onset": hours after the start of infusion 1. A rating counts at
# 4 h when taken 3–5 h after the start and at 24 h when taken 20–28 h after; these are how the
# dashboard bins ratings in time, not clinical thresholds.
ONSET_WINDOWS_H: dict[str, tuple[float, float]] = {"4 h": (3.0, 5.0), "24 h": (20.0, 28.0)}

SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True, eq=False)
class CourseTable:
    """One row per course (sorted by patient, then planned time)."""

    course_id: npt.NDArray[np.int64]
    patient_id: npt.NDArray[np.int64]
    clinic_id: npt.NDArray[np.int64]
    clinician_id: npt.NDArray[np.int64]
    planned_day: npt.NDArray[np.float64]
    indication: npt.NDArray[np.str_]
    protocol: npt.NDArray[np.str_]
    status: npt.NDArray[np.str_]


@dataclass(frozen=True, eq=False)
class ScoreRows:
    """The engine's rows with the course index (into :class:`CourseTable`) of each."""

    course_index: npt.NDArray[np.int64]
    infusion_number: npt.NDArray[np.int64]
    time_point_days: npt.NDArray[np.float64]
    instrument: npt.NDArray[np.str_]
    score: npt.NDArray[np.float64]
    hours_after_first_infusion: npt.NDArray[np.float64]  # NaN before infusion 1


@dataclass(frozen=True, eq=False)
class OutcomeTable:
    """Columns of the engine's ``CourseOutcome`` per (course, instrument), plus the course."""

    course_index: npt.NDArray[np.int64]
    instrument: npt.NDArray[np.str_]
    included: npt.NDArray[np.bool_]
    responded: npt.NDArray[np.bool_]
    remitted: npt.NDArray[np.bool_]
    baseline: npt.NDArray[np.float64]
    endpoint_improvement: npt.NDArray[np.float64]
    last_infusion: npt.NDArray[np.int64]
    first_response_infusion: npt.NDArray[np.int64]  # -1: never responded
    early_reviewed: npt.NDArray[np.bool_]
    early_non_response: npt.NDArray[np.bool_]
    relapsed: npt.NDArray[np.bool_]
    responder: npt.NDArray[np.bool_]
    days_to_relapse_or_followed: npt.NDArray[np.float64]
    # % improvement from baseline at the first rating in each ONSET_WINDOWS_H window (columns in
    # its order); NaN when the course is excluded or has no rating there
    onset_change_pct: npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CourseEffects:
    """Side-effect figures of the given infusions, summed per course (index of CourseTable)."""

    sessions: npt.NDArray[np.int64]  # complete infusions
    adverse_events: npt.NDArray[np.int64]  # in every infusion given, complete or not
    bp_n: npt.NDArray[np.int64]  # sessions with a pre and an in-infusion SBP
    bp_sum: npt.NDArray[np.float64]  # of (highest SBP during − SBP before), mmHg
    bp_max: npt.NDArray[np.float64]  # NaN without one
    cadss_n: npt.NDArray[np.int64]
    cadss_sum: npt.NDArray[np.float64]  # of each session's highest CADSS
    cadss_max: npt.NDArray[np.float64]
    # stopped below KITCLINIC_COMPLETE_INFUSION_MIN_SHARE of the ordered volume
    incomplete: npt.NDArray[np.int64] | None = None

    def incomplete_or_zero(self) -> npt.NDArray[np.int64]:
        if self.incomplete is None:
            return np.zeros_like(self.sessions)
        return self.incomplete


@dataclass(frozen=True, eq=False)
class OutcomeDataset:
    courses: CourseTable
    outcomes: OutcomeTable
    effects: CourseEffects
    first_infusion_day: npt.NDArray[np.float64]  # per course; NaN before any infusion
    criteria: OutcomeCriteria
    seconds: float  # time to build or read
    rows: ScoreRows | None = None  # the rated rows (only when built from the records)

    def rated_rows(self) -> ScoreRows:
        """The rated rows of a dataset built from the records (a summary read has none)."""
        if self.rows is None:
            raise ValueError("a dataset read from the summaries carries no rated rows")
        return self.rows
