"""The outcomes data's reads: the organization's courses, infusions given, ratings and
per-session side effects, each one query into a NumPy array (see the package's doc)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection

from kitclinic.outcomes.data.tables import (
    CODE_OF_ASSESSMENT,
    GIVEN_STATES_EXCLUDED,
    SECONDS_PER_DAY,
    CourseTable,
)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _epoch(column: str) -> str:
    if _is_postgres():
        return f"EXTRACT(EPOCH FROM {column})::float8"
    return f"(julianday({column}) - 2440587.5) * 86400.0"


def read_numeric(sql: str, params: list[Any], k: int) -> npt.NDArray[np.float64]:
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


def read_courses(organization_id: int, patients: Patients = None) -> CourseTable:
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
    m = read_numeric(sql, [organization_id, *extra], 8)
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


def sessions_sql(organization_id: int, patients: Patients = None) -> tuple[str, list[Any]]:
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
    """The rows of ``sessions_sql`` that count as complete infusions."""
    if not sessions.shape[0]:
        return sessions
    return sessions[sessions[:, 4] > 0.5]


def read_assessments(organization_id: int, patients: Patients = None) -> npt.NDArray[np.float64]:
    cases = " ".join(f"WHEN '{name}' THEN {code}" for name, code in CODE_OF_ASSESSMENT.items())
    placeholders = ", ".join(["%s"] * len(CODE_OF_ASSESSMENT))
    where, extra = _patient_clause("a.patient_id", patients)
    sql = (
        f"SELECT a.id AS c0, a.patient_id AS c1, {_epoch('a.administered_at')} AS c2, "
        f"CASE a.instrument {cases} END AS c3, a.total AS c4 "
        "FROM assessments_assessment a JOIN patients_patient p ON p.id = a.patient_id "
        f"WHERE p.organization_id = %s AND a.instrument IN ({placeholders})" + where
    )
    return read_numeric(sql, [organization_id, *CODE_OF_ASSESSMENT, *extra], 5)


def read_side_effects(organization_id: int, patients: Patients = None) -> npt.NDArray[np.float64]:
    """Per given session: id, adverse events, SBP rise (max during − pre), max CADSS.

    For a few patients each figure is a subquery per session (index lookups); for the whole
    organization the three tables are aggregated once by session and joined.
    """
    given, params = sessions_sql(organization_id, patients)
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
            f"FROM ({given}) g"
        )
    else:
        sql = (
            "SELECT g.c0 AS c0, COALESCE(e.n, 0) AS c1, v.hi - v.lo AS c2, sc.m AS c3 "
            f"FROM ({given}) g "
            "LEFT JOIN (SELECT session_id, COUNT(*) AS n FROM infusions_adverseevent "
            " GROUP BY session_id) e ON e.session_id = g.c0 "
            "LEFT JOIN (SELECT session_id, MAX(CASE WHEN slot_minute > 0 THEN sbp END) AS hi, "
            " MIN(CASE WHEN slot_minute = 0 THEN sbp END) AS lo FROM infusions_vitalsign "
            " GROUP BY session_id) v ON v.session_id = g.c0 "
            "LEFT JOIN (SELECT session_id, MAX(total) AS m FROM infusions_sessionscore "
            " WHERE kind = 'cadss' GROUP BY session_id) sc ON sc.session_id = g.c0"
        )
    return read_numeric(sql, params, 4)
