"""The library page: every figure of a protocol with its source, the versions, the chairs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.dosing import DrugLibrary, Limits, Protocol, SourcedValue
from kitclinic.dosing.library.diff import LibraryDiff, ProtocolRef, library_diff
from kitclinic.dosing.library.model import SourceKind
from kitclinic.infusions.models import Chair, DrugLibraryVersion, OpeningHours, TreatmentCourse
from kitclinic.infusions.models.library import LibraryStatus, library_fingerprint
from kitclinic.infusions.states import CourseStatus
from kitclinic.infusions.vitals import VITALS

OPEN_COURSE_STATUSES = (
    CourseStatus.PLANNED,
    CourseStatus.INDUCTION,
    CourseStatus.MAINTENANCE,
    CourseStatus.PAUSED,
)


@dataclass(frozen=True)
class LimitRow:
    quantity: str
    bound: str
    value: Decimal
    unit: str
    source: str
    is_clinic_setting: bool


def _row(quantity: str, bound: str, sv: SourcedValue | None, unit: str) -> list[LimitRow]:
    if sv is None:
        return []
    return [
        LimitRow(
            quantity=quantity,
            bound=bound,
            value=sv.value.normalize(),
            unit=unit,
            source=sv.source.label,
            is_clinic_setting=sv.source.kind is SourceKind.CLINIC_SETTING,
        )
    ]


def _limits(quantity: str, limits: Limits | None, unit: str) -> list[LimitRow]:
    if limits is None:
        return []
    rows: list[LimitRow] = []
    for bound in ("hard_min", "soft_min", "soft_max", "hard_max"):
        rows += _row(quantity, bound.replace("_", " "), getattr(limits, bound), unit)
    return rows


def protocol_rows(protocol: Protocol) -> list[LimitRow]:
    """Every figure of a protocol with its unit and its source (or clinic-setting reason)."""
    rows = _row("Default dose", "default", protocol.default_dose, protocol.dose_unit)
    rows += _row("Default duration", "default", protocol.default_duration_min, "min")
    rows += _limits("Dose", protocol.dose_limits, protocol.dose_unit)
    rows += _limits("Duration", protocol.duration_limits_min, "min")
    rows += _limits("Rate", protocol.rate_limits_mg_per_kg_per_h, "mg/kg/h")
    rows += _limits("Total dose per session", protocol.dose_limits_mg, "mg")
    for c in protocol.concentrations_mg_per_ml:
        rows += _row("Standard concentration", "allowed", c, "mg/mL")
    rows += _limits("Weight", protocol.weight_limits_kg, "kg")
    rows += _row("Weight change alert", "max fraction", protocol.weight_change_max_fraction, "")
    rows += _limits("Interval since last session", protocol.interval_limits_h, "h")
    rows += _limits("7-day cumulative dose", protocol.weekly_limits_mg_per_kg, "mg/kg")
    if protocol.course is not None:
        rows += _row("Course", "infusions", protocol.course.infusions, "")
        rows += _row("Course", "window", protocol.course.window_days, "days")
        rows += _row("Course", "max per week", protocol.course.max_per_week, "")
        rows += _row("Course", "review after infusion", protocol.course.review_after_infusion, "")
    rows += _row("Observation after the infusion", "minimum", protocol.min_observation_min, "min")
    rows += _row("Vitals", "every (infusion)", protocol.vitals_schedule.during_every_min, "min")
    rows += _row("Vitals", "every (recovery)", protocol.vitals_schedule.after_every_min, "min")
    for t in protocol.vitals_thresholds:
        change = "rise over baseline " if t.relative_to_baseline else ""
        _field, vital, unit = VITALS[t.vital.value]
        rows += _row(
            f"Vital-sign alert: {vital}",
            f"{change}{t.direction.value.replace('_', ' ')} → {t.action}",
            t.limit,
            unit,
        )
    return rows


@dataclass(frozen=True)
class LibraryOverview:
    active: DrugLibraryVersion | None
    versions: list[DrugLibraryVersion]


def library_overview(actor: Actor) -> LibraryOverview:
    actor.require(Action.PATIENT_VIEW)
    versions = list(
        DrugLibraryVersion.objects.filter(organization_id=actor.organization_id)
        .select_related("created_by", "approved_by")
        .order_by("-number")
    )
    active = next((v for v in versions if v.status == LibraryStatus.APPROVED), None)
    return LibraryOverview(active=active, versions=versions)


def clinic_chairs(actor: Actor) -> list[Chair]:
    """The acting clinic's chairs, active ones first."""
    actor.require(Action.PATIENT_VIEW)
    return list(
        Chair.objects.filter(clinic_id=actor.membership.clinic_id).order_by("-is_active", "name")
    )


def active_chairs(actor: Actor) -> list[Chair]:
    """The acting clinic's chairs that may be booked."""
    return list(Chair.objects.filter(clinic_id=actor.membership.clinic_id, is_active=True))


@dataclass(frozen=True)
class LibraryReview:
    """A draft next to the active version: what approving it would change."""

    version: DrugLibraryVersion
    active: DrugLibraryVersion | None
    diff: LibraryDiff
    fingerprint: str
    # removed protocol id -> courses not yet finished that were planned on it
    open_courses_on_removed: dict[str, int]

    @property
    def removed_with_courses(self) -> list[tuple[ProtocolRef, int]]:
        return [(p, self.open_courses_on_removed.get(p.id, 0)) for p in self.diff.removed]


def library_review(actor: Actor, version: DrugLibraryVersion) -> LibraryReview:
    """The difference between ``version`` (a draft) and the organization's active version."""
    actor.require(Action.PATIENT_VIEW)
    active = (
        DrugLibraryVersion.objects.filter(
            organization_id=actor.organization_id, status=LibraryStatus.APPROVED
        )
        .select_related("approved_by")
        .first()
    )
    baseline = active.library() if active else DrugLibrary(version="", drug="", protocols=())
    diff = library_diff(baseline, version.library())
    removed = [p.id for p in diff.removed]
    counts: dict[str, int] = dict.fromkeys(removed, 0)
    if removed:
        for row in (
            TreatmentCourse.objects.filter(
                patient__organization_id=actor.organization_id,
                protocol_id__in=removed,
                status__in=[s.value for s in OPEN_COURSE_STATUSES],
            )
            .values("protocol_id")
            .annotate(n=Count("id"))
        ):
            counts[row["protocol_id"]] = row["n"]
    return LibraryReview(
        version=version,
        active=active,
        diff=diff,
        fingerprint=library_fingerprint(version, active),
        open_courses_on_removed=counts,
    )


def open_draft(actor: Actor) -> DrugLibraryVersion | None:
    """The organization's newest draft, if any."""
    actor.require(Action.PATIENT_VIEW)
    return (
        DrugLibraryVersion.objects.filter(
            organization_id=actor.organization_id, status=LibraryStatus.DRAFT
        )
        .select_related("created_by", "sent_back_by")
        .order_by("-number")
        .first()
    )


def opening_hours(clinic_id: int) -> list[OpeningHours]:
    """The clinic's opening hours, one row per open weekday."""
    return list(OpeningHours.objects.filter(clinic_id=clinic_id))
