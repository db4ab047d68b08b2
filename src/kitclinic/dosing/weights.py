"""Is today's weight plausible? The check-in's weight against the patient's accepted weights
(pure: no Django; [ismp-weight], [weight-documentation], [kitclinic-dose-rules] W3/W4).

A weight is compared with the **last accepted** weight and with the **median of the recent
accepted** weights (the caller chooses how many and how far back). A change above the protocol's
``weight_change_max_fraction`` from either is one soft finding, ``weight_change_above_soft_max``
(re-weigh; then a reason and a second clinician's co-signature, ``kitclinic.dosing.overrides``);
outside the protocol's hard weight limits the weight is refused (``weight_above_hard_max`` ...).

A weight that needed an override is not accepted as a reference for later weights, with one
exception that lets a real change be recorded: it **confirms** the patient's previous, still
unconfirmed (overridden) weight when the two agree within the same limit — two measurements on
two visits, each co-signed, say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .checker import (
    LB_PER_KG,
    LB_SLIP_TOLERANCE,
    OVERRIDE_SOFT,
    Finding,
    Severity,
    check_limits,
)
from .library.model import Protocol
from .units import format_percent, format_quantity

__all__ = ["WeightVerdict", "median_kg", "relative_change", "weight_plausibility"]


def median_kg(weights_kg: Sequence[Decimal]) -> Decimal | None:
    """The median of ``weights_kg`` (kg; the mean of the middle two for an even count)."""
    ordered = sorted(weights_kg)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    if n % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def relative_change(weight_kg: Decimal, reference_kg: Decimal) -> Decimal:
    """|weight − reference| / reference (a fraction; reference > 0)."""
    return abs(weight_kg - reference_kg) / reference_kg


@dataclass(frozen=True)
class WeightVerdict:
    """The findings on today's weight and whether it may serve as a reference later."""

    findings: tuple[Finding, ...]
    is_reference: bool
    confirms_previous: bool = False

    @property
    def hard_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.HARD]

    @property
    def soft_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.SOFT]


def _kg(value: Decimal) -> str:
    return format_quantity(value, "kg", 2)


def weight_change_finding(
    protocol: Protocol,
    weight_kg: Decimal,
    last_kg: Decimal | None,
    recent_kg: Sequence[Decimal],
) -> Finding:
    limit = protocol.weight_change_max_fraction
    median = median_kg(recent_kg)
    if last_kg is None and median is None:
        return Finding(
            rule="weight_change",
            code="weight_change_no_previous",
            severity=Severity.OK,
            message="No accepted weight on record; weight change not checked.",
        )
    comparisons: list[tuple[str, Decimal, Decimal]] = []
    if last_kg is not None:
        comparisons.append(
            (f"the last accepted {_kg(last_kg)}", last_kg, relative_change(weight_kg, last_kg))
        )
    # the median adds something only when it is not the last accepted weight itself
    if median is not None and median != last_kg:
        comparisons.append(
            (
                f"the median {_kg(median)} of the last {len(recent_kg)} accepted",
                median,
                relative_change(weight_kg, median),
            )
        )
    worst_change = max(change for _, _, change in comparisons)
    text = f"Weight {_kg(weight_kg)} differs from " + " and from ".join(
        f"{words} by {format_percent(change)}" for words, _, change in comparisons
    )
    if worst_change <= limit.value:
        return Finding(
            rule="weight_change",
            code="weight_change_within_limits",
            severity=Severity.OK,
            message=f"{text} (limit {format_percent(limit.value)}).",
            value=worst_change,
            limit=limit.value,
            unit="fraction",
        )
    reference = comparisons[0][1]
    lb_hint = (
        " About 2.2 times the accepted weight: check it was not entered in lb (weight is kg only)."
        if abs(weight_kg / reference - LB_PER_KG) <= LB_SLIP_TOLERANCE
        else ""
    )
    return Finding(
        rule="weight_change",
        code="weight_change_above_soft_max",
        severity=Severity.SOFT,
        message=f"{text}, more than the {format_percent(limit.value)} limit. Re-weigh the "
        f"patient.{lb_hint} {OVERRIDE_SOFT}",
        value=worst_change,
        limit=limit.value,
        unit="fraction",
        source=limit.source.label,
    )


def weight_plausibility(
    protocol: Protocol,
    weight_kg: Decimal,
    *,
    last_kg: Decimal | None,
    recent_kg: Sequence[Decimal] = (),
    unconfirmed_kg: Decimal | None = None,
) -> WeightVerdict:
    """Judge today's weight (kg, > 0) at check-in.

    ``last_kg``: the last accepted weight; ``recent_kg``: the recent accepted weights (their
    median is compared too); ``unconfirmed_kg``: the patient's previous weight when it needed an
    override and is not yet a reference. Returns the findings (the protocol's weight limits and
    the change) and ``is_reference``: true when nothing needed an override, or when today's
    weight confirms ``unconfirmed_kg`` within the change limit."""
    findings = (
        check_limits("weight", "Weight", weight_kg, protocol.weight_limits_kg, "kg", 2),
        weight_change_finding(protocol, weight_kg, last_kg, recent_kg),
    )
    if any(f.severity is Severity.HARD for f in findings):
        return WeightVerdict(findings, is_reference=False)
    if not any(f.severity is Severity.SOFT for f in findings):
        return WeightVerdict(findings, is_reference=True)
    confirms = (
        unconfirmed_kg is not None
        and relative_change(weight_kg, unconfirmed_kg) <= protocol.weight_change_max_fraction.value
    )
    return WeightVerdict(findings, is_reference=confirms, confirms_previous=confirms)
