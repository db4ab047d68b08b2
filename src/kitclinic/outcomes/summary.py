"""Per-course outcome summaries: the engine's results kept in two tables, so the dashboard reads
one row per course instead of re-running the engine over every rating.

- ``CourseOutcomeSummary``: per course and rating scale, the columns of ``CourseOutcome`` the
  dashboard uses and the rapid-onset changes;
- ``CourseEffectSummary``: per course, the side-effect figures of its given infusions as counts,
  sums and maxima (a mean over any set of courses is sum / count).

Both are filled by :func:`kitclinic.outcomes.data.dataset.build_dataset` (the records read and the engine
run), never computed another way, so the dashboard shows the engine's figures.

**Keeping them current.** Every table a course's figures depend on only ever gains rows when
something relevant happens (a rating, a course, a session booked or started — the start adds a
pump event —, vital signs, a CADSS score, an adverse event). ``OutcomeSummaryState`` keeps, per
organization, the largest id of each of these tables already summarized. :func:`refresh` finds
the patients with a row above those marks (one indexed range query per table), recomputes just
those patients' courses with the engine and replaces their summary rows, in one transaction
holding the state row's lock. A patient's outcome depends only on that patient's records, so
nothing else needs recomputing. The first refresh of an organization builds everything.

Limits: a change made by updating an existing row in place, outside the services (a hand edit
in the database or an import that rewrites rows), adds no id and is not seen; run
``kitclinic outcomes_rebuild`` after one. On PostgreSQL a row committed with an id below a mark
already taken (a long transaction that began before a refresh and committed after it) is seen
only at the next rebuild; the services commit within a request, so the window is short.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.utils import timezone

from kitclinic.outcomes.data.dataset import build_dataset
from kitclinic.outcomes.data.placing import course_index_of
from kitclinic.outcomes.data.reads import read_courses, read_numeric
from kitclinic.outcomes.data.tables import (
    ENGINE_KEYS,
    CourseEffects,
    OutcomeDataset,
    OutcomeTable,
)
from kitclinic.outcomes.models import (
    CourseEffectSummary,
    CourseOutcomeSummary,
    OutcomeSummaryState,
)

# table -> column naming the session (None: the table has patient_id itself)
WATCHED: dict[str, str | None] = {
    "assessments_assessment": None,
    "infusions_treatmentcourse": None,
    "infusions_infusionsession": None,
    "infusions_sessionevent": "session_id",
    "infusions_vitalsign": "session_id",
    "infusions_sessionscore": "session_id",
    "infusions_adverseevent": "session_id",
}
FLAGS = (
    "included",
    "responded",
    "remitted",
    "early_reviewed",
    "early_non_response",
    "relapsed",
    "responder",
)
CHUNK = 500  # patients per recomputation (keeps the IN lists short)
BATCH = 5000


def watermarks() -> dict[str, int]:
    """The largest id of each watched table (index-only lookups)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"(SELECT MAX(id) FROM {t})" for t in WATCHED)  # noqa: S608
        )
        row = cursor.fetchone()
    return {t: int(v or 0) for t, v in zip(WATCHED, row, strict=True)}


def touched_patients(organization_id: int, since: dict[str, int], upto: dict[str, int]) -> set[int]:
    """Patients of the organization with a watched row whose id is in (since, upto]."""
    found: set[int] = set()
    with connection.cursor() as cursor:
        for table, via in WATCHED.items():
            low, high = since.get(table, 0), upto[table]
            if high <= low:
                continue
            if via is None:
                sql = (
                    f"SELECT DISTINCT x.patient_id FROM {table} x "  # noqa: S608
                    "JOIN patients_patient p ON p.id = x.patient_id "
                    "WHERE x.id > %s AND x.id <= %s AND p.organization_id = %s"
                )
            else:
                sql = (
                    f"SELECT DISTINCT s.patient_id FROM {table} x "  # noqa: S608
                    f"JOIN infusions_infusionsession s ON s.id = x.{via} "
                    "JOIN patients_patient p ON p.id = s.patient_id "
                    "WHERE x.id > %s AND x.id <= %s AND p.organization_id = %s"
                )
            cursor.execute(sql, [low, high, organization_id])
            found.update(int(r[0]) for r in cursor.fetchall())
    return found


