"""The session's timeline: every step, reading, score and way out, in time order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from kitclinic.infusions.delivery import STOP_REASON_LABELS
from kitclinic.infusions.models import (
    Addendum,
    AdverseEvent,
    CheckIn,
    CheckInCorrection,
    Discharge,
    DoubleCheck,
    EventKind,
    InfusionOrder,
    InfusionSession,
    ReturnedOrder,
    ReturnKind,
    SessionEvent,
    SessionScore,
    VitalSign,
)
from kitclinic.infusions.states import SessionState


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    title: str
    text: str = ""
    by: str = ""
    alert: bool = False


def _weight_override_text(record: CheckIn | CheckInCorrection) -> str:
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


def session_timeline(
    session: InfusionSession,
    check_in: CheckIn | None,
    order: InfusionOrder | None,
    double_check: DoubleCheck | None,
    discharge: Discharge | None,
    events: Sequence[SessionEvent],
    vitals: Sequence[VitalSign],
    scores: Sequence[SessionScore],
    adverse: Sequence[AdverseEvent],
    addenda: Sequence[Addendum],
    corrections: Sequence[CheckInCorrection] = (),
) -> list[TimelineEntry]:
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
        before: CheckIn | CheckInCorrection = check_in
        for c in corrections:
            changed = []
            if c.weight_kg != before.weight_kg:
                changed.append(
                    f"weight {before.weight_kg.normalize():f} → {c.weight_kg.normalize():f} kg"
                )
            if c.pregnancy_status != before.pregnancy_status:
                changed.append(
                    f"pregnancy status {before.get_pregnancy_status_display().lower()} → "
                    f"{c.get_pregnancy_status_display().lower()}"
                )
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
        # a gate overridden on the check-in itself (recorded before the order answered it)
        if check_in.gate_override_reason and check_in.gate_override_at is not None:
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
        amounts = (
            # a nasal-spray order: a fixed dose in whole devices, no bag or pump
            f"{order.dose_mg.normalize():f} mg = {order.devices} nasal-spray devices"
            if order.devices is not None
            else f"{order.dose.normalize():f} {order.dose_unit} = {order.dose_mg.normalize():f} "
            f"mg over {order.duration_min.normalize():f} min at "
            f"{order.concentration_mg_per_ml.normalize():f} mg/mL: "
            f"{order.rate_ml_per_h.normalize():f} mL/h, VTBI {order.volume_ml.normalize():f} mL"
        )
        out.append(
            TimelineEntry(
                order.ordered_at,
                "order",
                "Order placed",
                f"{amounts} (library v{order.library_version.number}){overrides}",
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
        title = e.get_kind_display()
        if "device" in e.detail:  # a nasal-spray session's first device starts it
            title, text = "Dosing started", "First nasal-spray device given"
        elif "devices" in e.detail:  # ... and its last ends it
            title, text = "Dosing finished", f"{e.detail['devices']} nasal-spray devices given"
        out.append(
            TimelineEntry(
                e.occurred_at,
                e.kind,
                title,
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
    for note in addenda:
        out.append(
            TimelineEntry(note.written_at, "addendum", "Addendum", note.text, str(note.author))
        )
    out.sort(key=lambda e: e.at)
    return out


def _num(value: object) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def ways_out_timeline(
    session: InfusionSession, returned: Sequence[ReturnedOrder]
) -> list[TimelineEntry]:
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
