"""Building courses, infusions and ratings directly in the database for the outcomes tests.

Rows are inserted with the ORM (not through the infusion workflow) so a test can state exactly
which infusion started when and what each rating was; the outcomes code only reads them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import Decimal

from django.utils import timezone

from kitclinic.assessments.models import Assessment
from kitclinic.infusions.models import (
    AdverseEvent,
    Appointment,
    Chair,
    InfusionOrder,
    InfusionSession,
    SessionScore,
    TreatmentCourse,
    VitalSign,
)
from kitclinic.infusions.services.library import library_install_default
from kitclinic.outcomes import summary
from kitclinic.outcomes.data import dataset
from kitclinic.outcomes.selectors.dashboard import Dashboard, OutcomeFilter, summarize

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def day(n: float, hours: float = 0.0) -> dt.datetime:
    return T0 + dt.timedelta(days=n, hours=hours)


def make_course(
    patient,
    *,
    clinician,
    indication: str = "depression",
    protocol: str = "standard",
    planned_at: dt.datetime = T0,
    status: str = "induction",
) -> TreatmentCourse:
    library = library_install_default(organization_id=patient.organization_id)
    return TreatmentCourse.objects.create(
        patient=patient,
        clinic=patient.home_clinic,
        indication=indication,
        library_version=library,
        protocol_id=protocol,
        planned_infusions=6,
        status=status,
        planned_by=clinician,
        planned_at=planned_at,
        status_changed_at=planned_at,
    )


def give_infusion(
    course: TreatmentCourse,
    number: int,
    started_at: dt.datetime,
    *,
    state: str = "signed",
    pre_sbp: int | None = None,
    max_sbp: int | None = None,
    cadss: float | None = None,
    adverse_events: int = 0,
    delivered_share: str | None = None,
) -> InfusionSession:
    """A session given at ``started_at``; with ``delivered_share`` it has a 35 mL order and
    stopped after delivering that share of it (stored as the stop stores it)."""
    chair, _ = Chair.objects.get_or_create(clinic=course.clinic, name="Chair 1")
    appointment = Appointment.objects.create(
        course=course,
        patient=course.patient,
        clinic=course.clinic,
        chair=chair,
        starts_at=started_at,
        ends_at=started_at + dt.timedelta(hours=2),
        infusion_minutes=40,
        recovery_minutes=60,
        booked_by=course.planned_by,
        booked_at=started_at - dt.timedelta(days=1),
    )
    session = InfusionSession.objects.create(
        appointment=appointment,
        course=course,
        patient=course.patient,
        clinic=course.clinic,
        number=number,
        state="running",
        started_at=started_at,
        ended_at=started_at + dt.timedelta(minutes=40),
        created_at=started_at - dt.timedelta(days=1),
    )
    user = course.planned_by
    if pre_sbp is not None:
        VitalSign.objects.create(
            session=session,
            slot_minute=0,
            taken_at=started_at,
            sbp=pre_sbp,
            dbp=80,
            hr=70,
            rr=14,
            spo2=98,
            recorded_by=user,
        )
    if max_sbp is not None:
        for minute, sbp in ((15, max_sbp - 5), (30, max_sbp)):
            VitalSign.objects.create(
                session=session,
                slot_minute=minute,
                taken_at=started_at + dt.timedelta(minutes=minute),
                sbp=sbp,
                dbp=85,
                hr=75,
                rr=14,
                spo2=98,
                recorded_by=user,
            )
    if cadss is not None:
        SessionScore.objects.create(
            session=session,
            kind="cadss",
            instrument="cadss",
            total=Decimal(str(cadss)),
            taken_at=started_at + dt.timedelta(minutes=40),
            recorded_by=user,
        )
    for _ in range(adverse_events):
        AdverseEvent.objects.create(
            session=session,
            occurred_at=started_at + dt.timedelta(minutes=20),
            recorded_by=user,
            description="Nausea",
            severity="mild",
            action_taken="Observed",
        )
    if delivered_share is not None:
        ordered = Decimal(35)
        InfusionOrder.objects.create(
            session=session,
            ordered_by=user,
            ordered_at=started_at - dt.timedelta(minutes=10),
            library_version=course.library_version,
            protocol_id="depression-standard",
            weight_kg=Decimal(70),
            dose=Decimal("0.5"),
            dose_unit="mg/kg",
            duration_min=Decimal(40),
            concentration_mg_per_ml=Decimal(1),
            dose_mg=ordered,
            dose_mg_per_kg=Decimal("0.5"),
            rate_mg_per_h=Decimal("52.5"),
            rate_ml_per_h=Decimal("52.5"),
            rate_mg_per_kg_per_h=Decimal("0.75"),
            volume_ml=ordered,
            status="ok",
            findings=[],
        )
        delivered = (ordered * Decimal(delivered_share)).quantize(Decimal("0.001"))
        InfusionSession.objects.filter(pk=session.pk).update(
            delivered_ml=delivered, delivered_mg=delivered
        )
    if state != "running":
        InfusionSession.objects.filter(pk=session.pk).update(state=state)
    return session


def rate(patient, instrument: str, when: dt.datetime, total: float) -> Assessment:
    return Assessment.objects.create(
        patient=patient,
        clinic=patient.home_clinic,
        instrument=instrument,
        answers=[],
        administered_at=when,
        mode="in_clinic",
        total=Decimal(str(total)),
        recorded_at=timezone.now(),
    )


def course_with_scores(
    patient,
    *,
    clinician,
    scores: list[float],
    instrument: str = "phq9",
    indication: str = "depression",
    protocol: str = "standard",
    start: float = 0.0,
    every_days: float = 3.0,
) -> TreatmentCourse:
    """Baseline ``scores[0]`` the day before infusion 1, then ``scores[k]`` the day after
    infusion k (infusions every ``every_days`` days from day ``start``)."""
    course = make_course(
        patient,
        clinician=clinician,
        indication=indication,
        protocol=protocol,
        planned_at=day(start - 7),
    )
    rate(patient, instrument, day(start - 1), scores[0])
    for k, score in enumerate(scores[1:], start=1):
        give_infusion(course, k, day(start + (k - 1) * every_days))
        rate(patient, instrument, day(start + (k - 1) * every_days + 1), score)
    return course


FILTERS = [
    OutcomeFilter("phq9"),
    OutcomeFilter("gad7"),
    OutcomeFilter("phq9", indication="depression"),
    OutcomeFilter("phq9", protocol="accelerated"),
    OutcomeFilter("phq9", date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 3, 31)),
]


def _same(a: object, b: object, path: str = "") -> None:
    """Field-by-field equality; floats to 1e-9 (a mean of sums may differ in the last bit)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            if f.name == "build_seconds":
                continue
            _same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path  # type: ignore[arg-type]
        for i, (x, y) in enumerate(zip(a, b, strict=True)):  # type: ignore[call-overload]
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (path, a, b)
    else:
        assert a == b, (path, a, b)


def assert_dashboards_match_the_engine(organization_id: int) -> list[Dashboard]:
    engine = dataset.build_dataset(organization_id)
    summarized = summary.read(organization_id)
    boards = []
    for flt in FILTERS:
        expected = summarize(engine, flt, names={})
        got = summarize(summarized, flt, names={})
        _same(got, expected, flt.instrument)
        boards.append(got)
    return boards