def _summary_rows(
    organization_id: int, ds: OutcomeDataset
) -> tuple[list[CourseOutcomeSummary], list[CourseEffectSummary]]:
    c, o, e = ds.courses, ds.outcomes, ds.effects

    def opt(x: float) -> float | None:
        return float(x) if np.isfinite(x) else None

    outcomes = []
    flags = np.zeros(o.course_index.size, dtype=np.int64)
    for bit, name in enumerate(FLAGS):
        flags |= getattr(o, name).astype(np.int64) << bit
    for k in range(o.course_index.size):
        ci = int(o.course_index[k])
        outcomes.append(
            CourseOutcomeSummary(
                course_id=int(c.course_id[ci]),
                organization_id=organization_id,
                patient_id=int(c.patient_id[ci]),
                instrument=str(o.instrument[k]),
                flags=int(flags[k]),
                baseline=opt(o.baseline[k]),
                endpoint_improvement=opt(o.endpoint_improvement[k]),
                last_infusion=int(o.last_infusion[k]),
                first_response_infusion=int(o.first_response_infusion[k]),
                days_to_relapse_or_followed=opt(o.days_to_relapse_or_followed[k]),
                onset_4h_change_pct=opt(o.onset_change_pct[k, 0]),
                onset_24h_change_pct=opt(o.onset_change_pct[k, 1]),
            )
        )
    effects = [
        CourseEffectSummary(
            course_id=int(c.course_id[i]),
            organization_id=organization_id,
            patient_id=int(c.patient_id[i]),
            first_infusion_day=opt(ds.first_infusion_day[i]),
            sessions=int(e.sessions[i]),
            incomplete_sessions=int(e.incomplete_or_zero()[i]),
            adverse_events=int(e.adverse_events[i]),
            bp_n=int(e.bp_n[i]),
            bp_sum=float(e.bp_sum[i]),
            bp_max=opt(e.bp_max[i]),
            cadss_n=int(e.cadss_n[i]),
            cadss_sum=float(e.cadss_sum[i]),
            cadss_max=opt(e.cadss_max[i]),
        )
        for i in range(c.course_id.size)
    ]
    return outcomes, effects


def _replace(organization_id: int, patients: Sequence[int] | None) -> None:
    if patients is None:
        CourseOutcomeSummary.objects.filter(organization_id=organization_id).delete()
        CourseEffectSummary.objects.filter(organization_id=organization_id).delete()
    else:
        CourseOutcomeSummary.objects.filter(patient_id__in=patients).delete()
        CourseEffectSummary.objects.filter(patient_id__in=patients).delete()
    outcomes, effects = _summary_rows(
        organization_id, build_dataset(organization_id, patients=patients)
    )
    CourseOutcomeSummary.objects.bulk_create(outcomes, batch_size=BATCH)
    CourseEffectSummary.objects.bulk_create(effects, batch_size=BATCH)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]


@transaction.atomic
def refresh(organization_id: int) -> int | None:
    """Bring the organization's summaries up to date; returns the number of patients
    recomputed, or None after a full build (the first time, or when asked by ``rebuild``)."""
    state, _ = OutcomeSummaryState.objects.get_or_create(
        organization_id=organization_id, defaults={"marks": {}, "refreshed_at": timezone.now()}
    )
    state = OutcomeSummaryState.objects.select_for_update().get(pk=state.pk)
    upto = watermarks()
    if not state.marks:
        _replace(organization_id, None)
        count = None
    else:
        touched = touched_patients(organization_id, state.marks, upto)
        for chunk in _chunks(touched):
            _replace(organization_id, chunk)
        count = len(touched)
    if upto != state.marks or count is None:
        state.marks = upto
        state.refreshed_at = timezone.now()
        state.save(update_fields=["marks", "refreshed_at"])
    return count


