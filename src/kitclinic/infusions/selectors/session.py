"""The session page: everything it shows, read in a fixed number of queries (audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_record
from kitclinic.dosing import Protocol
from kitclinic.dosing.pump import Delivery
from kitclinic.infusions.delivery import session_delivery
from kitclinic.infusions.models import (
    Addendum,
    AdverseEvent,
    CheckInCorrection,
    InfusionOrder,
    InfusionSession,
    ReturnedOrder,
    SessionEvent,
    SessionScore,
    VitalSign,
)
from kitclinic.infusions.selectors.chart import session_chart
from kitclinic.infusions.selectors.common import minutes_between, related_or_none
from kitclinic.infusions.selectors.nasal import NasalDetail, nasal_detail
from kitclinic.infusions.selectors.timeline import (
    TimelineEntry,
    session_timeline,
    ways_out_timeline,
)
from kitclinic.infusions.services.corrections import EffectiveCheckIn, effective_check_in
from kitclinic.infusions.states import SessionState
from kitclinic.infusions.vitals import schedule_minutes
from kitclinic.lib.charts import Figure
from kitclinic.patients.models import Patient
from kitclinic.patients.validators import age_years


@dataclass(frozen=True)
class SlotView:
    minute: int
    phase: str
    due_at: dt.datetime | None
    reading: Any
    overdue: bool


@dataclass
class SessionDetail:
    session: InfusionSession
    patient: Patient
    protocol: Protocol
    check_in: Any
    order: InfusionOrder | None
    double_check: Any
    discharge: Any
    events: list[Any]
    vitals: list[Any]
    scores: list[Any]
    adverse_events: list[Any]
    addenda: list[Any]
    slots: list[SlotView]
    next_slot: SlotView | None
    current_rate_ml_per_h: Decimal | None
    timeline: list[TimelineEntry]
    alerts: list[dict[str, Any]]
    chart: Figure | None
    age_y: int
    findings: list[dict[str, Any]] = field(default_factory=list)
    # corrections of the check-in, oldest first; the effective check-in is the latest's values
    check_in_corrections: list[Any] = field(default_factory=list)
    effective_check_in: EffectiveCheckIn | None = None
    # what the pump delivered up to now (None before an order)
    delivery: Delivery | None = None
    # orders sent back or withdrawn before the start, oldest first (kept in the record)
    returned_orders: list[Any] = field(default_factory=list)
    # an esketamine nasal-spray session's own part (None for an infusion)
    nasal: NasalDetail | None = None

    @property
    def open_slot_minutes(self) -> list[int]:
        """The vitals slots after the start not recorded yet (minutes from the start)."""
        return [s.minute for s in self.slots if s.reading is None and s.minute > 0]


def session_detail(actor: Actor, session: InfusionSession) -> SessionDetail:
    """Everything the session page shows, in a fixed number of queries; the view is audited (at
    the session's clinic, with the role held there)."""
    actor = actor.require_at(session.clinic_id, Action.CLINICAL_VIEW)
    session = (
        InfusionSession.objects.select_related(
            "patient",
            "course",
            "course__library_version",
            "appointment",
            "appointment__chair",
            "appointment__status_changed_by",
            "signed_by",
            "check_in",
            "check_in__checked_in_by",
            "check_in__gate_override_by",
            "check_in__consent__sheet_version",
            "order",
            "order__ordered_by",
            "order__library_version",
            "double_check",
            "double_check__checked_by",
            "discharge",
            "discharge__discharged_by",
        )
        .prefetch_related(
            Prefetch("events", queryset=SessionEvent.objects.select_related("recorded_by")),
            Prefetch("vitals", queryset=VitalSign.objects.select_related("recorded_by")),
            Prefetch("scores", queryset=SessionScore.objects.select_related("recorded_by")),
            Prefetch("adverse_events", queryset=AdverseEvent.objects.select_related("recorded_by")),
            Prefetch("addenda", queryset=Addendum.objects.select_related("author")),
            Prefetch(
                "check_in_corrections",
                queryset=CheckInCorrection.objects.select_related("corrected_by"),
            ),
            Prefetch(
                "returned_orders",
                queryset=ReturnedOrder.objects.select_related("returned_by", "ordered_by"),
            ),
        )
        .get(pk=session.pk)
    )
    check_in, order = related_or_none("check_in", session), related_or_none("order", session)
    double_check, discharge = (
        related_or_none("double_check", session),
        related_or_none("discharge", session),
    )
    events = list(session.events.all())
    vitals = list(session.vitals.all())
    scores = list(session.scores.all())
    adverse = list(session.adverse_events.all())
    addenda = list(session.addenda.all())
    corrections = list(session.check_in_corrections.all())
    effective = effective_check_in(check_in, corrections) if check_in is not None else None
    returned = list(session.returned_orders.all())
    version = order.library_version if order else session.course.library_version
    protocol = version.library().protocol(
        order.protocol_id if order else session.course.protocol_id
    )
    age = age_years(session.patient.date_of_birth, on=timezone.localdate())
    now = timezone.now()
    slots: list[SlotView] = []
    next_slot = None
    if order is not None:
        end_minute = (
            round(minutes_between(session.started_at, session.ended_at))
            if session.started_at and session.ended_at
            else None
        )
        until = (end_minute or int(order.duration_min)) + session.appointment.recovery_minutes
        by_minute = {v.slot_minute: v for v in vitals}
        active = session.state in (
            SessionState.RUNNING,
            SessionState.PAUSED,
            SessionState.RECOVERING,
        )
        planned = schedule_minutes(protocol, order.duration_min, end_minute, until)
        if protocol.nasal is not None:
            # the dosing takes minutes, not an infusion: no vitals slots during it (the blood
            # pressure before and after dosing are the nasal steps')
            planned = [(m, phase) for m, phase in planned if phase != "infusion" or m == 0]
        # a reading off the plan (an early stop moves the plan) is still shown in its place
        known = {m for m, _ in planned}
        end = end_minute if end_minute is not None else int(order.duration_min)
        planned += [
            (m, "infusion" if m <= end else "recovery") for m in by_minute if m not in known
        ]
        for minute, phase in sorted(planned):
            due = session.started_at + dt.timedelta(minutes=minute) if session.started_at else None
            reading = by_minute.get(minute)
            overdue = bool(active and reading is None and due is not None and due < now)
            slots.append(SlotView(minute, phase, due, reading, overdue))
        if active:
            next_slot = next((s for s in slots if s.reading is None and s.minute > 0), None)
    current_rate = None
    if order is not None:
        rates = [e.rate_ml_per_h for e in events if e.rate_ml_per_h is not None]
        current_rate = rates[-1] if rates else order.rate_ml_per_h
    latest = max((v for v in vitals if v.slot_minute > 0), key=lambda v: v.taken_at, default=None)
    active = session.state in (SessionState.RUNNING, SessionState.PAUSED, SessionState.RECOVERING)
    # the banner shows the latest reading's alerts while the patient is in the chair
    alerts = list(latest.alerts) if latest is not None and active else []
    # the gate's failures stand until the order answers them (a reason each, co-signed at the
    # double check)
    if effective is not None and order is None and effective.gate_findings():
        alerts = [*effective.gate_failures, *alerts]
    read_record(actor, session.patient_id, session)
    nasal = nasal_detail(session, protocol, order)
    return SessionDetail(
        session=session,
        patient=session.patient,
        protocol=protocol,
        check_in=check_in,
        order=order,
        double_check=double_check,
        discharge=discharge,
        events=events,
        vitals=vitals,
        scores=scores,
        adverse_events=adverse,
        addenda=addenda,
        slots=slots,
        next_slot=next_slot,
        current_rate_ml_per_h=current_rate,
        timeline=sorted(
            session_timeline(
                session,
                check_in,
                order,
                double_check,
                discharge,
                events,
                vitals,
                scores,
                adverse,
                addenda,
                corrections,
            )
            + ways_out_timeline(session, returned),
            key=lambda e: e.at,
        ),
        alerts=alerts,
        # no pump and no concentration model for the nasal route: no chart of either
        chart=None if nasal is not None else session_chart(session, order, events, vitals, age),
        age_y=age,
        findings=list(order.findings) if order else [],
        check_in_corrections=corrections,
        effective_check_in=effective,
        delivery=(
            session_delivery(order, events, session.ended_at or now)
            if order and nasal is None
            else None
        ),
        returned_orders=returned,
        nasal=nasal,
    )
