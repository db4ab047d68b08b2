"""The engine's input: one row per rating, held as NumPy columns.

A row is one total score on one instrument for one patient's treatment course. ``infusion_number``
is how many infusions of the course the patient had received when the rating was taken: 0 for
ratings before the first infusion (screening, day of infusion 1 before dosing), k for ratings
after infusion k and before infusion k+1, and the course's last number for follow-up ratings.
``time_point_days`` orders ratings that share an infusion number and measures time to relapse; any
origin will do (days since referral, since the course started ...) as long as a course uses one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kitclinic.outcome_stats.cutoffs import DEFAULT_REMISSION_CUTOFFS, RemissionCutoff


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    """One rating; see the module docstring for what ``infusion_number`` means."""

    patient_id: str
    course_id: str
    infusion_number: int
    time_point_days: float
    instrument: str
    score: float


@dataclass(frozen=True, eq=False)
class ScoreTable:
    """Columns of equal length, validated on construction (``ValueError`` naming the row).

    Build with :meth:`from_records` or :meth:`from_columns`; instrument keys must be in the
    cut-off table given (default :data:`DEFAULT_REMISSION_CUTOFFS`) and scores in its range.
    """

    patient_id: npt.NDArray[np.str_]
    course_id: npt.NDArray[np.str_]
    infusion_number: npt.NDArray[np.int64]
    time_point_days: npt.NDArray[np.float64]
    instrument: npt.NDArray[np.str_]
    score: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.score.size)

    @classmethod
    def from_columns(
        cls,
        *,
        patient_id: npt.ArrayLike,
        course_id: npt.ArrayLike,
        infusion_number: npt.ArrayLike,
        time_point_days: npt.ArrayLike,
        instrument: npt.ArrayLike,
        score: npt.ArrayLike,
        cutoffs: Mapping[str, RemissionCutoff] = DEFAULT_REMISSION_CUTOFFS,
    ) -> ScoreTable:
        infusions = np.asarray(infusion_number)
        if infusions.size and not np.issubdtype(infusions.dtype, np.integer):
            as_float = infusions.astype(np.float64)
            if not np.all(as_float == np.round(as_float)):
                bad = int(np.flatnonzero(as_float != np.round(as_float))[0])
                raise ValueError(f"row {bad}: infusion_number must be a whole number")
        table = cls(
            patient_id=np.asarray(patient_id).astype(str),
            course_id=np.asarray(course_id).astype(str),
            infusion_number=infusions.astype(np.int64),
            time_point_days=np.asarray(time_point_days, dtype=np.float64),
            instrument=np.asarray(instrument).astype(str),
            score=np.asarray(score, dtype=np.float64),
        )
        table.validate(cutoffs)
        return table

    @classmethod
    def from_records(
        cls,
        records: Iterable[ScoreRecord],
        cutoffs: Mapping[str, RemissionCutoff] = DEFAULT_REMISSION_CUTOFFS,
    ) -> ScoreTable:
        rows = list(records)
        return cls.from_columns(
            patient_id=[r.patient_id for r in rows],
            course_id=[r.course_id for r in rows],
            infusion_number=np.array([r.infusion_number for r in rows], dtype=np.int64),
            time_point_days=np.array([r.time_point_days for r in rows], dtype=np.float64),
            instrument=[r.instrument for r in rows],
            score=np.array([r.score for r in rows], dtype=np.float64),
            cutoffs=cutoffs,
        )

    def validate(self, cutoffs: Mapping[str, RemissionCutoff] = DEFAULT_REMISSION_CUTOFFS) -> None:
        """Raise ``ValueError`` naming the first bad row (0-based) and the allowed values."""
        n = self.score.size
        for name in ("patient_id", "course_id", "infusion_number", "time_point_days", "instrument"):
            column = getattr(self, name)
            if column.ndim != 1 or column.size != n:
                raise ValueError(f"column {name} has {column.size} rows, score has {n}")
        if n == 0:
            return
        _first_bad(self.infusion_number < 0, "infusion_number must be >= 0")
        _first_bad(~np.isfinite(self.time_point_days), "time_point_days must be a finite number")
        _first_bad(~np.isfinite(self.score), "score must be a finite number")
        known = np.isin(self.instrument, np.array(sorted(cutoffs), dtype=str))
        if not np.all(known):
            bad = int(np.flatnonzero(~known)[0])
            raise ValueError(
                f"row {bad}: unknown instrument {str(self.instrument[bad])!r}; "
                f"allowed: {', '.join(sorted(cutoffs))}"
            )
        for key, cutoff in cutoffs.items():
            rows = self.instrument == key
            out = rows & ((self.score < cutoff.score_min) | (self.score > cutoff.score_max))
            _first_bad(
                out, f"{cutoff.label} score must be {cutoff.score_min:g}-{cutoff.score_max:g}"
            )


def _first_bad(mask: npt.NDArray[np.bool_], message: str) -> None:
    if np.any(mask):
        raise ValueError(f"row {int(np.flatnonzero(mask)[0])}: {message}")
