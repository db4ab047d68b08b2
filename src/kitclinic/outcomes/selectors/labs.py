"""Inflammatory markers against outcomes: each course's baseline marker level and its
improvement on a rating scale (exploratory; the published evidence is mixed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.lib.listing import Column, ListPage, ListSpec, list_page
from kitclinic.outcome_stats import DEFAULT_REMISSION_CUTOFFS
from kitclinic.outcomes.data.dataset import dataset_for
from kitclinic.outcomes.data.tables import SECONDS_PER_DAY
from kitclinic.outcomes.labels import SCALE_LABELS
from kitclinic.outcomes.labs import ANALYTE_CODES, Analyte
from kitclinic.outcomes.models import LabResult

DEFAULT_ANALYTE = "crp"
DEFAULT_INSTRUMENT = "phq9"


def lab_choice(analyte: str | None, instrument: str | None) -> tuple[str, str]:
    """The (analyte, instrument) asked for, each replaced by its default when unknown."""
    return (
        analyte if analyte in ANALYTE_CODES else DEFAULT_ANALYTE,
        instrument if instrument in SCALE_LABELS else DEFAULT_INSTRUMENT,
    )


@dataclass(frozen=True)
class LabPoint:
    baseline: float
    change_pct: float
    indication: str


# The table under the scatter, one row per course (in memory: the points are computed).
LAB_POINT_LIST = ListSpec(
    columns=(
        Column("baseline", "Baseline", ("baseline",), css="num"),
        Column("change", "% improvement", ("change_pct",), css="num"),
        Column("indication", "Indication", ("indication",)),
    ),
    default_sort="baseline",
)


def lab_points_page(assoc: LabAssociation, params: Mapping[str, Any]) -> ListPage[LabPoint]:
    return list_page(params, assoc.points, LAB_POINT_LIST)


@dataclass(frozen=True)
class LabAssociation:
    analyte: str
    analyte_label: str
    instrument_label: str
    unit: str
    points: list[LabPoint]
    n: int
    spearman_rho: float | None
    units_mixed: bool


def lab_association(actor: Actor, analyte: str, instrument: str = "phq9") -> LabAssociation:
    """Baseline marker level (last result on or before the course's first infusion) against the
    course's % change on ``instrument`` at its endpoint, one point per included course.
    Exploratory: the published evidence is mixed (docs/sources.md, section 8)."""
    actor.require(Action.OUTCOMES_VIEW)
    ds = dataset_for(actor.organization_id)
    labs = list(
        LabResult.objects.filter(patient__organization_id=actor.organization_id, analyte=analyte)
        .order_by("patient_id", "collected_at", "id")
        .values_list("patient_id", "collected_at", "value", "unit")
    )
    by_patient: dict[int, list[tuple[float, float, str]]] = {}
    for pid, when, value, unit in labs:
        by_patient.setdefault(pid, []).append(
            (when.timestamp() / SECONDS_PER_DAY, float(value), unit)
        )
    o, c = ds.outcomes, ds.courses
    points: list[LabPoint] = []
    units: set[str] = set()
    for k in np.flatnonzero(o.included & (o.instrument == instrument)):
        ci = int(o.course_index[k])
        first = ds.first_infusion_day[ci]
        change = o.endpoint_improvement[k]
        if not np.isfinite(first) or not np.isfinite(change):
            continue
        before = [x for x in by_patient.get(int(c.patient_id[ci]), []) if x[0] <= first]
        if not before:
            continue
        units.add(before[-1][2])
        points.append(LabPoint(before[-1][1], 100.0 * float(change), str(c.indication[ci])))
    rho = None
    if len(points) >= 3:
        x = np.array([p.baseline for p in points])
        y = np.array([p.change_pct for p in points])
        if np.ptp(x) > 0 and np.ptp(y) > 0:
            from scipy.stats import spearmanr

            rho = float(spearmanr(x, y).statistic)
    return LabAssociation(
        analyte=analyte,
        analyte_label=Analyte(analyte).label,
        instrument_label=DEFAULT_REMISSION_CUTOFFS[instrument].label,
        unit=", ".join(sorted(units)),
        points=points,
        n=len(points),
        spearman_rho=rho,
        units_mixed=len(units) > 1,
    )
