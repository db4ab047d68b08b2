"""Correcting a check-in before the order, and the check-in the order is checked against.

A correction is not an edit: the check-in row stays as recorded and each correction is a new
``CheckInCorrection`` row (who, when, why, the corrected values), audited. The latest correction
gives the *effective* check-in: its weight, pregnancy status and gate are what the order's dose
check and gate use. A corrected weight goes through the same plausibility rule as at check-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.dosing.checker import Finding, Severity
from kitclinic.infusions.models import (
    CheckIn,
    CheckInCorrection,
    InfusionSession,
    PregnancyStatus,
)
from kitclinic.infusions.services._common import begin_step
from kitclinic.infusions.services.sessions.check_in import (
    pregnancy_gate,
    pregnancy_status_errors,
    pregnancy_status_required,
)
from kitclinic.infusions.services.sessions.protocol import session_protocol
from kitclinic.infusions.services.weights import parse_weight_kg, weight_review
from kitclinic.infusions.states import Step

REASON_MAX_CHARS = 300
# the check-in gate's findings are soft findings of the order; their codes carry this prefix
GATE_PREFIX = "gate_"


@dataclass(frozen=True)
class EffectiveCheckIn:
    """The check-in as the order sees it: the latest correction's values, else the check-in's."""

    check_in: CheckIn
    correction: CheckInCorrection | None

    @property
    def _source(self) -> CheckIn | CheckInCorrection:
        return self.correction if self.correction is not None else self.check_in

    @property
    def weight_kg(self) -> Decimal:
        return self._source.weight_kg

    @property
    def previous_weight_kg(self) -> Decimal | None:
        """The last accepted weight when the (corrected) weight was judged."""
        return self._source.previous_weight_kg

    @property
    def weight_is_reference(self) -> bool:
        return self._source.weight_is_reference

    @property
    def weight_overrides(self) -> dict[str, Any]:
        return dict(self._source.weight_overrides)

    @property
    def pregnancy_status(self) -> str:
        return self._source.pregnancy_status

    @property
    def pregnancy_status_label(self) -> str:
        """The status as staff read it (``Not pregnant``), not its stored code."""
        return self._source.get_pregnancy_status_display()

    @property
    def gate_failures(self) -> list[dict[str, Any]]:
        return list(self._source.gate_failures)

    def gate_findings(self) -> list[Finding]:
        """The gate failures as soft findings of the order (none when a physician overrode the
        gate on the check-in itself, as recorded before this rule)."""
        if self.check_in.gate_override_reason:
            return []
        return [
            Finding(
                rule="check_in_gate",
                code=f"{GATE_PREFIX}{g['code']}",
                severity=Severity.SOFT,
                message=f"Check-in gate: {g['message']}",
            )
            for g in self.gate_failures
        ]


def effective_check_in(
    check_in: CheckIn, corrections: list[CheckInCorrection] | None = None
) -> EffectiveCheckIn:
    """``check_in`` with its latest correction (``corrections``: already fetched, oldest first)."""
    if corrections is None:
        latest = check_in.corrections.order_by("-corrected_at", "-id").first()
    else:
        latest = corrections[-1] if corrections else None
    return EffectiveCheckIn(check_in, latest)


@transaction.atomic
def check_in_correct(
    *,
    actor: Actor,
    session: InfusionSession,
    reason: str,
    weight_kg: object = None,
    pregnancy_status: str | None = None,
    override_reasons: Mapping[str, str] | None = None,
    cosigner: User | None = None,
) -> CheckInCorrection:
    """Correct the check-in of ``session`` (checked in, no order yet): the corrected weight
    (judged like a check-in's: soft findings need ``override_reasons`` and ``cosigner``) and/or
    pregnancy status, with the reason. A value left out keeps the effective one. Writes nothing
    when refused."""
    actor = actor.require_at(session.clinic_id, Action.SESSION_CHECK_IN)
    session, _ = begin_step(session, Step.CORRECT_CHECK_IN)
    check_in = CheckIn.objects.get(session=session)
    current = effective_check_in(check_in)
    protocol = session_protocol(session)
    errors: dict[str, list[str]] = {}
    why = (reason or "").strip()
    if not why:
        errors["reason"] = [
            "Give the reason for the correction (what was wrong, how it was found)."
        ]
    elif len(why) > REASON_MAX_CHARS:
        errors["reason"] = [f"At most {REASON_MAX_CHARS} characters."]
    weight = current.weight_kg
    if weight_kg not in (None, ""):
        try:
            weight = parse_weight_kg(weight_kg)
        except ValidationError as error:
            errors.update(error.message_dict)
    status = current.pregnancy_status if pregnancy_status in (None, "") else str(pregnancy_status)
    required = pregnancy_status_required(
        session.patient, timezone.localdate(), clinic_id=session.clinic_id
    )
    errors.update(pregnancy_status_errors(status, required, clinic_id=session.clinic_id))
    if not errors and weight == current.weight_kg and status == current.pregnancy_status:
        errors["weight_kg"] = [
            f"Nothing to correct: the check-in already has {weight.normalize():f} kg and "
            f"pregnancy status {PregnancyStatus(status).label.lower()}. Give the corrected "
            "weight or pregnancy status."
        ]
    weight_changed = weight != current.weight_kg
    previous = current.previous_weight_kg
    is_reference = current.weight_is_reference
    overrides = current.weight_overrides
    if weight_changed and "weight_kg" not in errors:
        try:
            review = weight_review(
                actor=actor,
                session=session,
                protocol=protocol,
                weight=weight,
                reasons=override_reasons,
                cosigner=cosigner,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        else:
            previous, is_reference, overrides = (
                review.previous_weight_kg,
                review.is_reference,
                review.overrides,
            )
    if errors:
        raise ValidationError(errors)
    vitals_gate = [g for g in check_in.gate_failures if g["code"] != "pregnancy"]
    gate = vitals_gate + pregnancy_gate(status, required)
    correction = CheckInCorrection.objects.create(
        session=session,
        check_in=check_in,
        corrected_by=actor.user,
        corrected_at=timezone.now(),
        reason=why,
        weight_kg=weight,
        previous_weight_kg=previous,
        weight_is_reference=is_reference,
        weight_overrides=overrides,
        pregnancy_status=status,
        gate_failures=gate,
    )
    changes: dict[str, list[Any]] = {}
    if weight_changed:
        changes["weight_kg"] = [current.weight_kg, weight]
        changes["weight_is_reference"] = [current.weight_is_reference, is_reference]
        changes["weight_overrides"] = [current.weight_overrides, overrides]
    if status != current.pregnancy_status:
        changes["pregnancy_status"] = [current.pregnancy_status, status]
        changes["gate_failures"] = [
            [g["code"] for g in current.gate_failures],
            [g["code"] for g in gate],
        ]
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=correction,
        patient=session.patient,
        changes=changes,
        detail=f"Check-in {check_in.pk} corrected: {why}",
    )
    return correction


__all__ = [
    "GATE_PREFIX",
    "EffectiveCheckIn",
    "check_in_correct",
    "effective_check_in",
]
