"""One rule for soft and hard limits, wherever a finding arises (pure: no Django).

Every check that compares a value with a protocol's limits returns :class:`Finding` objects:
the order's dose check, a rate change, today's weight at check-in, the check-in vitals gate and
the discharge criteria. What a finding asks of the clinician is decided here, once:

- a **hard** finding refuses the step; the message is shown on the field the value came from;
- each **soft** finding needs a reason (``override_<code>``) from the clinician taking the step,
  and the co-signature of a second clinician (``cosigner``): another person than the one
  overriding. The order's co-signature is given at its independent double check (the second
  clinician reads the pump back there); every other step names its co-signer when it is taken.

The Django shell (``kitclinic.infusions.services.overrides``) checks that the co-signer is a
physician or nurse of the clinic and records who co-signed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kitclinic.dosing.checker import Finding, Severity
from kitclinic.dosing.labels import finding_label

__all__ = ["REASON_MAX_CHARS", "override_field", "review_findings", "soft_findings"]

REASON_MAX_CHARS = 300


def override_field(code: str) -> str:
    """The form/API field that carries the reason for overriding the finding ``code``."""
    return f"override_{code}"


def soft_findings(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.SOFT]


def review_findings(
    findings: Sequence[Finding],
    *,
    reasons: Mapping[str, str],
    actor_id: int,
    cosigner_id: int | None,
    cosign_now: bool = True,
    field_of: Mapping[str, str] | None = None,
) -> dict[str, list[str]]:
    """The refusals for ``findings`` given the reasons and co-signer offered (empty: allowed).

    ``field_of`` maps a finding's rule to the field its value came from (hard findings are
    shown there; default ``__all__``). ``cosign_now=False`` leaves the co-signature to a later
    step (the order's double check)."""
    errors: dict[str, list[str]] = {}
    fields = field_of or {}
    for finding in findings:
        if finding.severity is Severity.HARD:
            errors.setdefault(fields.get(finding.rule, "__all__"), []).append(finding.message)
    soft = soft_findings(findings)
    for finding in soft:
        if not (reasons.get(finding.code) or "").strip():
            errors[override_field(finding.code)] = [
                f"{finding.message} Give the reason for overriding."
            ]
    if soft and cosign_now:
        if cosigner_id is None:
            errors["cosigner"] = [
                "A second clinician must co-sign the override of "
                + ", ".join(finding_label(f.code).lower() for f in soft)
                + ": choose who co-signs."
            ]
        elif cosigner_id == actor_id:
            errors["cosigner"] = [
                "The co-signer must be a second clinician, not the one overriding."
            ]
    return errors
