"""Per-course outcomes: baseline, response, remission, early non-response and relapse.

Definitions (all per patient, course and instrument; "improvement" is
``(baseline - score) / baseline``):

- **Baseline**: the last rating before the first infusion (infusion number 0), ordered by infusion
  number then time. A course without one, or with a baseline of 0 (no room to improve), is
  *excluded* and says why in :attr:`CourseOutcome.exclusion`.
- **Response**: a rating after infusion 1 or later with improvement >= ``response_min_improvement``
  (default 0.5: score <= 50% of baseline; exactly 50% counts). Sources: [phq9-remission],
  [trivedi-2006], [montgomery-asberg-1979] (>=50% drop on every depression scale);
  [kitclinic-workflow] (against the pre-course baseline).
- **Remission**: a rating after infusion 1 or later below the instrument's cut-off
  (:mod:`kitclinic.outcome_stats.cutoffs`: PHQ-9 < 5, QIDS-SR16 <= 5, MADRS <= 10, GAD-7 < 5).
- **Endpoint**: the last rating after infusion 1 or later. ``responded``/``remitted`` are judged
  there. A course with no rating after any infusion is included as neither responded nor remitted
  (counted against the rate, not dropped, so rates are not flattered by missing ratings).
- **Infusions to first response**: infusion number of the first responding rating.
- **Early non-response**: at the review infusion (default 4), the latest rating taken after that
  infusion shows improvement < ``early_min_improvement`` (default 0.20). Source: "no improvement
  (>=20% MADRS drop) after 4 infusions ... predicted overall non-response (sensitivity >90%;
  135 patients)", Transl Psychiatry 2024, doi 10.1038/s41398-024-03027-2
  ([transl-psychiatry-2024]). The paper's second rule (3 consecutive
  non-improvements after 3 infusions) is not implemented. ``None`` when the course has no rating
  at the review infusion (not reached, or not rated), so a missing rating is never read as a signal.
- **Relapse**: loss of response. After the first response, the first later rating whose
  improvement is < ``relapse_min_improvement`` (default 0.5, i.e. the response criterion no
  longer met). The references report relapse as time to loss of response after a course (Phillips
  2019 introduction: 18–19 days on average; McInnes 2022: share "still responding" at 4 and 8 weeks;
  Feder 2021: median time to loss of response) but give no single threshold, so it is a setting.
  A single worse rating counts, including one during induction. Time to relapse is in the units of
  ``time_point_days``, from the first responding rating to the relapse rating; responders who have
  not relapsed are censored at their last rating (``days_followed_after_response``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kitclinic.outcome_stats.cutoffs import DEFAULT_REMISSION_CUTOFFS, RemissionCutoff
from kitclinic.outcome_stats.table import ScoreTable

# Scores are small whole numbers; this only absorbs float error in fraction × baseline so that a
# score exactly on a threshold (e.g. exactly 50% of baseline) is on the side the definition says.
_EPS = 1e-9

EXCLUDED_NO_BASELINE = "no rating before the first infusion"
EXCLUDED_ZERO_BASELINE = "baseline score is 0"


@dataclass(frozen=True, slots=True)
class OutcomeCriteria:
    """Thresholds for the per-course definitions; defaults and sources in the module docstring."""

    response_min_improvement: float = 0.5
    early_review_infusion: int = 4
    early_min_improvement: float = 0.20
    relapse_min_improvement: float = 0.5
    cutoffs: Mapping[str, RemissionCutoff] = field(
        default_factory=lambda: DEFAULT_REMISSION_CUTOFFS
    )

    def __post_init__(self) -> None:
        for name in (
            "response_min_improvement",
            "early_min_improvement",
            "relapse_min_improvement",
        ):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be a fraction in (0, 1], got {value}")
        if self.early_review_infusion < 1:
            raise ValueError(
                f"early_review_infusion must be >= 1, got {self.early_review_infusion}"
            )


@dataclass(frozen=True, slots=True)
class CourseOutcome:
    """Outcome of one course on one instrument. Scores in instrument points, improvements as
    fractions of baseline (negative = worse), days in the unit of ``time_point_days``."""

    patient_id: str
    course_id: str
    instrument: str
    n_ratings: int
    last_infusion: int
    baseline: float | None
    exclusion: str | None
    endpoint_infusion: int | None
    endpoint_score: float | None
    endpoint_improvement: float | None
    responded: bool
    remitted: bool
    first_response_infusion: int | None
    first_response_day: float | None
    first_remission_infusion: int | None
    review_improvement: float | None
    early_non_response: bool | None
    relapsed: bool | None
    relapse_infusion: int | None
    days_to_relapse: float | None
    days_followed_after_response: float | None

    @property
    def included(self) -> bool:
        return self.exclusion is None


def course_outcomes(
    table: ScoreTable, criteria: OutcomeCriteria | None = None
) -> tuple[CourseOutcome, ...]:
    """Outcomes for every (patient, course, instrument) in ``table``, sorted by those keys.

    Raises ``ValueError`` when a course has two ratings at the same infusion number and time, or
    when time goes backwards as infusion numbers go up.
    """
    crit = criteria if criteria is not None else OutcomeCriteria()
    table.validate(crit.cutoffs)
    n = len(table)
    if n == 0:
        return ()

    group, keys = _group_codes(table)
    order = np.lexsort((table.time_point_days, table.infusion_number, group))
    g = group[order]
    inf = table.infusion_number[order]
    t = table.time_point_days[order]
    s = table.score[order]
    instrument = table.instrument[order]
    _check_order(g, inf, t, keys)

    pos = np.arange(n)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], n]
    n_groups = starts.size

    n_pre = np.bincount(g[inf == 0], minlength=n_groups)
    has_baseline = n_pre > 0
    baseline = np.where(has_baseline, s[np.maximum(starts + n_pre - 1, starts)], np.nan)
    included = has_baseline & (baseline > 0)
    b = baseline[g]  # per row
    post = (inf >= 1) & included[g]

    def at_most(fraction_left: float) -> npt.NDArray[np.bool_]:
        # score <= fraction_left * baseline, i.e. improvement >= 1 - fraction_left
        return np.asarray(s <= fraction_left * b + _EPS, dtype=bool)

    remission_row = post & _in_remission(s, instrument, crit.cutoffs)
    response_row = post & at_most(1.0 - crit.response_min_improvement)

    last_post = _last(post, pos, starts)
    first_resp = _first(response_row, pos, starts, n)
    first_rem = _first(remission_row, pos, starts, n)
    review = _last(included[g] & (inf == crit.early_review_infusion), pos, starts)
    after_resp = pos > np.where(first_resp >= 0, first_resp, n)[g]
    relapse_row = post & after_resp & ~at_most(1.0 - crit.relapse_min_improvement)
    first_rel = _first(relapse_row, pos, starts, n)

    improvement = np.where(included[g], (b - s) / np.where(included[g], b, 1.0), np.nan)
    early = review >= 0
    early_nr = early & (s[review] > (1.0 - crit.early_min_improvement) * baseline + _EPS)
    responded = (last_post >= 0) & response_row[np.maximum(last_post, 0)]
    remitted = (last_post >= 0) & remission_row[np.maximum(last_post, 0)]
    last_infusion = np.maximum.reduceat(inf, starts)

    out: list[CourseOutcome] = []
    for k in range(n_groups):
        lp, fr, rv, rl = int(last_post[k]), int(first_resp[k]), int(review[k]), int(first_rel[k])
        resp_ever = fr >= 0
        exclusion = None
        if not has_baseline[k]:
            exclusion = EXCLUDED_NO_BASELINE
        elif not included[k]:
            exclusion = EXCLUDED_ZERO_BASELINE
        out.append(
            CourseOutcome(
                patient_id=str(keys[k][0]),
                course_id=str(keys[k][1]),
                instrument=str(keys[k][2]),
                n_ratings=int(ends[k] - starts[k]),
                last_infusion=int(last_infusion[k]),
                baseline=float(baseline[k]) if has_baseline[k] else None,
                exclusion=exclusion,
                endpoint_infusion=int(inf[lp]) if lp >= 0 else None,
                endpoint_score=float(s[lp]) if lp >= 0 else None,
                endpoint_improvement=float(improvement[lp]) if lp >= 0 else None,
                responded=bool(responded[k]),
                remitted=bool(remitted[k]),
                first_response_infusion=int(inf[fr]) if resp_ever else None,
                first_response_day=float(t[fr]) if resp_ever else None,
                first_remission_infusion=int(inf[first_rem[k]]) if first_rem[k] >= 0 else None,
                review_improvement=float(improvement[rv]) if early[k] else None,
                early_non_response=bool(early_nr[k]) if early[k] else None,
                relapsed=(rl >= 0) if resp_ever else None,
                relapse_infusion=int(inf[rl]) if rl >= 0 else None,
                days_to_relapse=float(t[rl] - t[fr]) if rl >= 0 else None,
                days_followed_after_response=(
                    float(t[ends[k] - 1] - t[fr]) if resp_ever and rl < 0 else None
                ),
            )
        )
    return tuple(out)


def _group_codes(
    table: ScoreTable,
) -> tuple[npt.NDArray[np.int64], list[tuple[str, str, str]]]:
    """Integer code per row for (patient, course, instrument), codes in sorted key order."""
    columns = (table.patient_id, table.course_id, table.instrument)
    uniques, codes = zip(*(np.unique(c, return_inverse=True) for c in columns), strict=True)
    combined = np.zeros(len(table), dtype=np.int64)
    for u, c in zip(uniques, codes, strict=True):
        # Re-code after each column so the mixed key stays below rows² and cannot overflow.
        combined = np.unique(combined * len(u) + c.astype(np.int64), return_inverse=True)[1]
    _, first_row, group = np.unique(combined, return_index=True, return_inverse=True)
    keys = [
        (str(table.patient_id[i]), str(table.course_id[i]), str(table.instrument[i]))
        for i in first_row
    ]
    return group.astype(np.int64), keys


def _check_order(
    g: npt.NDArray[np.int64],
    inf: npt.NDArray[np.int64],
    t: npt.NDArray[np.float64],
    keys: list[tuple[str, str, str]],
) -> None:
    same = g[1:] == g[:-1]
    dup = same & (inf[1:] == inf[:-1]) & (t[1:] == t[:-1])
    if np.any(dup):
        i = int(np.flatnonzero(dup)[0])
        raise ValueError(
            f"patient {keys[g[i]][0]!r} course {keys[g[i]][1]!r} {keys[g[i]][2]}: two ratings at "
            f"infusion {int(inf[i])}, day {float(t[i]):g}"
        )
    back = same & (t[1:] < t[:-1])
    if np.any(back):
        i = int(np.flatnonzero(back)[0])
        raise ValueError(
            f"patient {keys[g[i]][0]!r} course {keys[g[i]][1]!r} {keys[g[i]][2]}: the rating after "
            f"infusion {int(inf[i + 1])} is dated before the one after infusion {int(inf[i])}"
        )


def _in_remission(
    s: npt.NDArray[np.float64],
    instrument: npt.NDArray[np.str_],
    cutoffs: Mapping[str, RemissionCutoff],
) -> npt.NDArray[np.bool_]:
    result = np.zeros(s.shape, dtype=bool)
    for key, c in cutoffs.items():
        rows = instrument == key
        below = s <= c.threshold if c.inclusive else s < c.threshold
        result |= rows & below
    return result


def _first(
    mask: npt.NDArray[np.bool_], pos: npt.NDArray[np.int64], starts: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.int64]:
    """Row position of the first True per group, -1 where none."""
    first = np.minimum.reduceat(np.where(mask, pos, n), starts)
    return np.where(first < n, first, -1).astype(np.int64)


def _last(
    mask: npt.NDArray[np.bool_], pos: npt.NDArray[np.int64], starts: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Row position of the last True per group, -1 where none."""
    return np.maximum.reduceat(np.where(mask, pos, -1), starts).astype(np.int64)
