"""The sign-off summary: what the physician reads before signing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_record
from kitclinic.dosing.labels import finding_label
from kitclinic.infusions.delivery import (
    STOP_REASON_LABELS,
    counts_as_complete,
    remainder_outstanding_mg,
    session_delivery,
)
from kitclinic.infusions.models import AdverseEvent, EventKind, InfusionSession
from kitclinic.infusions.selectors.common import related_or_none


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

    actor = actor.require_at(session.clinic_id, Action.CLINICAL_VIEW)
    session = InfusionSession.objects.select_related(
        "patient", "order", "check_in", "discharge", "discharge__discharged_by"
    ).get(pk=session.pk)
    order = related_or_none("order", session)
    check_in = related_or_none("check_in", session)
    discharge = related_or_none("discharge", session)
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
            overrides.append(
                {"step": e.get_kind_display(), "code": code_, "label": finding_label(code_), **o}
            )
    if discharge is not None:
        for code_, o in (discharge.overrides or {}).items():
            overrides.append(
                {"step": "Discharge", "code": code_, "label": finding_label(code_), **o}
            )
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
