"""What the check-in page and its correction page show and ask: the rating scale, whether the
pregnancy status is required (and the rule in words), the consent on record, and the findings of
a weight typed in (a soft one asks for reasons and a co-signer)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from kitclinic import instruments
from kitclinic.accounts.actor import Actor
from kitclinic.consent.selectors import ConsentStatus, consent_status
from kitclinic.dosing import Finding, Protocol
from kitclinic.infusions.models import CheckIn, InfusionSession, PregnancyStatus
from kitclinic.infusions.services.corrections import EffectiveCheckIn, effective_check_in
from kitclinic.infusions.services.overrides import cosigner_choices
from kitclinic.infusions.services.sessions.check_in import (
    INDICATION_SCALE,
    pregnancy_age_range,
    pregnancy_status_required,
)
from kitclinic.infusions.services.sessions.protocol import session_protocol
from kitclinic.infusions.services.weights import weight_findings_preview
from kitclinic.infusions.states import Step, allowed
from kitclinic.intake.pregnancy import pregnancy_rule_text


@dataclass(frozen=True)
class WeightReview:
    """The findings of a weight typed in, and what answering the soft ones takes."""

    findings: list[Finding]
    # the codes a reason is asked for, and who may co-sign (None: no co-signer asked for)
    soft_codes: list[str]
    cosigners: list[tuple[str, str]] | None


def _weight_review(
    actor: Actor, session: InfusionSession, protocol: Protocol, weight: str | None
) -> WeightReview:
    findings = weight_findings_preview(session, protocol, weight) if weight is not None else []
    soft_codes = [x.code for x in findings if x.severity == "soft"]
    cosigners = cosigner_choices(session.clinic, actor) if soft_codes else None
    return WeightReview(findings=findings, soft_codes=soft_codes, cosigners=cosigners)


@dataclass(frozen=True)
class CheckInOverview:
    protocol: Protocol
    # the pre-infusion rating: the indication's own scale
    instrument: instruments.Instrument
    pregnancy_required: bool
    pregnancy_rule: str  # who must state a pregnancy status, in words
    consent: ConsentStatus
    initial: dict[str, object]
    weight: WeightReview


def check_in_overview(
    actor: Actor, session: InfusionSession, *, weight: str | None
) -> CheckInOverview:
    """The check-in page of ``session``; ``weight`` is the weight typed in (None before the
    form is sent), judged only while the session may still be checked in."""
    protocol = session_protocol(session)
    required = pregnancy_status_required(
        session.patient, timezone.localdate(), clinic_id=session.clinic_id
    )
    # only a consent to the indication's current information sheet lets the patient check in
    consent = consent_status(
        session.patient_id, session.patient.organization_id, session.course.indication
    )
    initial: dict[str, object] = {
        "pregnancy_status": "" if required else PregnancyStatus.NOT_APPLICABLE.value
    }
    if consent.ok:
        initial["consent_on_file"] = True
    judged = weight if allowed(Step.CHECK_IN, session.state) else None
    return CheckInOverview(
        protocol=protocol,
        instrument=instruments.get_instrument(INDICATION_SCALE[session.course.indication]),
        pregnancy_required=required,
        pregnancy_rule=pregnancy_rule_text(pregnancy_age_range(session.clinic_id)),
        consent=consent,
        initial=initial,
        weight=_weight_review(actor, session, protocol, judged),
    )


@dataclass(frozen=True)
class CheckInCorrectionOverview:
    check_in: CheckIn | None
    effective: EffectiveCheckIn | None
    step_allowed: bool
    weight: WeightReview


def check_in_correction_overview(
    actor: Actor, session: InfusionSession, *, weight: str | None
) -> CheckInCorrectionOverview:
    """The correction page of ``session``'s check-in; a corrected ``weight`` typed in (None
    before the form is sent) is judged when it differs from the weight in force."""
    check_in = CheckIn.objects.filter(session=session).select_related("checked_in_by").first()
    effective = effective_check_in(check_in) if check_in is not None else None
    step_allowed = allowed(Step.CORRECT_CHECK_IN, session.state)
    judged = None
    if weight is not None and step_allowed and effective is not None:
        given = weight.strip()
        try:
            changed = Decimal(given) != effective.weight_kg
        except ArithmeticError:
            changed = False
        if changed:
            judged = given
    protocol = session_protocol(session)
    return CheckInCorrectionOverview(
        check_in=check_in,
        effective=effective,
        step_allowed=step_allowed,
        weight=_weight_review(actor, session, protocol, judged),
    )
