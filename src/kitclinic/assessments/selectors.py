"""Reads of the assessments app: the chart's trajectories, the alert queue, the dashboard list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.assessments.charts import trajectory_figure
from kitclinic.assessments.models import (
    AlertStatus,
    Assessment,
    AssessmentSchedule,
    SafetyAlert,
)
from kitclinic.instruments import get_instrument
from kitclinic.instruments.outcomes import fraction_improvement, is_remission, is_response
from kitclinic.lib.charts import Figure
from kitclinic.lib.listing import Column, ListPage, ListSpec, list_page
from kitclinic.patients.models import Patient


@dataclass
class Trajectory:
    """One scale's assessments of a patient, oldest first, with its reference lines."""

    instrument_id: str
    name: str
    maximum: int
    assessments: list[Assessment]
    baseline: Assessment
    bands: list[tuple[str, str, float, float]]  # (key, label, low, high)
    response_level: float | None  # total at which the fall from baseline reaches "response"
    response_text: str
    remission_level: float | None
    remission_rule: str  # the total that counts as remission, e.g. "< 5"
    remission_text: str
    figure: Figure | None = None  # the chart (kitclinic.lib.charts), set once built

    @property
    def latest(self) -> Assessment:
        return self.assessments[-1]

    @property
    def improvement(self) -> float | None:
        """The fall from baseline to the latest total, as a share of the baseline (negative:
        worse); None with a baseline of 0 or a single score."""
        if len(self.assessments) < 2:
            return None
        fraction = fraction_improvement(
            self.instrument_id, float(self.baseline.total), float(self.latest.total)
        )
        return None if fraction is None else float(fraction)

    @property
    def change_percent(self) -> int | None:
        """The change from baseline to the latest total in whole percent (negative: a fall)."""
        return None if self.improvement is None else -round(100 * self.improvement)

    @property
    def responded(self) -> bool | None:
        """Whether the latest total meets the scale's response criterion (None: the scale
        defines none, or a single score)."""
        if self.response_level is None or len(self.assessments) < 2:
            return None
        return is_response(self.instrument_id, float(self.baseline.total), float(self.latest.total))

    @property
    def remitted(self) -> bool | None:
        """Whether the latest total is in the scale's remission range (None: none defined)."""
        if self.remission_level is None:
            return None
        return is_remission(self.instrument_id, float(self.latest.total))

    @property
    def newest_first(self) -> list[Assessment]:
        return self.assessments[::-1]


@dataclass(frozen=True)
class FlaggedAssessment:
    """An assessment of the chart whose alert is not acknowledged yet."""

    assessment: Assessment
    alert_id: int
    status: str  # AlertStatus value
    status_label: str
    clinic_name: str  # the alert's clinic
    elsewhere: bool  # raised at another clinic than the acting one
    may_acknowledge: bool  # the actor holds a role at the alert's clinic that may acknowledge


@dataclass
class AssessmentsSection:
    trajectories: list[Trajectory]
    flagged: list[FlaggedAssessment]  # newest first
    may: dict[str, bool] = field(default_factory=dict)
    # False for a role without Action.CLINICAL_VIEW: no trajectory, no flagged assessment, only
    # whether clinical follow-up is pending (an open safety alert at any clinic)
    clinical: bool = True
    follow_up_pending: bool = False


def _bands(instrument_id: str, settings: dict[str, Any]) -> list[tuple[str, str, float, float]]:
    inst = get_instrument(instrument_id)
    if not inst.band_schemes:
        return []
    key = settings.get("band_scheme", inst.band_schemes[0].key)
    scheme = next((s for s in inst.band_schemes if s.key == key), inst.band_schemes[0])
    return [(b.key, b.label, b.low, b.high) for b in scheme.bands]


