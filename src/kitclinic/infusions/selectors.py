"""Reading the infusion record: the library page, the clinic day, the session page (audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.utils import timezone

from kitclinic import pharmacology as pk
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_record
from kitclinic.dosing import Limits, Protocol, SourcedValue
from kitclinic.dosing.library.model import SourceKind
from kitclinic.dosing.pump import Delivery
from kitclinic.infusions.charts import session_figure
from kitclinic.infusions.delivery import (
    STOP_REASON_LABELS,
    counts_as_complete,
    remainder_outstanding_mg,
    session_delivery,
)
from kitclinic.infusions.models import (
    Addendum,
    AdverseEvent,
    Appointment,
    Chair,
    CheckInCorrection,
    DrugLibraryVersion,
    EventKind,
    InfusionOrder,
    InfusionSession,
    ReturnedOrder,
    ReturnKind,
    SessionEvent,
    SessionScore,
    TreatmentCourse,
    VitalSign,
)
from kitclinic.infusions.models.courses import AppointmentStatus
from kitclinic.infusions.services.corrections import EffectiveCheckIn, effective_check_in
from kitclinic.infusions.services.orders import PK_MODEL
from kitclinic.infusions.services.sessions import age_years
from kitclinic.infusions.states import NEXT_STEP, STEP_WORDS, SessionState, Step
from kitclinic.infusions.vitals import schedule_minutes
from kitclinic.lib.charts import Figure
from kitclinic.patients.models import Patient

# ---------------------------------------------------------------------------- library page


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
        rows += _row(
            f"Alert {t.code}",
            f"{t.vital.value} {change}{t.direction.value.replace('_', ' ')} → {t.action}",
            t.limit,
            "",
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
    active = next((v for v in versions if v.status == "approved"), None)
    return LibraryOverview(active=active, versions=versions)


def clinic_chairs(actor: Actor) -> list[Chair]:
    """The acting clinic's chairs, active ones first."""
    actor.require(Action.PATIENT_VIEW)
    return list(
        Chair.objects.filter(clinic_id=actor.membership.clinic_id).order_by("-is_active", "name")
    )


# ---------------------------------------------------------------------------- clinic day


@dataclass(frozen=True)
class DayEntry:
    appointment: Appointment
    session: InfusionSession
    next_step: str


@dataclass(frozen=True)
class ChairDay:
    chair: Chair
    entries: list[DayEntry]


def next_step_text(session: InfusionSession) -> str:
    step = NEXT_STEP[SessionState(session.state)]
    if step is None:
        return ""
    if step is Step.VITALS:
        return "record vitals, stop when done"
    return STEP_WORDS[step]


