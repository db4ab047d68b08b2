"""The organization's outcome dataset: built from the records (the engine's reference path) or
read from the per-course summaries, held per process until the records change."""

from __future__ import annotations

import threading
import time
from typing import Any

from kitclinic.outcome_stats import OutcomeCriteria
from kitclinic.outcomes.data.placing import (
    assign_rows,
    course_effects,
    dedupe,
    first_infusion_days,
    in_range,
    outcome_table,
    with_onset,
)
from kitclinic.outcomes.data.reads import (
    Patients,
    complete_only,
    read_assessments,
    read_courses,
    read_numeric,
    read_side_effects,
    sessions_sql,
)
from kitclinic.outcomes.data.tables import OutcomeDataset

MEMO_SECONDS = 600.0


def fingerprint(organization_id: int) -> tuple[Any, ...]:
    """Changes when a row the dashboard's figures depend on is added (one query of primary-key
    maxima; see kitclinic.outcomes.summary.WATCHED for why new ids are enough)."""
    from kitclinic.outcomes.summary import watermarks

    return (organization_id, *watermarks().values())


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
    courses = read_courses(organization_id, patients)
    sql, params = sessions_sql(organization_id, patients)
    sessions = read_numeric(sql, params, 5)
    assessments = read_assessments(organization_id, patients)
    side = read_side_effects(organization_id, patients)
    complete = complete_only(sessions)  # infusion numbers count complete infusions only
    rows = in_range(dedupe(assign_rows(courses, assessments, complete)))
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
