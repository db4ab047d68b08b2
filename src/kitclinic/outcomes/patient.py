"""One patient's outcomes: course results, rating trajectories, lab trends and the decision-support
signals on the chart. Suggestions only: nothing here orders, books or changes anything."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.assessments.selectors import Trajectory, patient_trajectories
from kitclinic.consent.models import ConsentRecord
from kitclinic.infusions.delivery import counts_as_complete
from kitclinic.infusions.models import InfusionSession, TreatmentCourse
from kitclinic.outcome_stats import (
    DEFAULT_REMISSION_CUTOFFS,
    CourseOutcome,
    OutcomeCriteria,
    course_outcomes,
)
from kitclinic.outcomes.charts import lab_trend_figure
from kitclinic.outcomes.data.dataset import build_dataset
from kitclinic.outcomes.data.placing import score_table
from kitclinic.outcomes.data.tables import GIVEN_STATES_EXCLUDED, SECONDS_PER_DAY
from kitclinic.outcomes.labels import SCALE_LABELS
from kitclinic.outcomes.models import LabResult
from kitclinic.patients.models import Patient

CRITERIA = OutcomeCriteria()
EARLY_SOURCE = (
    "Transl Psychiatry 2024 (doi 10.1038/s41398-024-03027-2): no ≥20% improvement after 4 "
    "infusions predicted overall non-response (sensitivity >90%, 135 patients) "
    "[transl-psychiatry-2024]"
)
# Preferred order when a course has ratings on several scales.
PRIMARY_ORDER = ("phq9", "madrs", "qids_sr16", "gad7")


def _when(day: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(day * SECONDS_PER_DAY, tz=dt.UTC)


@dataclass(frozen=True)
class Point:
    when: dt.datetime
    score: float
    infusion_number: int


@dataclass(frozen=True)
class Signal:
    kind: str  # early_non_response | review_due | relapse | responding | remission
    level: str  # warning | info | ok
    title: str
    text: str
    source: str = ""

    @property
    def is_warning(self) -> bool:
        return self.level == "warning"

    @property
    def role(self) -> str:
        """ARIA role on the chart: a warning interrupts (alert), the rest is a status."""
        return "alert" if self.is_warning else "status"


@dataclass(frozen=True)
class InfusionGiven:
    """One infusion given: when, what was ordered and delivered (None while it runs), and
    whether it counts as complete (KITCLINIC_COMPLETE_INFUSION_MIN_SHARE)."""

    started_at: dt.datetime
    ordered_mg: Decimal | None
    delivered_mg: Decimal | None
    share: Decimal | None
    complete: bool


@dataclass
class CourseView:
    course_id: int
    indication: str
    protocol: str
    status: str
    planned_at: dt.datetime
    infusion_dates: list[dt.datetime]  # complete infusions (the ones counted)
    outcomes: list[CourseOutcome]
    trajectories: dict[str, list[Point]] = field(default_factory=dict)
    signals: list[Signal] = field(default_factory=list)
    infusions: list[InfusionGiven] = field(default_factory=list)  # every infusion given
    protocol_name: str = ""  # what staff read for ``protocol`` (an id)

    @property
    def infusions_given(self) -> int:
        """Complete infusions: the ones the outcome analyses count."""
        return len(self.infusion_dates)

    @property
    def incomplete(self) -> list[InfusionGiven]:
        return [i for i in self.infusions if not i.complete]

    @property
    def primary(self) -> CourseOutcome | None:
        by = {o.instrument: o for o in self.outcomes}
        for key in PRIMARY_ORDER:
            if key in by:
                return by[key]
        return None


@dataclass
class PatientOutcomes:
    courses: list[CourseView]
    labs: dict[str, list[LabResult]]
    consents: list[ConsentRecord]
    # every rating scale the patient has scores on (PEG, PCL-5, CADSS, ... as well as the four
    # the outcome engine counts), the most recently used first
    scales: list[Trajectory] = field(default_factory=list)

    @property
    def current(self) -> CourseView | None:
        return self.courses[-1] if self.courses else None

    @property
    def infusion_dates(self) -> list[dt.datetime]:
        """Every infusion given (complete or not), for the charts' markers."""
        return sorted(i.started_at for c in self.courses for i in c.infusions)

    @property
    def course_start(self) -> dt.datetime | None:
        """The first infusion of the current course: each scale's last score before it is the
        baseline (:func:`baseline_course_start`)."""
        return baseline_course_start(self.courses)


def baseline_course_start(courses: list[CourseView]) -> dt.datetime | None:
    """The first infusion of the latest course (``courses`` oldest first), or None before any:
    every view of a patient's scales (chart, report, decision support) takes each scale's
    baseline as its last score before it, as the outcome analyses count it."""
    current = courses[-1] if courses else None
    return current.infusions[0].started_at if current and current.infusions else None