def _trajectory(
    instrument_id: str, rows: list[Assessment], course_start: dt.datetime | None = None
) -> Trajectory:
    inst = get_instrument(instrument_id)
    # Baseline: the first score; given the first infusion of the course, the last score before
    # it ([kitclinic-workflow], follow-up), as the outcome analyses count it.
    before = [r for r in rows if course_start is not None and r.administered_at <= course_start]
    baseline = before[-1] if before else rows[0]
    base = float(baseline.total)
    response_level = None
    response_text = ""
    if inst.response is not None and base > 0:
        fraction = float(inst.response.min_fraction)
        response_level = round(base * (1 - fraction), 2)
        response_text = f"Response: ≥{fraction:.0%} fall from baseline {baseline.total_value}"
    remission_level = None
    remission_rule = remission_text = ""
    if inst.remission is not None:
        remission_level = float(inst.remission.threshold)
        remission_rule = f"{inst.remission.comparison} {inst.remission.threshold}"
        remission_text = f"Remission: total {remission_rule}"
    return Trajectory(
        instrument_id=instrument_id,
        name=inst.name,
        maximum=inst.maximum,
        assessments=rows,
        baseline=baseline,
        bands=_bands(instrument_id, rows[-1].scoring_settings or {}),
        response_level=response_level,
        response_text=response_text,
        remission_level=remission_level,
        remission_rule=remission_rule,
        remission_text=remission_text,
    )


def _trajectories(
    rows: Sequence[Assessment], course_start: dt.datetime | None = None
) -> list[Trajectory]:
    """One trajectory per scale of ``rows`` (oldest first), the most recently used scale first;
    ``course_start``: the first infusion of the course the baselines are taken for."""
    by_instrument: dict[str, list[Assessment]] = {}
    for row in rows:
        by_instrument.setdefault(row.instrument, []).append(row)
    order = sorted(by_instrument, key=lambda i: by_instrument[i][-1].administered_at, reverse=True)
    return [
        _trajectory(instrument_id, by_instrument[instrument_id], course_start)
        for instrument_id in order
    ]


def patient_trajectories(
    actor: Actor, patient: Patient, *, course_start: dt.datetime | None = None
) -> list[Trajectory]:
    """Every scale the patient has been rated on (whichever they are: the progress report and
    the decision support show each), without figures: the caller draws them. One query.
    ``course_start``: the first infusion of the course, whose last score before it is each
    scale's baseline (else the first score)."""
    actor.require(Action.CLINICAL_VIEW)
    rows = Assessment.objects.filter(patient=patient).select_related("administered_by")
    return _trajectories(list(rows.order_by("administered_at", "id")), course_start)


