"""Placing the ratings: each in its course with its infusion number (see the package's doc),
then the engine's per-course outcomes, rapid-onset changes and side-effect sums as columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from kitclinic.outcome_stats import (
    DEFAULT_REMISSION_CUTOFFS,
    OutcomeCriteria,
    ScoreTable,
    course_outcomes,
)
from kitclinic.outcomes.data.tables import (
    ENGINE_KEYS,
    ONSET_WINDOWS_H,
    SECONDS_PER_DAY,
    CourseEffects,
    CourseTable,
    OutcomeTable,
    ScoreRows,
)


def assign_rows(
    courses: CourseTable,
    assessments: npt.NDArray[np.float64],
    sessions: npt.NDArray[np.float64],
) -> ScoreRows:
    """Place each rating in its course and count the infusions before it (see the package doc)."""
    n_courses = courses.course_id.size
    empty = ScoreRows(
        np.empty(0, np.int64),
        np.empty(0, np.int64),
        np.empty(0),
        np.empty(0, dtype=str),
        np.empty(0),
        np.empty(0),
    )
    if n_courses == 0 or assessments.shape[0] == 0:
        return empty
    # Course windows: sorted by (patient, planned); a rating goes to the last course of its
    # patient planned at or before it, or to the patient's first course when none is.
    a_patient = assessments[:, 1].astype(np.int64)
    a_day = assessments[:, 2] / SECONDS_PER_DAY
    pos_first = np.searchsorted(courses.patient_id, a_patient, side="left")
    pos_end = np.searchsorted(courses.patient_id, a_patient, side="right")
    has_course = pos_end > pos_first
    # Lexicographic search on (patient, planned_day) via a combined sortable key.
    span = max(1.0, float(np.nanmax(np.abs(np.r_[courses.planned_day, a_day]))) * 2 + 2)
    course_key = courses.patient_id.astype(np.float64) * span + (courses.planned_day + span / 2)
    a_key = a_patient.astype(np.float64) * span + (a_day + span / 2)
    if np.any(np.diff(course_key) < 0) or span * (courses.patient_id.max() + 1) > 2**52:
        # Precision guard: fall back to an exact per-patient search.
        idx = np.empty(a_patient.size, dtype=np.int64)
        for i in range(a_patient.size):
            lo, hi = pos_first[i], pos_end[i]
            j = lo + np.searchsorted(courses.planned_day[lo:hi], a_day[i], side="right") - 1
            idx[i] = j
    else:
        idx = np.searchsorted(course_key, a_key, side="right") - 1
    idx = np.where(idx < pos_first, pos_first, idx)
    keep = has_course
    idx = idx[keep]
    a = assessments[keep]
    a_day = a_day[keep]

    # Infusions given, per course, sorted by start time.
    if sessions.shape[0]:
        s_course = course_index_of(courses, sessions[:, 1])
        ok = s_course >= 0
        s_course, s_day = s_course[ok], sessions[ok, 2] / SECONDS_PER_DAY
    else:
        s_course, s_day = np.empty(0, np.int64), np.empty(0)
    s_order = np.lexsort((s_day, s_course))
    s_course, s_day = s_course[s_order], s_day[s_order]
    first_start = np.full(n_courses, np.nan)
    if s_course.size:
        starts = np.flatnonzero(np.r_[True, s_course[1:] != s_course[:-1]])
        first_start[s_course[starts]] = s_day[starts]
    # Count of infusions of course c started strictly before t: position in the sorted
    # (course, day) list minus the course's first position.
    lo = np.searchsorted(s_course, idx, side="left")
    counts = np.zeros(idx.size, dtype=np.int64)
    for_course_end = np.searchsorted(s_course, idx, side="right")
    has_s = for_course_end > lo
    if np.any(has_s):
        # Within each course block, days are sorted; combine course and day into one key.
        s_key = s_course.astype(np.float64) * (span * 2) + (s_day + span)
        q_key = idx.astype(np.float64) * (span * 2) + (a_day + span)
        counts = np.searchsorted(s_key, q_key, side="left") - lo
    instrument = np.array(ENGINE_KEYS, dtype=str)[a[:, 3].astype(np.int64)]
    hours = (a_day - first_start[idx]) * 24.0
    hours = np.where(counts >= 1, hours, np.nan)
    return ScoreRows(
        course_index=idx.astype(np.int64),
        infusion_number=counts.astype(np.int64),
        time_point_days=a_day,
        instrument=instrument,
        score=a[:, 4].astype(np.float64),
        hours_after_first_infusion=hours,
    )


def course_index_of(courses: CourseTable, ids: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Index into ``courses`` of each course id in ``ids`` (-1 when not there)."""
    ids = np.asarray(ids).astype(np.int64)
    if not courses.course_id.size or not ids.size:
        return np.full(ids.size, -1, dtype=np.int64)
    order = np.argsort(courses.course_id)
    sorted_ids = courses.course_id[order]
    pos = np.minimum(np.searchsorted(sorted_ids, ids), sorted_ids.size - 1)
    return np.where(sorted_ids[pos] == ids, order[pos], -1).astype(np.int64)


