"""The signed eligibility decision and the indication code lists it is judged against."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Organization
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.intake import contraindications, diagnoses, eligibility
from kitclinic.patients.models import (
    EligibilityDecision,
    IndicationCodeList,
    Patient,
)
from kitclinic.patients.selectors import (
    code_list_in_force,
    diagnoses_as_intake,
    staging_for,
    trials_as_intake,
)

# What a physician may sign for each computed outcome. The physician resolves "needs review" (or
# signs it while waiting, e.g. for a cardiology opinion) but can never overrule "not eligible".
ALLOWED_SIGNED_OUTCOMES = {
    "eligible": {"eligible", "needs_review", "not_eligible"},
    "needs_review": {"eligible", "needs_review", "not_eligible"},
    "not_eligible": {"not_eligible"},
}


@transaction.atomic
def eligibility_decide(
    *, actor: Actor, patient: Patient, indication: str, outcome: str, rationale: str = ""
) -> EligibilityDecision:
    """Compute the eligibility rules on the latest screen, the trial history and the diagnoses on
    file (against the organization's code list in force for the indication), and record the
    physician's signed decision with the code-list version and the qualifying code. Signing
    "eligible", or an outcome other than the computed one, needs a rationale; a computed "not
    eligible" can only be signed as such. Supersedes the current decision."""
    actor.require(Action.ELIGIBILITY_SIGN)
    screen = patient.screens.order_by("-recorded_at", "-id").first()
    errors: dict[str, list[str]] = {}
    if indication not in {i.value for i in eligibility.Indication}:
        allowed = ", ".join(i.value for i in eligibility.Indication)
        errors["indication"] = [f"Choose one of: {allowed}."]
    if screen is None:
        errors["screen"] = ["Record a contraindication screen before deciding eligibility."]
    if errors:
        raise ValidationError(errors)
    assert screen is not None
    trials = trials_as_intake(patient.trials.all())
    try:
        on_file = diagnoses_as_intake(patient.diagnoses.all())
    except ValueError as exc:  # a code stored before the format rule; fix the diagnosis first
        raise ValidationError(
            {"diagnoses": [f"A diagnosis on file is malformed: {exc}."]}
        ) from None
    code_list = code_list_in_force(patient.organization_id, indication)
    computed = eligibility.decide_eligibility(
        indication=indication,
        screen=screen.answers,
        grouping=contraindications.DEFAULT_GROUPING,
        trials=trials,
        diagnoses=on_file,
        code_list=code_list,
    )
    computed_outcome = computed.outcome.value
    if outcome not in ALLOWED_SIGNED_OUTCOMES[computed_outcome]:
        allowed = ", ".join(sorted(ALLOWED_SIGNED_OUTCOMES[computed_outcome]))
        raise ValidationError(
            {"outcome": [f"The rules give {computed.outcome}; a physician may sign: {allowed}."]}
        )
    # One rule for the page and the API: a decision that lets treatment go ahead always says
    # why, in the physician's words, even when the rules agree.
    if outcome == eligibility.EligibilityOutcome.ELIGIBLE and not rationale.strip():
        raise ValidationError(
            {
                "rationale": [
                    "Give the rationale for signing eligible; it is kept with the decision."
                ]
            }
        )
    if outcome != computed_outcome and not rationale.strip():
        raise ValidationError(
            {"rationale": ["Give the reason for signing an outcome that differs from the rules."]}
        )
    previous = (
        patient.eligibility_decisions.select_for_update()
        .filter(indication=indication, superseded_by__isnull=True)
        .first()
    )
    now = timezone.now()
    decision = EligibilityDecision.objects.create(
        patient=patient,
        indication=indication,
        computed_outcome=computed_outcome,
        outcome=outcome,
        reasons=[
            {"code": r.code, "text": r.text, "rule": r.rule.value, "outcome": r.outcome.value}
            for r in computed.reasons
        ],
        physician_rationale=rationale.strip(),
        contraindication_list_version=computed.contraindication_list_version,
        code_list_version=computed.code_list_version,
        qualifying_code=computed.qualifying_code or "",
        screen=screen,
        staging=staging_for(patient, trials).as_json(),
        signed_by=actor.user,
        signed_at=now,
    )
    audit_record(
        actor=actor,
        action=AuditAction.SIGN,
        obj=decision,
        patient=patient,
        changes={
            "outcome": [None, outcome],
            "computed_outcome": [None, computed_outcome],
            "code_list_version": [None, computed.code_list_version],
            "qualifying_code": [None, decision.qualifying_code],
        },
    )
    if previous is not None:
        previous.superseded_by = decision
        previous.superseded_at = now
        previous.save(update_fields=["superseded_by", "superseded_at"])
        audit_record(
            actor=actor,
            action=AuditAction.SUPERSEDE,
            obj=previous,
            patient=patient,
            changes={"superseded_by": [None, decision.pk]},
        )
    return decision


CODE_LIST_REASON_MAX = 1000


@transaction.atomic
def indication_code_list_publish(
    *, actor: Actor, indication: str, entries: Sequence[Mapping[str, Any]], reason: str
) -> IndicationCodeList:
    """Publish the actor's organization's next version of the ICD-10-CM codes that qualify for
    ``indication`` (each entry: ``code`` — a code, header or range such as F43.1 or F32-F33 —
    ``source`` and optionally ``label``). The new version is in force for every later
    eligibility decision; signed decisions keep the version they used. Refused, writing nothing:
    an unknown indication, malformed entries, no reason, or a list identical to the one in
    force."""
    actor.require(Action.ELIGIBILITY_CODES_PUBLISH)
    errors: dict[str, list[str]] = {}
    if indication not in {i.value for i in eligibility.Indication}:
        allowed = ", ".join(i.value for i in eligibility.Indication)
        errors["indication"] = [f"Choose one of: {allowed}."]
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = ["Say why this version is published (it is kept with it)."]
    elif len(reason) > CODE_LIST_REASON_MAX:
        errors["reason"] = [f"Keep the reason to {CODE_LIST_REASON_MAX} characters."]
    proposed = None
    if "indication" not in errors:
        try:
            # The version is a placeholder here; the number is taken under the lock below.
            proposed = diagnoses.build_code_list(indication, version=2, entries=entries)
        except ValueError as exc:
            errors["entries"] = [f"{exc}."]
    if errors:
        raise ValidationError(errors)
    assert proposed is not None
    # Versions are numbered per organization: serialise publishers on the organization row.
    Organization.objects.select_for_update().get(pk=actor.organization_id)
    current = code_list_in_force(actor.organization_id, indication)
    if proposed.as_json() == current.as_json():
        raise ValidationError(
            {
                "entries": [
                    f"The list is the same as version {current.version}, in force; "
                    "nothing to publish."
                ]
            }
        )
    row = IndicationCodeList(
        organization_id=actor.organization_id,
        indication=indication,
        version=current.version + 1,
        entries=proposed.as_json(),
        reason=reason,
        published_by=actor.user,
        published_at=timezone.now(),
    )
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=row,
        changes={
            "indication": [None, indication],
            "version": [current.version, row.version],
            "entries": [current.as_json(), row.entries],
        },
        detail=f"Published {indication} qualifying diagnoses v{row.version}: {reason}",
    )
    return row
