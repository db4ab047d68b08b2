"""Discharge: the criteria (modified Aldrete, escort, instructions, the protocol's minimum
observation), each not met a soft finding a physician may override."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic import instruments
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.dosing import Finding, Protocol, Severity
from kitclinic.dosing.labels import finding_label
from kitclinic.dosing.units import format_number
from kitclinic.infusions.models import Discharge, InfusionSession
from kitclinic.infusions.services._common import begin_step, field_error, move
from kitclinic.infusions.services.nasal import nasal_discharge_refusal
from kitclinic.infusions.services.overrides import soft_limits_review
from kitclinic.infusions.services.sessions.protocol import order_protocol
from kitclinic.infusions.states import Step


def observation_finding(
    session: InfusionSession, protocol: Protocol, now: dt.datetime
) -> Finding | None:
    """The protocol's minimum observation after the infusion ended, not yet over (soft)."""
    if session.ended_at is None:
        return None
    minimum = protocol.min_observation_min
    observed = Decimal((now - session.ended_at).total_seconds()) / 60
    if observed >= minimum.value:
        return None
    ready_at = session.ended_at + dt.timedelta(minutes=float(minimum.value))

    def clock(t: dt.datetime) -> str:
        return timezone.localtime(t).strftime("%H:%M")

    return Finding(
        rule="observation",
        code="discharge_observation_short",
        severity=Severity.SOFT,
        message=f"Observed {format_number(max(observed, Decimal(0)), 0)} min since the infusion "
        f"ended at {clock(session.ended_at)}; the protocol asks for at least "
        f"{format_number(minimum.value, 0)} min (discharge from {clock(ready_at)}).",
        value=observed.quantize(Decimal("0.1")),
        limit=minimum.value,
        unit="min",
        source=minimum.source.label,
    )


def discharge_findings(
    session: InfusionSession,
    protocol: Protocol,
    *,
    aldrete: instruments.ScoreResult | None,
    escort_present: bool,
    instructions_given: bool,
    now: dt.datetime,
) -> list[Finding]:
    """The discharge criteria not met, each a soft finding (kitclinic.dosing.overrides): the
    modified Aldrete (≥ 9 with SpO2 >92% on room air, [aldrete-discharge]), the escort, the
    instructions and the protocol's minimum observation after the infusion ended."""
    findings: list[Finding] = []
    if aldrete is not None and "discharge_ready" not in aldrete.flags:
        findings.append(
            Finding(
                rule="aldrete",
                code="discharge_aldrete_not_met",
                severity=Severity.SOFT,
                message=f"Modified Aldrete {aldrete.total}/10 does not meet the discharge "
                "criterion (≥ 9 with SpO2 >92% on room air).",
                value=Decimal(str(aldrete.total)),
                limit=Decimal(9),
                source="[aldrete-discharge] scored discharge",
            )
        )
    if not escort_present:
        findings.append(
            Finding("escort", "discharge_no_escort", Severity.SOFT, "No escort present.")
        )
    if not instructions_given:
        findings.append(
            Finding(
                "instructions",
                "discharge_no_instructions",
                Severity.SOFT,
                "Discharge instructions not given.",
            )
        )
    # a nasal-spray session's observation is the label's, refused rather than overridden
    # (nasal_discharge_refusal)
    observation = (
        None if protocol.nasal is not None else observation_finding(session, protocol, now)
    )
    if observation is not None:
        findings.append(observation)
    return findings


def discharge_preview(
    session: InfusionSession,
    *,
    aldrete_answers: Sequence[int | None] | None,
    escort_present: bool,
    instructions_given: bool,
) -> list[Finding]:
    """The discharge findings the given answers would meet now (writes nothing); unscorable
    answers leave the Aldrete criterion out (the discharge itself names the error)."""
    aldrete = None
    if aldrete_answers is not None:
        try:
            aldrete = instruments.score("aldrete", list(aldrete_answers))
        except instruments.InstrumentError:
            aldrete = None
    return discharge_findings(
        session,
        order_protocol(session),
        aldrete=aldrete,
        escort_present=escort_present,
        instructions_given=instructions_given,
        now=timezone.now(),
    )


@transaction.atomic
def session_discharge(
    *,
    actor: Actor,
    session: InfusionSession,
    aldrete_answers: Sequence[int | None],
    escort_present: bool,
    instructions_given: bool,
    override_reasons: Mapping[str, str] | None = None,
    cosigner: User | None = None,
) -> Discharge:
    """Discharge when the criteria are met (:func:`discharge_findings`). A criterion not met is
    a soft finding under the one rule: only a physician may override, with a reason for each
    (``override_reasons``) and a second clinician's co-signature now (``cosigner``)."""
    actor = actor.require_at(session.clinic_id, Action.DISCHARGE)
    session, to = begin_step(session, Step.DISCHARGE)
    try:
        result = instruments.score("aldrete", list(aldrete_answers))
    except instruments.InstrumentError as error:
        raise field_error("aldrete_answers", f"Modified Aldrete: {error}") from None
    now = timezone.now()
    protocol = order_protocol(session)
    if protocol.nasal is not None:
        refusal = nasal_discharge_refusal(session, protocol, now)
        if refusal:
            raise ValidationError(refusal)
    findings = discharge_findings(
        session,
        protocol,
        aldrete=result,
        escort_present=escort_present,
        instructions_given=instructions_given,
        now=now,
    )
    overrides: dict[str, Any] = {}
    if findings:
        offered = any((v or "").strip() for v in (override_reasons or {}).values())
        if not actor.may(Action.DISCHARGE_OVERRIDE):
            if offered or cosigner is not None:
                actor.require(Action.DISCHARGE_OVERRIDE)
            raise ValidationError(
                "Not ready for discharge: "
                + " ".join(f.message for f in findings)
                + " Continue recovery, or a physician may discharge with a reason for each and "
                "a second clinician's co-signature."
            )
        overrides = soft_limits_review(
            actor=actor,
            clinic=session.clinic,
            findings=findings,
            reasons=override_reasons,
            cosigner=cosigner,
            cosign_now=True,
        )
    reason = "; ".join(f"{finding_label(code)}: {o['reason']}" for code, o in overrides.items())
    discharge = Discharge.objects.create(
        session=session,
        discharged_by=actor.user,
        discharged_at=now,
        aldrete_answers=list(result.answers),
        aldrete_total=int(result.total),
        discharge_ready="discharge_ready" in result.flags,
        escort_present=escort_present,
        instructions_given=instructions_given,
        override_reason=reason[:300],
        overrides=overrides,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=discharge,
        patient=session.patient,
        changes={
            "aldrete_total": [None, int(result.total)],
            "override": [None, bool(overrides)],
            "overrides": [None, overrides],
        },
        detail=reason,
    )
    move(actor=actor, session=session, to=to)
    return discharge