def patient_assessments(
    actor: Actor, patient: Patient, *, course_start: dt.datetime | None = None
) -> AssessmentsSection:
    """The chart's assessments section in one query, whatever the number of assessments: each
    row carries its unacknowledged alert (if any) as annotations. ``course_start``: the first
    infusion of the current course, whose last score before it is each scale's baseline, as
    in the progress report (else the first score).

    A role without Action.CLINICAL_VIEW (the front desk) gets no score, answer, scale or alert
    wording: only whether clinical follow-up is pending (one query).

    The caller has fetched ``patient`` through access_patient (and audited the chart view)."""
    actor.require(Action.PATIENT_VIEW)
    may = {
        "record": actor.may(Action.ASSESSMENT_RECORD),
        "issue_link": actor.may(Action.SELF_REPORT_LINK_ISSUE),
        "schedule": actor.may(Action.ASSESSMENT_SCHEDULE_EDIT),
        "acknowledge": actor.may(Action.ALERT_ACKNOWLEDGE),
    }
    if not actor.may(Action.CLINICAL_VIEW):
        pending = (
            SafetyAlert.objects.filter(patient=patient)
            .exclude(status=AlertStatus.ACKNOWLEDGED)
            .exists()
        )
        return AssessmentsSection(
            trajectories=[], flagged=[], may=may, clinical=False, follow_up_pending=pending
        )
    open_alerts = SafetyAlert.objects.filter(assessment=OuterRef("pk")).exclude(
        status=AlertStatus.ACKNOWLEDGED
    )
    rows = list(
        Assessment.objects.filter(patient=patient)
        .select_related("administered_by")
        .annotate(
            open_alert_id=Subquery(open_alerts.order_by("id").values("id")[:1]),
            open_alert_status=Subquery(open_alerts.order_by("id").values("status")[:1]),
            open_alert_at=Subquery(open_alerts.order_by("id").values("created_at")[:1]),
            open_alert_clinic_id=Subquery(open_alerts.order_by("id").values("clinic_id")[:1]),
            open_alert_clinic=Subquery(open_alerts.order_by("id").values("clinic__name")[:1]),
        )
        .order_by("administered_at", "id")
    )
    # The chart is the organization's: every clinic's open alerts are shown (a flag raised at one
    # clinic matters at the next), each acknowledged with a role at its own clinic.
    may_acknowledge = actor.clinic_ids_where(Action.ALERT_ACKNOWLEDGE)
    flagged = [
        FlaggedAssessment(
            assessment=row,
            alert_id=row.open_alert_id,
            status=row.open_alert_status,
            status_label=AlertStatus(row.open_alert_status).label,
            clinic_name=row.open_alert_clinic,
            elsewhere=row.open_alert_clinic_id != actor.membership.clinic_id,
            may_acknowledge=row.open_alert_clinic_id in may_acknowledge,
        )
        for row in reversed(rows)
        if row.open_alert_id is not None
    ]
    trajectories = _trajectories(rows, course_start)
    for trajectory in trajectories:
        trajectory.figure = trajectory_figure(trajectory)
    return AssessmentsSection(
        trajectories=trajectories,
        flagged=flagged,
        may=may,
        follow_up_pending=bool(flagged),
    )


@dataclass(frozen=True)
class RecordedNotice:
    """What staff are told once an assessment is recorded."""

    summary: str  # "PHQ-9 recorded: total 14 (Moderate)."
    alert: str  # a warning when the answers raised a safety alert, else ""


def recorded_notice(assessment: Assessment) -> RecordedNotice:
    name = get_instrument(assessment.instrument).name
    severity = f" ({assessment.severity_label})" if assessment.severity_label else ""
    alert = ""
    if assessment.alerts.exists():
        alert = "Safety alert raised: see the alerts on this chart."
    return RecordedNotice(
        summary=f"{name} recorded: total {assessment.total_value}{severity}.", alert=alert
    )


def crisis_text_first(assessment: Assessment) -> bool:
    """After a self-report with a flagged answer the patient sees the crisis resources first,
    above the thanks; otherwise they are shown quietly below it."""
    return bool(assessment.flags)


def care_team_alerted(assessment: Assessment) -> bool:
    """Whether the answers raised a safety alert the care team must acknowledge: only then is
    the patient told the team has been alerted (a flag that raises no alert, such as a score
    above a screening cut-off, is not an alert)."""
    return assessment.alerts.exists()


def _clinic_alerts(actor: Actor) -> QuerySet[SafetyAlert]:
    return SafetyAlert.objects.filter(
        clinic_id=actor.membership.clinic_id, patient__organization_id=actor.organization_id
    )


def open_alerts(actor: Actor) -> QuerySet[SafetyAlert]:
    """Unacknowledged alerts of the acting clinic, oldest first (escalated ones are still open).
    What an alert flagged is clinical content: roles without Action.CLINICAL_VIEW are refused
    (they see ``follow_up_pending`` instead)."""
    actor.require(Action.CLINICAL_VIEW)
    return (
        _clinic_alerts(actor)
        .exclude(status=AlertStatus.ACKNOWLEDGED)
        .select_related("patient", "assessment")
        .order_by("created_at", "id")
    )


def alert_queue(actor: Actor, *, limit: int = 200) -> list[SafetyAlert]:
    """The first ``limit`` of ``open_alerts``."""
    return list(open_alerts(actor)[:limit])