def first_infusion_days(
    courses: CourseTable, sessions: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    out = np.full(courses.course_id.size, np.nan)
    if not sessions.shape[0] or not courses.course_id.size:
        return out
    idx = course_index_of(courses, sessions[:, 1])
    ok = idx >= 0
    np.fmin.at(out, idx[ok], sessions[ok, 2] / SECONDS_PER_DAY)
    return out


def dedupe(rows: ScoreRows) -> ScoreRows:
    """Keep one rating per (course, instrument, time): the engine refuses exact duplicates."""
    if rows.score.size == 0:
        return rows
    order = np.lexsort((rows.time_point_days, rows.instrument, rows.course_index))
    c, ins, t = rows.course_index[order], rows.instrument[order], rows.time_point_days[order]
    dup_next = np.r_[(c[1:] == c[:-1]) & (ins[1:] == ins[:-1]) & (t[1:] == t[:-1]), False]
    keep = order[~dup_next]  # the later row of a tie wins
    keep.sort()
    return ScoreRows(
        rows.course_index[keep],
        rows.infusion_number[keep],
        rows.time_point_days[keep],
        rows.instrument[keep],
        rows.score[keep],
        rows.hours_after_first_infusion[keep],
    )


def in_range(rows: ScoreRows) -> ScoreRows:
    ok = np.zeros(rows.score.size, dtype=bool)
    for key in ENGINE_KEYS:
        c = DEFAULT_REMISSION_CUTOFFS[key]
        ok |= (rows.instrument == key) & (rows.score >= c.score_min) & (rows.score <= c.score_max)
    if np.all(ok):
        return rows
    return ScoreRows(*(getattr(rows, f)[ok] for f in ScoreRows.__dataclass_fields__))


def score_table(courses: CourseTable, rows: ScoreRows) -> ScoreTable:
    """The engine's input: patient and course ids as text, as ``ScoreTable`` expects."""
    return ScoreTable.from_columns(
        patient_id=courses.patient_id[rows.course_index].astype(str),
        course_id=courses.course_id[rows.course_index].astype(str),
        infusion_number=rows.infusion_number,
        time_point_days=rows.time_point_days,
        instrument=rows.instrument,
        score=rows.score,
    )


def outcome_table(courses: CourseTable, rows: ScoreRows, criteria: OutcomeCriteria) -> OutcomeTable:
    outcomes = course_outcomes(score_table(courses, rows), criteria) if rows.score.size else ()
    index_of = {str(c): i for i, c in enumerate(courses.course_id)}
    n = len(outcomes)

    def col(getter: Any, dtype: Any) -> npt.NDArray[Any]:
        return np.fromiter((getter(o) for o in outcomes), dtype=dtype, count=n)

    nan = float("nan")
    return OutcomeTable(
        course_index=col(lambda o: index_of[o.course_id], np.int64),
        instrument=np.array([o.instrument for o in outcomes], dtype=str).reshape(n),
        included=col(lambda o: o.included, bool),
        responded=col(lambda o: o.responded, bool),
        remitted=col(lambda o: o.remitted, bool),
        baseline=col(lambda o: nan if o.baseline is None else o.baseline, np.float64),
        endpoint_improvement=col(
            lambda o: nan if o.endpoint_improvement is None else o.endpoint_improvement,
            np.float64,
        ),
        last_infusion=col(lambda o: o.last_infusion, np.int64),
        first_response_infusion=col(
            lambda o: -1 if o.first_response_infusion is None else o.first_response_infusion,
            np.int64,
        ),
        early_reviewed=col(lambda o: o.early_non_response is not None, bool),
        early_non_response=col(lambda o: bool(o.early_non_response), bool),
        relapsed=col(lambda o: bool(o.relapsed), bool),
        responder=col(lambda o: o.relapsed is not None, bool),
        days_to_relapse_or_followed=col(
            lambda o: (
                o.days_to_relapse
                if o.relapsed
                else (
                    o.days_followed_after_response
                    if o.days_followed_after_response is not None
                    else nan
                )
            ),
            np.float64,
        ),
        onset_change_pct=np.empty((n, len(ONSET_WINDOWS_H))),
    )


def with_onset(table: OutcomeTable, rows: ScoreRows) -> OutcomeTable:
    """``table`` with ``onset_change_pct`` filled from the rated rows: per included (course,
    instrument), the first rating in each window after the start of infusion 1."""
    n = table.course_index.size
    codes = {key: i for i, key in enumerate(ENGINE_KEYS)}
    width = len(ENGINE_KEYS)
    o_key = table.course_index * width + np.array(
        [codes[str(x)] for x in table.instrument], dtype=np.int64
    ).reshape(n)
    order = np.argsort(o_key)
    out = np.full((n, len(ONSET_WINDOWS_H)), np.nan)
    r_code = np.array([codes[str(x)] for x in rows.instrument], dtype=np.int64).reshape(-1)
    r_key = rows.course_index * width + r_code
    h = rows.hours_after_first_infusion
    for w, (lo, hi) in enumerate(ONSET_WINDOWS_H.values()):
        idx = np.flatnonzero((h >= lo) & (h <= hi))
        if not idx.size or not n:
            continue
        idx = idx[np.lexsort((rows.time_point_days[idx], r_key[idx]))]
        _, first = np.unique(r_key[idx], return_index=True)
        idx = idx[first]
        pos = np.minimum(np.searchsorted(o_key[order], r_key[idx]), n - 1)
        k = order[pos]
        found = o_key[k] == r_key[idx]
        k, idx = k[found], idx[found]
        ok = table.included[k]
        b = table.baseline[k[ok]]
        out[k[ok], w] = 100.0 * (b - rows.score[idx[ok]]) / b
    return OutcomeTable(
        **{
            f: getattr(table, f)
            for f in OutcomeTable.__dataclass_fields__
            if f != "onset_change_pct"
        },
        onset_change_pct=out,
    )


def course_effects(
    courses: CourseTable, side: npt.NDArray[np.float64], sessions: npt.NDArray[np.float64]
) -> CourseEffects:
    """Sum the per-session side-effect rows (``read_side_effects``) per course."""
    n = courses.course_id.size
    z_i, z_f = np.zeros(n, dtype=np.int64), np.zeros(n)
    sessions_n, ae, bp_n, cadss_n = z_i.copy(), z_i.copy(), z_i.copy(), z_i.copy()
    incomplete = z_i.copy()
    bp_sum, cadss_sum = z_f.copy(), z_f.copy()
    bp_max, cadss_max = np.full(n, np.nan), np.full(n, np.nan)
    if side.shape[0] and sessions.shape[0]:
        s_ids = sessions[:, 0].astype(np.int64)
        order = np.argsort(s_ids)
        pos = np.minimum(np.searchsorted(s_ids[order], side[:, 0].astype(np.int64)), s_ids.size - 1)
        course = course_index_of(courses, sessions[order[pos], 1])
        ok = course >= 0
        c = course[ok]
        full = sessions[order[pos], 4][ok] > 0.5 if sessions.shape[1] > 4 else np.ones(c.size, bool)
        np.add.at(sessions_n, c[full], 1)
        np.add.at(incomplete, c[~full], 1)
        np.add.at(ae, c, np.nan_to_num(side[ok, 1]).astype(np.int64))
        for col, count, total, top in (
            (2, bp_n, bp_sum, bp_max),
            (3, cadss_n, cadss_sum, cadss_max),
        ):
            v = side[ok, col]
            f = np.isfinite(v)
            np.add.at(count, c[f], 1)
            np.add.at(total, c[f], v[f])
            np.fmax.at(top, c[f], v[f])
    return CourseEffects(
        sessions_n, ae, bp_n, bp_sum, bp_max, cadss_n, cadss_sum, cadss_max, incomplete
    )