def clinic_day(actor: Actor, day: dt.date) -> list[ChairDay]:
    """The acting clinic's chairs and that day's booked appointments (3 queries)."""
    actor.require(Action.PATIENT_VIEW)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    chairs = list(Chair.objects.filter(clinic_id=actor.membership.clinic_id, is_active=True))
    appointments = (
        Appointment.objects.filter(
            clinic_id=actor.membership.clinic_id,
            status=AppointmentStatus.BOOKED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("patient", "session", "course")
        .order_by("starts_at")
    )
    by_chair: dict[int, list[DayEntry]] = {c.pk: [] for c in chairs}
    for a in appointments:
        if a.chair_id in by_chair:
            by_chair[a.chair_id].append(
                DayEntry(appointment=a, session=a.session, next_step=next_step_text(a.session))
            )
    return [ChairDay(chair=c, entries=by_chair[c.pk]) for c in chairs]


# ---------------------------------------------------------------------------- session page


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    title: str
    text: str = ""
    by: str = ""
    alert: bool = False


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


def _one(model_name: str, session: InfusionSession) -> Any:
    try:
        return getattr(session, model_name)
    except ObjectDoesNotExist:  # RelatedObjectDoesNotExist of any one-to-one
        return None


def _minutes(since: dt.datetime, when: dt.datetime) -> float:
    return round((when - since).total_seconds() / 60, 2)


def actual_regimen(
    session: InfusionSession, order: InfusionOrder, events: list[Any], now: dt.datetime
) -> pk.Regimen:
    """The regimen given so far (the pump replay's rate schedule), continued at the current rate
    until the VTBI is in while the pump runs; before the start, the ordered regimen from t = 0."""
    if session.started_at is None:
        return pk.Regimen(
            infusions=(pk.Infusion.of_amount(0.0, float(order.duration_min), float(order.dose_mg)),)
        )
    # stopped or paused: what was given up to now; running: the rest of the VTBI projected
    running = session.state == SessionState.RUNNING
    done = session_delivery(order, events, None if running else now)
    conc = float(order.concentration_mg_per_ml)
    offset = _minutes(session.started_at, done.started_at) if done.started_at else 0.0
    return pk.Regimen(
        infusions=tuple(
            pk.Infusion(
                max(0.0, offset + seg.start_min), seg.minutes, float(seg.rate_ml_per_h) * conc / 60
            )
            for seg in done.segments
            if seg.minutes > 0 and seg.rate_ml_per_h > 0
        )
    )


def _chart(
    session: InfusionSession,
    order: InfusionOrder | None,
    events: list[Any],
    vitals: list[Any],
    age: int,
) -> Figure | None:
    if order is None:
        return None
    now = timezone.now()
    origin = session.started_at
    regimen = actual_regimen(session, order, events, now)
    times: list[float] = []
    plasma: list[float] = []
    effect_site: list[float] = []
    if regimen.infusions:
        result = pk.simulate(
            PK_MODEL, pk.Patient(weight_kg=float(order.weight_kg), age_y=float(age)), regimen
        )
        times = [round(float(t), 1) for t in result.times_min]
        plasma = [round(float(c), 4) for c in result.plasma_ug_per_ml]
        effect_site = [round(float(c), 4) for c in result.effect_site_ug_per_ml]
    shown = vitals if origin is not None else []
    return session_figure(
        pk_model=PK_MODEL,
        started=origin is not None,
        times_min=times,
        plasma_ug_per_ml=plasma,
        effect_site_ug_per_ml=effect_site,
        vitals_min=[_minutes(origin, v.taken_at) for v in shown] if origin is not None else [],
        vitals=shown,
    )


def session_detail(actor: Actor, session: InfusionSession) -> SessionDetail:
    """Everything the session page shows, in a fixed number of queries; the view is audited (at
    the session's clinic, with the role held there)."""
    actor = actor.require_at(session.clinic_id, Action.PATIENT_VIEW)
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
    check_in, order = _one("check_in", session), _one("order", session)
    double_check, discharge = _one("double_check", session), _one("discharge", session)
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
    age = age_years(session.patient.date_of_birth, timezone.localdate())
    now = timezone.now()
    slots: list[SlotView] = []
    next_slot = None
    if order is not None:
        end_minute = (
            round(_minutes(session.started_at, session.ended_at))
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
            _timeline(
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
            + _ways_out_timeline(session, returned),
            key=lambda e: e.at,
        ),
        alerts=alerts,
        chart=_chart(session, order, events, vitals, age),
        age_y=age,
        findings=list(order.findings) if order else [],
        check_in_corrections=corrections,
        effective_check_in=effective,
        delivery=session_delivery(order, events, session.ended_at or now) if order else None,
        returned_orders=returned,
    )


def _weight_override_text(record: Any) -> str:
    """How a check-in's (or correction's) weight was accepted, for the timeline."""
    if not record.weight_overrides:
        return ""
    names = sorted({o.get("cosigned_by_name", "") for o in record.weight_overrides.values()})
    reasons = "; ".join(f"{k} ({o['reason']})" for k, o in record.weight_overrides.items())
    reference = (
        "a reference (confirms the previous visit's weight)"
        if record.weight_is_reference
        else "not a reference for later weights"
    )
    return f"; weight overridden: {reasons}, co-signed by {', '.join(names)}; {reference}"


def _timeline(
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
    corrections=(),
) -> list[TimelineEntry]:  # type: ignore[no-untyped-def]
    out: list[TimelineEntry] = []
    if check_in is not None:
        gate = (
            "; gate failed: " + "; ".join(g["message"] for g in check_in.gate_failures)
            if check_in.gate_failures
            else "; vitals within the protocol's limits"
        )
        out.append(
            TimelineEntry(
                check_in.checked_in_at,
                "check_in",
                "Checked in",
                f"Weight {check_in.weight_kg.normalize():f} kg (measured today); "
                f"{check_in.pre_rating_instrument.upper()} {check_in.pre_rating_total.normalize():f}"
                f"{' (' + check_in.pre_rating_severity + ')' if check_in.pre_rating_severity else ''}"
                f"{gate}{_weight_override_text(check_in)}",
                str(check_in.checked_in_by),
                alert=bool(check_in.gate_failures),
            )
        )
        before = check_in
        for c in corrections:
            changed = []
            if c.weight_kg != before.weight_kg:
                changed.append(
                    f"weight {before.weight_kg.normalize():f} → {c.weight_kg.normalize():f} kg"
                )
            if c.pregnancy_status != before.pregnancy_status:
                changed.append(f"pregnancy status {before.pregnancy_status} → {c.pregnancy_status}")
            out.append(
                TimelineEntry(
                    c.corrected_at,
                    "check_in_correction",
                    "Check-in corrected",
                    f"{'; '.join(changed) or 'values confirmed'} — {c.reason}"
                    f"{_weight_override_text(c) if c.weight_kg != before.weight_kg else ''}",
                    str(c.corrected_by),
                )
            )
            before = c
        if check_in.gate_override_reason:
            out.append(
                TimelineEntry(
                    check_in.gate_override_at,
                    "gate_override",
                    "Check-in gate overridden",
                    check_in.gate_override_reason,
                    str(check_in.gate_override_by),
                )
            )
    if order is not None:
        overrides = (
            "; overrides: " + "; ".join(f"{k} ({v})" for k, v in order.overrides.items())
            if order.overrides
            else ""
        )
        out.append(
            TimelineEntry(
                order.ordered_at,
                "order",
                "Order placed",
                f"{order.dose.normalize():f} {order.dose_unit} = {order.dose_mg.normalize():f} mg "
                f"over {order.duration_min.normalize():f} min at "
                f"{order.concentration_mg_per_ml.normalize():f} mg/mL: "
                f"{order.rate_ml_per_h.normalize():f} mL/h, VTBI {order.volume_ml.normalize():f} mL "
                f"(library v{order.library_version.number}){overrides}",
                str(order.ordered_by),
            )
        )
    if double_check is not None:
        out.append(
            TimelineEntry(
                double_check.checked_at,
                "double_check",
                "Independent double check",
                f"Pump read back {double_check.rate_ml_per_h_readback.normalize():f} mL/h, VTBI "
                f"{double_check.vtbi_ml_readback.normalize():f} mL"
                + ("; soft-limit overrides co-signed" if double_check.overrides_cosigned else ""),
                str(double_check.checked_by),
            )
        )
    for e in events:
        text = e.reason
        if e.rate_ml_per_h is not None and e.kind != "alert":
            text = f"{e.rate_ml_per_h.normalize():f} mL/h" + (f" — {e.reason}" if e.reason else "")
        if e.detail.get("lot_number"):
            text += f"; {e.detail['drawn_mg']} mg drawn from lot {e.detail['lot_number']}"
        if e.kind == EventKind.STOP and e.detail.get("delivered_mg"):
            label = STOP_REASON_LABELS.get(e.detail.get("stop_reason", ""), "")
            text = (
                f"{label}{' — ' + e.reason if e.reason else ''}; delivered "
                f"{Decimal(e.detail['delivered_mg']).normalize():f} mg of "
                f"{Decimal(e.detail['ordered_mg']).normalize():f} mg ordered "
                f"({Decimal(e.detail['delivered_ml']).normalize():f} of "
                f"{Decimal(e.detail['ordered_ml']).normalize():f} mL)"
            )
        if e.detail.get("wasted_mg"):
            text += f"; {e.detail['wasted_mg']} mg not given, wasted (witnessed)"
        for code, o in (e.detail.get("overrides") or {}).items():
            text += (
                f"; override {code.replace('_', ' ')}: {o['reason']} "
                f"(co-signed by {o['cosigned_by_name']})"
            )
        out.append(
            TimelineEntry(
                e.occurred_at,
                e.kind,
                e.get_kind_display(),
                text,
                str(e.recorded_by),
                alert=e.kind == "alert",
            )
        )
    for v in vitals:
        out.append(
            TimelineEntry(
                v.taken_at,
                "vitals",
                "Pre-infusion vitals (baseline)"
                if v.slot_minute == 0
                else f"Vitals, {v.slot_minute} min",
                f"BP {v.sbp}/{v.dbp}, HR {v.hr}, RR {v.rr}, SpO2 {v.spo2}%",
                str(v.recorded_by),
                alert=bool(v.alerts),
            )
        )
    for s in scores:
        out.append(
            TimelineEntry(s.taken_at, "score", s.get_kind_display(), s.label, str(s.recorded_by))
        )
    for a in adverse:
        rescue = f"; rescue {a.rescue_medication} {a.rescue_dose}" if a.rescue_medication else ""
        out.append(
            TimelineEntry(
                a.occurred_at,
                "adverse_event",
                f"Adverse event ({a.get_severity_display().lower()})",
                f"{a.description}; action: {a.action_taken}{rescue}",
                str(a.recorded_by),
                alert=True,
            )
        )
    if discharge is not None:
        out.append(
            TimelineEntry(
                discharge.discharged_at,
                "discharge",
                "Discharged" + (" (physician override)" if discharge.override_reason else ""),
                f"Modified Aldrete {discharge.aldrete_total}/10"
                f"{'' if discharge.discharge_ready else ' (criteria not met)'}; escort "
                f"{'present' if discharge.escort_present else 'absent'}; instructions "
                f"{'given' if discharge.instructions_given else 'not given'}"
                + "".join(
                    f"; override {code.replace('_', ' ')}: {o['reason']} "
                    f"(co-signed by {o['cosigned_by_name']})"
                    for code, o in (discharge.overrides or {}).items()
                )
                + (
                    f"; override: {discharge.override_reason}"
                    if discharge.override_reason and not discharge.overrides
                    else ""
                ),
                str(discharge.discharged_by),
            )
        )
    if session.signed_at is not None:
        out.append(TimelineEntry(session.signed_at, "sign", "Signed", "", str(session.signed_by)))
    for a in addenda:
        out.append(TimelineEntry(a.written_at, "addendum", "Addendum", a.text, str(a.author)))
    out.sort(key=lambda e: e.at)
    return out


def _num(value: object) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def _ways_out_timeline(session: InfusionSession, returned: list[Any]) -> list[TimelineEntry]:
    """Returned orders (as placed, the voided double check, the return) and a cancel or no-show,
    merged into the timeline by time."""
    out: list[TimelineEntry] = []
    for r in returned:
        o = r.order_snapshot
        out.append(
            TimelineEntry(
                r.ordered_at,
                "order",
                "Order placed (later "
                + ("sent back" if r.kind == ReturnKind.SENT_BACK else "withdrawn")
                + ")",
                f"{_num(o['dose'])} {o['dose_unit']} = {_num(o['dose_mg'])} mg over "
                f"{_num(o['duration_min'])} min: {_num(o['rate_ml_per_h'])} mL/h, VTBI "
                f"{_num(o['volume_ml'])} mL",
                str(r.ordered_by),
            )
        )
        if r.double_check_snapshot:
            out.append(
                TimelineEntry(
                    dt.datetime.fromisoformat(r.double_check_snapshot["checked_at"]),
                    "double_check",
                    "Independent double check (voided by the withdrawal)",
                )
            )
        out.append(
            TimelineEntry(
                r.returned_at, "order_returned", r.get_kind_display(), r.reason, str(r.returned_by)
            )
        )
    appointment = session.appointment
    if appointment.status_changed_at is not None:
        out.append(
            TimelineEntry(
                appointment.status_changed_at,
                session.state,
                "Cancelled" if session.state == SessionState.CANCELLED else "No-show",
                appointment.cancel_reason,
                str(appointment.status_changed_by or ""),
            )
        )
    return out


# ---------------------------------------------------------------------------- patient chart


@dataclass(frozen=True)
class PatientInfusions:
    """Every course and session of the organization's patient, whichever clinic gave it (the
    dose history and the course's count are the patient's); each session carries ``openable``
    (the user has a role at its clinic, where its page is opened) and ``elsewhere`` (not the
    acting clinic)."""

    courses: list[TreatmentCourse]


def patient_infusions(actor: Actor, patient: Patient) -> PatientInfusions:
    """The patient's courses with their sessions, for the chart (2 queries)."""
    actor.require(Action.PATIENT_VIEW)
    courses = list(
        patient.treatment_courses.select_related("library_version").prefetch_related(
            Prefetch(
                "sessions",
                queryset=InfusionSession.objects.select_related(
                    "appointment", "appointment__chair", "clinic"
                ).order_by("appointment__starts_at"),
            )
        )
    )
    reachable = actor.clinic_ids_where(Action.PATIENT_VIEW)
    for course in courses:
        for session in course.sessions.all():
            session.openable = session.clinic_id in reachable
            session.elsewhere = session.clinic_id != actor.membership.clinic_id
    return PatientInfusions(courses=courses)


# ---------------------------------------------------------------------------- sign-off summary


@dataclass(frozen=True)
class SessionSummary:
    """What the physician reads before signing: ordered against delivered, how long, the peak
    blood-pressure rise, the highest dissociation score, adverse events and the drug wasted."""

    session: InfusionSession
    weight_kg: Decimal | None
    ordered_mg: Decimal | None
    ordered_mg_per_kg: Decimal | None
    ordered_ml: Decimal | None
    ordered_duration_min: Decimal | None
    delivered_mg: Decimal | None
    delivered_mg_per_kg: Decimal | None
    delivered_ml: Decimal | None
    delivered_share: Decimal | None  # of the ordered volume
    complete: bool | None  # the stop's judgement (None before the stop)
    counts_as_complete: bool  # in the reports (KITCLINIC_COMPLETE_INFUSION_MIN_SHARE)
    running_min: Decimal | None  # minutes the pump ran
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    stop_reason: str
    stop_reason_label: str
    stop_text: str
    baseline_sbp: int | None
    baseline_dbp: int | None
    peak_sbp_rise: int | None  # highest SBP after the start minus the baseline (mmHg)
    peak_dbp_rise: int | None
    peak_sbp: int | None
    highest_cadss: Decimal | None
    adverse_events: list[AdverseEvent]
    drawn_mg: Decimal
    wasted_mg: Decimal
    outstanding_mg: Decimal  # drawn, not given, not wasted: blocks the sign-off
    overrides: list[dict[str, Any]]  # soft findings overridden during the session

    @property
    def signable(self) -> bool:
        return self.outstanding_mg <= 0


def _per_kg(mg: Decimal | None, weight: Decimal | None) -> Decimal | None:
    if mg is None or not weight:
        return None
    return (mg / weight).quantize(Decimal("0.001"))


def session_summary(actor: Actor, session: InfusionSession) -> SessionSummary:
    """The sign-off summary of ``session`` (one function for the sign page and the API); the
    read is audited."""
    from kitclinic.substances.models import EntryKind, SubstanceLogEntry

    actor = actor.require_at(session.clinic_id, Action.PATIENT_VIEW)
    session = InfusionSession.objects.select_related(
        "patient", "order", "check_in", "discharge", "discharge__discharged_by"
    ).get(pk=session.pk)
    order = _one("order", session)
    check_in = _one("check_in", session)
    discharge = _one("discharge", session)
    events = list(session.events.all())
    vitals = list(session.vitals.all())
    weight = order.weight_kg if order else (check_in.weight_kg if check_in else None)
    delivered_ml = session.delivered_ml
    delivered_mg = session.delivered_mg
    running_min = None
    if order is not None and session.started_at is not None:
        # not stopped yet: what the pump delivered up to now (the same replay as the stop's)
        done = session_delivery(order, events, session.ended_at or timezone.now())
        running_min = done.running_min.quantize(Decimal("0.1"))
        if delivered_ml is None:
            delivered_ml, delivered_mg = done.delivered_ml, done.delivered_mg
    stop = next((e for e in reversed(events) if e.kind == EventKind.STOP), None)
    code = stop.detail.get("stop_reason", "") if stop else ""
    base = next((v for v in vitals if v.slot_minute == 0), None)
    after = [v for v in vitals if v.slot_minute > 0]
    peak = max(after, key=lambda v: v.sbp, default=None)
    cadss = [s.total for s in session.scores.all() if s.kind == "cadss"]
    entries = list(SubstanceLogEntry.objects.filter(session=session))
    overrides: list[dict[str, Any]] = []
    for e in events:
        for code_, o in (e.detail.get("overrides") or {}).items():
            overrides.append({"step": e.get_kind_display(), "code": code_, **o})
    if discharge is not None:
        for code_, o in (discharge.overrides or {}).items():
            overrides.append({"step": "Discharge", "code": code_, **o})
    summary = SessionSummary(
        session=session,
        weight_kg=weight,
        ordered_mg=order.dose_mg if order else None,
        ordered_mg_per_kg=order.dose_mg_per_kg if order else None,
        ordered_ml=order.volume_ml if order else None,
        ordered_duration_min=order.duration_min if order else None,
        delivered_mg=delivered_mg,
        delivered_mg_per_kg=_per_kg(delivered_mg, weight),
        delivered_ml=delivered_ml,
        delivered_share=(
            (delivered_ml / order.volume_ml).quantize(Decimal("0.001"))
            if order and delivered_ml is not None and order.volume_ml > 0
            else None
        ),
        complete=stop.detail.get("complete") if stop else None,
        counts_as_complete=counts_as_complete(
            session.delivered_ml, order.volume_ml if order else None
        ),
        running_min=running_min,
        started_at=session.started_at,
        ended_at=session.ended_at,
        stop_reason=code,
        stop_reason_label=STOP_REASON_LABELS.get(code, code),
        stop_text=stop.reason if stop else "",
        baseline_sbp=base.sbp if base else None,
        baseline_dbp=base.dbp if base else None,
        peak_sbp_rise=peak.sbp - base.sbp if peak and base else None,
        peak_dbp_rise=max(v.dbp for v in after) - base.dbp if after and base else None,
        peak_sbp=peak.sbp if peak else None,
        highest_cadss=max(cadss) if cadss else None,
        adverse_events=list(session.adverse_events.all()),
        drawn_mg=sum((x.quantity_mg for x in entries if x.kind == EntryKind.DISPENSE), Decimal(0)),
        wasted_mg=sum((x.quantity_mg for x in entries if x.kind == EntryKind.WASTE), Decimal(0)),
        outstanding_mg=remainder_outstanding_mg(session),
        overrides=overrides,
    )
    read_record(actor, session.patient_id, session, "sign-off summary")
    return summary