def rebuild(organization_id: int) -> None:
    """Recompute every course of the organization (after bulk loads or edits in place)."""
    with transaction.atomic():
        OutcomeSummaryState.objects.filter(organization_id=organization_id).update(marks={})
        refresh(organization_id)


def read(organization_id: int) -> OutcomeDataset:
    """The dashboard's dataset from the summary tables: three reads, no engine run."""
    from kitclinic.outcome_stats import OutcomeCriteria

    started = time.perf_counter()
    courses = read_courses(organization_id)
    cases = " ".join(f"WHEN '{key}' THEN {i}" for i, key in enumerate(ENGINE_KEYS))
    o = read_numeric(
        "SELECT course_id AS c0, "
        f"CASE instrument {cases} ELSE -1 END AS c1, flags AS c2, baseline AS c3, "
        "endpoint_improvement AS c4, last_infusion AS c5, first_response_infusion AS c6, "
        "days_to_relapse_or_followed AS c7, onset_4h_change_pct AS c8, "
        "onset_24h_change_pct AS c9 FROM outcomes_courseoutcomesummary "
        "WHERE organization_id = %s",
        [organization_id],
        10,
    )
    e = read_numeric(
        "SELECT course_id AS c0, first_infusion_day AS c1, sessions AS c2, "
        "adverse_events AS c3, bp_n AS c4, bp_sum AS c5, bp_max AS c6, cadss_n AS c7, "
        "cadss_sum AS c8, cadss_max AS c9, incomplete_sessions AS c10 "
        "FROM outcomes_courseeffectsummary WHERE organization_id = %s",
        [organization_id],
        11,
    )
    oi = course_index_of(courses, o[:, 0])
    o = o[(oi >= 0) & (o[:, 1] >= 0)]
    oi = course_index_of(courses, o[:, 0])
    flags = o[:, 2].astype(np.int64)

    def flag(name: str) -> npt.NDArray[np.bool_]:
        return ((flags >> FLAGS.index(name)) & 1).astype(np.bool_)

    outcomes = OutcomeTable(
        course_index=oi,
        instrument=np.array(ENGINE_KEYS, dtype=str)[o[:, 1].astype(np.int64)],
        included=flag("included"),
        responded=flag("responded"),
        remitted=flag("remitted"),
        baseline=o[:, 3],
        endpoint_improvement=o[:, 4],
        last_infusion=o[:, 5].astype(np.int64),
        first_response_infusion=o[:, 6].astype(np.int64),
        early_reviewed=flag("early_reviewed"),
        early_non_response=flag("early_non_response"),
        relapsed=flag("relapsed"),
        responder=flag("responder"),
        days_to_relapse_or_followed=o[:, 7],
        onset_change_pct=o[:, 8:10],
    )
    n = courses.course_id.size
    ei = course_index_of(courses, e[:, 0])
    e = e[ei >= 0]
    ei = ei[ei >= 0]

    def per_course(col: int, fill: float, dtype: type) -> np.ndarray:
        out = np.full(n, fill)
        out[ei] = e[:, col]
        return out.astype(dtype)

    effects = CourseEffects(
        sessions=per_course(2, 0, np.int64),
        adverse_events=per_course(3, 0, np.int64),
        bp_n=per_course(4, 0, np.int64),
        bp_sum=per_course(5, 0.0, np.float64),
        bp_max=per_course(6, np.nan, np.float64),
        cadss_n=per_course(7, 0, np.int64),
        cadss_sum=per_course(8, 0.0, np.float64),
        cadss_max=per_course(9, np.nan, np.float64),
        incomplete=per_course(10, 0, np.int64),
    )
    return OutcomeDataset(
        courses=courses,
        outcomes=outcomes,
        effects=effects,
        first_infusion_day=per_course(1, np.nan, np.float64),
        criteria=OutcomeCriteria(),
        seconds=time.perf_counter() - started,
    )