def _signals(course: CourseView) -> list[Signal]:
    o = course.primary
    if o is None or not o.included:
        return []
    label = DEFAULT_REMISSION_CUTOFFS[o.instrument].label
    out: list[Signal] = []
    review = CRITERIA.early_review_infusion
    if o.early_non_response:
        out.append(
            Signal(
                "early_non_response",
                "warning",
                f"Early non-response: review whether to continue (after infusion {review})",
                f"{label} improved {100 * (o.review_improvement or 0):.0f}% from baseline "
                f"{o.baseline:g} at infusion {review}, below the "
                f"{100 * CRITERIA.early_min_improvement:.0f}% that predicts a useful course.",
                EARLY_SOURCE,
            )
        )
    elif (
        o.early_non_response is None
        and course.infusions_given >= review
        and o.first_response_infusion is None
    ):
        out.append(
            Signal(
                "review_due",
                "info",
                f"No {label} rating after infusion {review}",
                f"Infusion {review} is the review point; record a rating before deciding "
                "whether to continue.",
                EARLY_SOURCE,
            )
        )
    if o.relapsed:
        out.append(
            Signal(
                "relapse",
                "warning",
                "Relapse signal after response: consider a booster review",
                f"Responded at infusion {o.first_response_infusion}; a later {label} rating no "
                f"longer met the response criterion ({o.days_to_relapse:g} days after the first "
                "response). A physician decides whether a booster infusion is indicated; "
                "nothing has been ordered.",
                "Relapse = loss of the response criterion after response; Phillips 2019 and "
                "McInnes 2022 report relapse as time to loss of response",
            )
        )
    elif o.responded:
        remission = " and in remission" if o.remitted else ""
        out.append(
            Signal(
                "responding",
                "ok",
                f"Responding{remission}",
                f"Last {label} {o.endpoint_score:g} against baseline {o.baseline:g} "
                f"(improvement {100 * (o.endpoint_improvement or 0):.0f}%).",
            )
        )
    return out


def patient_outcomes(actor: Actor, patient: Patient) -> PatientOutcomes:
    """Everything the chart card and the progress report show (a few small queries)."""
    actor.require(Action.CLINICAL_VIEW)
    ds = build_dataset(patient.organization_id, CRITERIA, patient_id=patient.pk)
    c, r = ds.courses, ds.rated_rows()
    outcomes = course_outcomes(score_table(c, r), CRITERIA) if r.score.size else ()
    infusions: dict[int, list[InfusionGiven]] = {}
    given = (
        InfusionSession.objects.filter(patient=patient, started_at__isnull=False)
        .exclude(state__in=GIVEN_STATES_EXCLUDED)
        .order_by("started_at")
        .values_list(
            "course_id",
            "started_at",
            "delivered_ml",
            "delivered_mg",
            "order__volume_ml",
            "order__dose_mg",
        )
    )
    for course_id, started, delivered_ml, delivered_mg, ordered_ml, ordered_mg in given:
        if started is None:  # never: the query keeps started sessions only
            continue
        share = delivered_ml / ordered_ml if delivered_ml is not None and ordered_ml else None
        infusions.setdefault(course_id, []).append(
            InfusionGiven(
                started_at=started,
                ordered_mg=ordered_mg,
                delivered_mg=delivered_mg,
                share=share,
                complete=counts_as_complete(delivered_ml, ordered_ml),
            )
        )
    protocol_names = {
        course.pk: course.protocol_name
        for course in TreatmentCourse.objects.filter(patient=patient).select_related(
            "library_version"
        )
    }
    courses: list[CourseView] = []
    for i, course_id in enumerate(c.course_id.tolist()):
        view = CourseView(
            course_id=course_id,
            indication=str(c.indication[i]),
            protocol=str(c.protocol[i]),
            status=str(c.status[i]),
            planned_at=_when(float(c.planned_day[i])),
            infusion_dates=[i.started_at for i in infusions.get(course_id, []) if i.complete],
            outcomes=[o for o in outcomes if o.course_id == str(course_id)],
            infusions=infusions.get(course_id, []),
            protocol_name=protocol_names.get(course_id, str(c.protocol[i])),
        )
        mine = np.flatnonzero(r.course_index == i)
        for j in mine[np.argsort(r.time_point_days[mine], kind="stable")]:
            view.trajectories.setdefault(str(r.instrument[j]), []).append(
                Point(
                    _when(float(r.time_point_days[j])),
                    float(r.score[j]),
                    int(r.infusion_number[j]),
                )
            )
        view.signals = _signals(view)
        courses.append(view)
    courses.sort(key=lambda v: v.planned_at)
    labs: dict[str, list[LabResult]] = {}
    for result in LabResult.objects.filter(patient=patient).order_by("collected_at", "id"):
        labs.setdefault(result.analyte, []).append(result)
    consents = list(
        ConsentRecord.objects.filter(patient=patient)
        .select_related("sheet_version", "witnessed_by")
        .order_by("-signed_at", "-id")
    )
    scales = patient_trajectories(actor, patient, course_start=baseline_course_start(courses))
    return PatientOutcomes(courses, labs, consents, scales)


def outcomes_card(actor: Actor, patient: Patient) -> dict[str, object]:
    """Context of the chart's outcomes card (``outcomes/_chart_card.html``); empty, so no card,
    for a role without Action.CLINICAL_VIEW."""
    if not actor.may(Action.CLINICAL_VIEW):
        return {}
    po = patient_outcomes(actor, patient)
    return {
        "po": po,
        "lab_spec": lab_trend_figure(po),
        "signal_scales": " or ".join(SCALE_LABELS.values()),
        "may": {
            "lab": actor.may(Action.LAB_RECORD),
            "consent": actor.may(Action.CONSENT_RECORD),
            "report": actor.may(Action.REPORT_EXPORT),
        },
    }


def card_course_start(card: Mapping[str, object]) -> dt.datetime | None:
    """The baseline's course start (:attr:`PatientOutcomes.course_start`) of an
    :func:`outcomes_card`, so the chart's own trajectories take the report's baseline; None for
    an empty card."""
    po = card.get("po")
    return po.course_start if isinstance(po, PatientOutcomes) else None
