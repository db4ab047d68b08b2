"""The outcomes data path: one read of the organization's courses, infusions and ratings into
(patient, course, infusion number, time point, instrument, score) rows for ``outcome_stats``.

Read-only queries on the assessments and infusions tables (their models are not changed here):

1. courses of the organization (``TreatmentCourse``);
2. infusions given (``InfusionSession`` with a start time, not cancelled or a no-show), each marked complete
   or incomplete: a stopped session that delivered less than
   ``KITCLINIC_COMPLETE_INFUSION_MIN_SHARE`` of its ordered volume is incomplete (see
   ``kitclinic.infusions.delivery``; one still running is not judged yet and counts as given);
3. ratings (``Assessment``) on the instruments the engine knows;
4. per-session side-effect figures (adverse events, blood pressure, CADSS).

How a rating is placed (documented in docs/outcomes.md, "Dashboard"):

- **Course**: a patient's ratings belong to the course whose window holds them. A course's window
  opens when it is planned and closes when the patient's next course is planned; the first
  course's window also holds every earlier rating (screening), so a rating taken before the
  course was planned can still be its baseline.
- **Infusion number**: complete infusions of that course started before the rating (0 =
  baseline); an incomplete infusion is not counted (infusion 1 is the first complete one), and
  is shown separately in the side-effect figures, which count every infusion given.
- **Time point**: days since 1970-01-01 (UTC) of ``administered_at``; only order and differences
  matter to the engine.

On PostgreSQL the two large reads (ratings, infusions) come back as one comma-separated text per
query and are parsed by NumPy, which keeps 1,000,000 ratings at a fraction of a second; SQLite
reads ordinary rows. The result is held per process per organization and reused until a cheap
fingerprint query (largest ids and latest timestamps of the tables involved) shows a change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection

from kitclinic.infusions.states import SessionState
from kitclinic.outcome_stats import (
    DEFAULT_REMISSION_CUTOFFS,
    OutcomeCriteria,
    ScoreTable,
    course_outcomes,
)

# Assessment.instrument -> engine key (the engine knows these four; see outcome_stats.cutoffs).
ENGINE_INSTRUMENTS: dict[str, str] = {
    "phq9": "phq9",
    "qids-sr16": "qids_sr16",
    "madrs": "madrs",
    "gad7": "gad7",
}
ENGINE_KEYS: tuple[str, ...] = tuple(ENGINE_INSTRUMENTS.values())
_CODE_OF_ASSESSMENT = {name: i for i, name in enumerate(ENGINE_INSTRUMENTS)}

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
MEMO_SECONDS = 600.0


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


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _epoch(column: str) -> str:
    if _is_postgres():
        return f"EXTRACT(EPOCH FROM {column})::float8"
    return f"(julianday({column}) - 2440587.5) * 86400.0"


def _numeric(sql: str, params: list[Any], k: int) -> npt.NDArray[np.float64]:
    """Run ``sql`` (k numeric columns named c0 … c{k-1}) and return an (n, k) float array.

    On PostgreSQL the database packs every value as a big-endian float8 (``float8send``) into one
    ``bytea``, which comes back as a single value and is read by NumPy without per-row Python
    (a row-by-row fetch or COPY costs microseconds per row in the driver); elsewhere ordinary
    rows. NULLs become NaN.
    """
    with connection.cursor() as cursor:
        if _is_postgres():
            packed = " || ".join(
                f"float8send(COALESCE(q.c{i}::float8, 'NaN'::float8))" for i in range(k)
            )
            cursor.execute(
                f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) q",  # noqa: S608
                params,
            )
            data = cursor.fetchone()[0]
            if not data:
                return np.empty((0, k))
            return np.frombuffer(bytes(data), dtype=">f8").astype(np.float64).reshape(-1, k)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return np.empty((0, k))
    return np.array(rows, dtype=np.float64).reshape(-1, k)


Patients = Sequence[int] | None  # None: every patient of the organization


def _patient_clause(column: str, patients: Patients) -> tuple[str, list[Any]]:
    if patients is None:
        return "", []
    ids = [int(p) for p in patients] or [-1]
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


def _codes(column: str, values: Sequence[str]) -> str:
    """SQL mapping a text column to its position in ``values`` (-1 when not there)."""
    if not values:
        return "-1"
    quoted = (v.replace("'", "''") for v in values)
    cases = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(quoted))
    return f"CASE {column} {cases} ELSE -1 END"


def _courses(organization_id: int, patients: Patients = None) -> CourseTable:
    """One numeric read of the organization's courses, text columns as codes decoded in NumPy."""
    from kitclinic.infusions.states import CourseStatus
    from kitclinic.patients.models import INDICATIONS

    where, extra = _patient_clause("c.patient_id", patients)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.protocol_id FROM infusions_treatmentcourse c "
            "JOIN patients_patient p ON p.id = c.patient_id WHERE p.organization_id = %s" + where,
            [organization_id, *extra],
        )
        protocols = sorted(str(r[0]) for r in cursor.fetchall())
    statuses = [str(v.value) for v in CourseStatus]
    sql = (
        f"SELECT c.id AS c0, c.patient_id AS c1, c.clinic_id AS c2, c.planned_by_id AS c3, "
        f"{_epoch('c.planned_at')} AS c4, {_codes('c.indication', INDICATIONS)} AS c5, "
        f"{_codes('c.protocol_id', protocols)} AS c6, {_codes('c.status', statuses)} AS c7 "
        "FROM infusions_treatmentcourse c JOIN patients_patient p ON p.id = c.patient_id "
        "WHERE p.organization_id = %s" + where
    )
    m = _numeric(sql, [organization_id, *extra], 8)
    m = m[np.lexsort((m[:, 0], m[:, 4], m[:, 1]))]  # patient, planned, id

    def decode(col: int, names: Sequence[str]) -> npt.NDArray[np.str_]:
        table = np.array([*names, ""], dtype=str)
        return table[m[:, col].astype(np.int64)]  # -1 picks the trailing ""

    return CourseTable(
        course_id=m[:, 0].astype(np.int64),
        patient_id=m[:, 1].astype(np.int64),
        clinic_id=m[:, 2].astype(np.int64),
        clinician_id=m[:, 3].astype(np.int64),
        planned_day=m[:, 4] / SECONDS_PER_DAY,
        indication=decode(5, INDICATIONS),
        protocol=decode(6, protocols),
        status=decode(7, statuses),
    )


