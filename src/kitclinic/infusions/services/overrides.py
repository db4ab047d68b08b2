"""The Django side of the one soft-limit rule (``kitclinic.dosing.overrides``): every step that
meets a soft finding (order, rate change, check-in weight and vitals gate, discharge) calls
:func:`soft_limits_review`, which refuses hard findings and missing reasons or co-signers in one
way, checks that the co-signer is a clinician of the clinic, and returns the record to keep with
the step: ``{finding code: {"reason", "message", "cosigned_by", "cosigned_by_name"}}``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, User
from kitclinic.accounts.selectors import clinicians
from kitclinic.dosing.checker import Finding
from kitclinic.dosing.overrides import REASON_MAX_CHARS, review_findings, soft_findings

__all__ = ["cosigner_choices", "cosigner_from_id", "soft_limits_review"]


def cosigner_choices(clinic: Clinic, actor: Actor) -> list[tuple[str, str]]:
    """The people who may co-sign the actor's override at ``clinic`` (for a select field)."""
    return [("", "—")] + [
        (str(u.pk), u.get_full_name() or u.username) for u in clinicians(clinic, exclude=actor.user)
    ]


def cosigner_from_id(clinic: Clinic, value: object) -> User | None:
    """The co-signer named by id in a form or API call; a wrong id is an error on ``cosigner``."""
    if value in (None, ""):
        return None
    try:
        pk = int(str(value))
    except ValueError:
        raise ValidationError({"cosigner": ["Choose the co-signer from the list."]}) from None
    user = clinicians(clinic).filter(pk=pk).first()
    if user is None:
        raise ValidationError(
            {"cosigner": [f"The co-signer must be a physician or nurse of {clinic}."]}
        )
    return user


def soft_limits_review(
    *,
    actor: Actor,
    clinic: Clinic,
    findings: Sequence[Finding],
    reasons: Mapping[str, str] | None,
    cosigner: User | None,
    cosign_now: bool = True,
    field_of: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Refuse (ValidationError naming the fields) or return the overrides to record."""
    given = {k: (v or "").strip() for k, v in (reasons or {}).items()}
    errors = review_findings(
        findings,
        reasons=given,
        actor_id=actor.user.pk,
        cosigner_id=None if cosigner is None else cosigner.pk,
        cosign_now=cosign_now,
        field_of=field_of,
    )
    soft = soft_findings(findings)
    if soft and cosign_now and cosigner is not None and "cosigner" not in errors:
        if not clinicians(clinic).filter(pk=cosigner.pk).exists():
            errors["cosigner"] = [f"The co-signer must be a physician or nurse of {clinic}."]
    if errors:
        raise ValidationError(errors)
    signed = cosign_now and cosigner is not None
    return {
        f.code: {
            "reason": given[f.code][:REASON_MAX_CHARS],
            "message": f.message,
            "cosigned_by": cosigner.pk if signed and cosigner else None,
            "cosigned_by_name": (cosigner.get_full_name() or cosigner.username)
            if signed and cosigner
            else "",
        }
        for f in soft
    }