_OPEN_COLUMNS = (
    Column("raised", "Raised", ("created_at",)),
    Column("patient", "Patient", ("patient__family_name_key", "patient__given_name_key")),
    Column("alert", "Alert", ("flag", "created_at")),
    Column("status", "Status", ("status", "created_at")),
)
# The queue, oldest first; open alerts are few (each is acknowledged within the escalation
# time), the index (clinic, status, created_at) finds them.
OPEN_ALERT_LIST = ListSpec(columns=_OPEN_COLUMNS, default_sort="raised")
OPEN_ALERT_LIST_WITH_ACTION = ListSpec(
    columns=(*_OPEN_COLUMNS, Column("acknowledge", "Acknowledge")), default_sort="raised"
)
# Acknowledged alerts accumulate: newest first on the index (clinic, status, acknowledged_at, id).
ACKNOWLEDGED_ALERT_LIST = ListSpec(
    columns=(
        Column("acknowledged", "Acknowledged", ("acknowledged_at",), newest_first=True),
        Column("patient", "Patient", ("patient__family_name_key", "patient__given_name_key")),
        Column("alert", "Alert", ("flag", "acknowledged_at")),
        Column("by", "By"),
        Column("note", "Note"),
    ),
    default_sort="-acknowledged",
    page_size=20,
)
ACKNOWLEDGED_PREFIX = "acked_"


@dataclass(frozen=True)
class AlertQueue:
    open: ListPage[SafetyAlert]
    acknowledged: ListPage[SafetyAlert]

    def patient_ids(self) -> list[int]:
        return [a.patient_id for a in (*self.open.rows, *self.acknowledged.rows)]


def alert_queue_pages(actor: Actor, params: Mapping[str, Any], *, with_action: bool) -> AlertQueue:
    """The alert queue page: the open alerts and the acknowledged ones, each a list page of its
    own (the acknowledged list's parameters are prefixed ``acked_``). Four queries."""
    actor.require(Action.CLINICAL_VIEW)
    acknowledged = (
        _clinic_alerts(actor)
        .filter(status=AlertStatus.ACKNOWLEDGED)
        .select_related("patient", "acknowledged_by")
    )
    return AlertQueue(
        open=list_page(
            params,
            open_alerts(actor),
            OPEN_ALERT_LIST_WITH_ACTION if with_action else OPEN_ALERT_LIST,
        ),
        acknowledged=list_page(
            params, acknowledged, ACKNOWLEDGED_ALERT_LIST, prefix=ACKNOWLEDGED_PREFIX
        ),
    )


def active_schedules(actor: Actor, patient: Patient) -> list[AssessmentSchedule]:
    actor.require(Action.PATIENT_VIEW)
    return list(AssessmentSchedule.objects.filter(patient=patient, active=True))


def open_alert_count(actor: Actor) -> int:
    actor.require(Action.CLINICAL_VIEW)
    return _clinic_alerts(actor).exclude(status=AlertStatus.ACKNOWLEDGED).count()


def dashboard_alerts(actor: Actor, *, limit: int = 10) -> list[SafetyAlert]:
    """The dashboard's "Safety alerts" card: the oldest unacknowledged alerts (one query)."""
    return alert_queue(actor, limit=limit)


def follow_up_pending(actor: Actor, *, limit: int = 10) -> list[Patient]:
    """Patients with an open safety alert at the acting clinic, by oldest alert first: all that
    a role without Action.CLINICAL_VIEW is shown of them ("clinical follow-up pending"), with
    no scale, answer, score or flag (one query)."""
    actor.require(Action.PATIENT_VIEW)
    oldest = (
        _clinic_alerts(actor)
        .filter(patient=OuterRef("pk"))
        .exclude(status=AlertStatus.ACKNOWLEDGED)
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    return list(
        Patient.objects.filter(organization_id=actor.organization_id)
        .annotate(oldest_open_alert_at=Subquery(oldest))
        .filter(oldest_open_alert_at__isnull=False)
        .order_by("oldest_open_alert_at", "id")[:limit]
    )