def _sessions_sql(organization_id: int, patients: Patients = None) -> tuple[str, list[Any]]:
    """Infusions given: id, course, start (seconds), number, complete (1) or incomplete (0)."""
    from kitclinic.infusions.delivery import report_min_share

    placeholders = ", ".join(["%s"] * len(GIVEN_STATES_EXCLUDED))
    where, extra = _patient_clause("s.patient_id", patients)
    sql = (
        f"SELECT s.id AS c0, s.course_id AS c1, {_epoch('s.started_at')} AS c2, s.number AS c3, "
        "CASE WHEN s.delivered_ml IS NULL OR o.volume_ml IS NULL OR o.volume_ml <= 0 "
        "OR s.delivered_ml >= %s * o.volume_ml THEN 1 ELSE 0 END AS c4 "
        "FROM infusions_infusionsession s JOIN patients_patient p ON p.id = s.patient_id "
        "LEFT JOIN infusions_infusionorder o ON o.session_id = s.id "
        f"WHERE p.organization_id = %s AND s.started_at IS NOT NULL "
        f"AND s.state NOT IN ({placeholders})" + where
    )
    return sql, [float(report_min_share()), organization_id, *GIVEN_STATES_EXCLUDED, *extra]


def complete_only(sessions: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The rows of ``_sessions_sql`` that count as complete infusions."""
    if not sessions.shape[0]:
        return sessions
    return sessions[sessions[:, 4] > 0.5]


def _assessments(organization_id: int, patients: Patients = None) -> npt.NDArray[np.float64]:
    cases = " ".join(f"WHEN '{name}' THEN {code}" for name, code in _CODE_OF_ASSESSMENT.items())
    placeholders = ", ".join(["%s"] * len(_CODE_OF_ASSESSMENT))
    where, extra = _patient_clause("a.patient_id", patients)
    sql = (
        f"SELECT a.id AS c0, a.patient_id AS c1, {_epoch('a.administered_at')} AS c2, "
        f"CASE a.instrument {cases} END AS c3, a.total AS c4 "
        "FROM assessments_assessment a JOIN patients_patient p ON p.id = a.patient_id "
        f"WHERE p.organization_id = %s AND a.instrument IN ({placeholders})" + where
    )
    return _numeric(sql, [organization_id, *_CODE_OF_ASSESSMENT, *extra], 5)


def _session_side_effects(
    organization_id: int, patients: Patients = None
) -> npt.NDArray[np.float64]:
    """Per given session: id, adverse events, SBP rise (max during − pre), max CADSS.

    For a few patients each figure is a subquery per session (index lookups); for the whole
    organization the three tables are aggregated once by session and joined.
    """
    sessions_sql, params = _sessions_sql(organization_id, patients)
    if patients is not None:
        sql = (
            "SELECT g.c0 AS c0, "
            "(SELECT COUNT(*) FROM infusions_adverseevent e WHERE e.session_id = g.c0) AS c1, "
            "(SELECT MAX(v.sbp) FROM infusions_vitalsign v WHERE v.session_id = g.c0 "
            " AND v.slot_minute > 0) "
            "- (SELECT MIN(v.sbp) FROM infusions_vitalsign v WHERE v.session_id = g.c0 "
            " AND v.slot_minute = 0) AS c2, "
            "(SELECT MAX(sc.total) FROM infusions_sessionscore sc WHERE sc.session_id = g.c0 "
            " AND sc.kind = 'cadss') AS c3 "
            f"FROM ({sessions_sql}) g"
        )
    else:
        sql = (
            "SELECT g.c0 AS c0, COALESCE(e.n, 0) AS c1, v.hi - v.lo AS c2, sc.m AS c3 "
            f"FROM ({sessions_sql}) g "
            "LEFT JOIN (SELECT session_id, COUNT(*) AS n FROM infusions_adverseevent "
            " GROUP BY session_id) e ON e.session_id = g.c0 "
            "LEFT JOIN (SELECT session_id, MAX(CASE WHEN slot_minute > 0 THEN sbp END) AS hi, "
            " MIN(CASE WHEN slot_minute = 0 THEN sbp END) AS lo FROM infusions_vitalsign "
            " GROUP BY session_id) v ON v.session_id = g.c0 "
            "LEFT JOIN (SELECT session_id, MAX(total) AS m FROM infusions_sessionscore "
            " WHERE kind = 'cadss' GROUP BY session_id) sc ON sc.session_id = g.c0"
        )
    return _numeric(sql, params, 4)


def fingerprint(organization_id: int) -> tuple[Any, ...]:
    """Changes when a row the dashboard's figures depend on is added (one query of primary-key
    maxima; see kitclinic.outcomes.summary.WATCHED for why new ids are enough)."""
    from kitclinic.outcomes.summary import watermarks

    return (organization_id, *watermarks().values())


def assign_rows(
    courses: CourseTable,
    assessments: npt.NDArray[np.float64],
    sessions: npt.NDArray[np.float64],
) -> ScoreRows:
    """Place each rating in its course and count the infusions before it (see module doc)."""
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


def _dedupe(rows: ScoreRows) -> ScoreRows:
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


def _in_range(rows: ScoreRows) -> ScoreRows:
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
    """Sum the per-session side-effect rows (``_session_side_effects``) per course."""
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


def build_dataset(
    organization_id: int,
    criteria: OutcomeCriteria | None = None,
    *,
    patient_id: int | None = None,
    patients: Patients = None,
) -> OutcomeDataset:
    """Read the records of an organization (or of ``patients``, or one ``patient_id``) and run
    the engine: the reference path, used for one chart and to fill the summary tables."""
    crit = criteria or OutcomeCriteria()
    if patient_id is not None:
        patients = [patient_id]
    started = time.perf_counter()
    courses = _courses(organization_id, patients)
    sql, params = _sessions_sql(organization_id, patients)
    sessions = _numeric(sql, params, 5)
    assessments = _assessments(organization_id, patients)
    side = _session_side_effects(organization_id, patients)
    complete = complete_only(sessions)  # infusion numbers count complete infusions only
    rows = _in_range(_dedupe(assign_rows(courses, assessments, complete)))
    outcomes = with_onset(outcome_table(courses, rows, crit), rows)
    return OutcomeDataset(
        courses=courses,
        outcomes=outcomes,
        effects=course_effects(courses, side, sessions),
        first_infusion_day=first_infusion_days(courses, complete),
        criteria=crit,
        seconds=time.perf_counter() - started,
        rows=rows,
    )


_memo: dict[int, tuple[tuple[Any, ...], float, OutcomeDataset]] = {}
_memo_lock = threading.Lock()


def dataset_for(organization_id: int) -> OutcomeDataset:
    """The organization's dataset from the per-course summaries (kitclinic.outcomes.summary),
    brought up to date for the patients whose records changed; held per process and read again
    only when :func:`fingerprint` changes (or after ``MEMO_SECONDS``)."""
    from kitclinic.outcomes import summary

    key = fingerprint(organization_id)
    now = time.monotonic()
    with _memo_lock:
        hit = _memo.get(organization_id)
        if hit is not None and hit[0] == key and now - hit[1] < MEMO_SECONDS:
            return hit[2]
    summary.refresh(organization_id)
    dataset = summary.read(organization_id)
    with _memo_lock:
        _memo[organization_id] = (key, now, dataset)
    return dataset


def forget() -> None:
    """Drop every held dataset (tests, and after bulk loads)."""
    with _memo_lock:
        _memo.clear()
