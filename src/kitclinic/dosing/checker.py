"""The dose checker: one order against one protocol, as a pure function ([kitclinic-dose-rules]).

``check_dose`` computes the documented amounts (dose in mg, volume to be infused, rates) and
checks every rule, returning one :class:`Finding` per rule with severity ``ok``, ``soft`` (may be
overridden with a reason and a second clinician's co-signature, L3) or ``hard`` (cannot be
overridden, the order must change, L4). The overall status is the worst finding.

Rounding: amounts are Decimal and reported to 0.01 (mg, mL, mg/h, mL/h) and 0.001 (mg/kg,
mg/kg/h), half up; derived amounts are computed exactly from the inputs and rounded once. Limits
are inclusive and judged on the reported numbers, so a message never contradicts the figure shown
beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from .library.model import DosingMode, Limits, Protocol, SourcedValue
from .units import format_number, format_quantity

Number = Decimal | int | float | str

MG_PLACES = 2
ML_PLACES = 2
PER_KG_PLACES = 3
# a weight about 2.2 times the last one is the classic lb-entered-as-kg slip ([kitclinic-dose-rules]
# W4; [lb-kg-dosing-error])
LB_PER_KG = Decimal("2.20462")
LB_SLIP_TOLERANCE = Decimal("0.1")

OVERRIDE_SOFT = "Soft limit: override needs a reason and a second clinician's co-signature."
OVERRIDE_HARD = "Hard limit: cannot be overridden; the order must change."


class Severity(StrEnum):
    OK = "ok"
    SOFT = "soft"
    HARD = "hard"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.OK: 0, Severity.SOFT: 1, Severity.HARD: 2}


def worst(severities: Sequence[Severity]) -> Severity:
    return max(severities, key=lambda s: s.rank, default=Severity.OK)


class DoseInputError(ValueError):
    """An input that cannot describe a real order (NaN, negative, zero ...); ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field


@dataclass(frozen=True)
class Finding:
    """One rule's verdict.

    ``rule`` names the rule (``dose``, ``rate``, ``dose_mg``, ``weight_change`` ...); ``code`` is the
    stable verdict (``dose_above_soft_max``) for logs, override records and CQI counts (Q3);
    ``message`` is prose naming the value and the limit.
    """

    rule: str
    code: str
    severity: Severity
    message: str
    value: Decimal | None = None
    limit: Decimal | None = None
    unit: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "value": None if self.value is None else float(self.value),
            "limit": None if self.limit is None else float(self.limit),
            "unit": self.unit,
            "source": self.source,
        }


class CheckedFindings:
    """What every check answers about its findings (an IV order's, a fixed-dose order's)."""

    findings: tuple[Finding, ...]

    @property
    def status(self) -> Severity:
        return worst([f.severity for f in self.findings])

    @property
    def soft_findings(self) -> tuple[Finding, ...]:
        """What a co-signed override (L3) has to acknowledge, one reason each."""
        return tuple(f for f in self.findings if f.severity is Severity.SOFT)

    @property
    def hard_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.HARD)

    def finding(self, rule: str) -> Finding:
        """The finding of ``rule`` (each rule checked gives exactly one)."""
        for finding in self.findings:
            if finding.rule == rule:
                return finding
        raise KeyError(rule)


@dataclass(frozen=True)
class DoseCheck(CheckedFindings):
    """The computed order and its findings. Amounts carry their units in their names."""

    protocol_id: str
    dosing_mode: DosingMode
    weight_kg: Decimal
    dose: Decimal
    dose_unit: str
    duration_min: Decimal
    concentration_mg_per_ml: Decimal
    dose_mg: Decimal
    dose_mg_per_kg: Decimal
    volume_ml: Decimal
    rate_mg_per_h: Decimal
    rate_ml_per_h: Decimal
    rate_mg_per_kg_per_h: Decimal
    findings: tuple[Finding, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible summary; floats are the rounded documented amounts (35.0, 52.5)."""
        return {
            "status": str(self.status),
            "protocol_id": self.protocol_id,
            "dosing_mode": str(self.dosing_mode),
            "weight_kg": float(self.weight_kg),
            "dose": float(self.dose),
            "dose_unit": self.dose_unit,
            "duration_min": float(self.duration_min),
            "concentration_mg_per_ml": float(self.concentration_mg_per_ml),
            "dose_mg": float(self.dose_mg),
            "dose_mg_per_kg": float(self.dose_mg_per_kg),
            "volume_ml": float(self.volume_ml),
            "rate_mg_per_h": float(self.rate_mg_per_h),
            "rate_ml_per_h": float(self.rate_ml_per_h),
            "rate_mg_per_kg_per_h": float(self.rate_mg_per_kg_per_h),
            "findings": [f.to_dict() for f in self.findings],
        }


# --------------------------------------------------------------------------------------------
# inputs


def to_decimal(field: str, value: Number) -> Decimal:
    """``value`` as a finite Decimal; floats go through ``str`` so 0.5 stays exactly 0.5."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise DoseInputError(field, f"must be a number (got {value!r})")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DoseInputError(field, f"must be a number (got {value!r})") from None
    if not number.is_finite():
        raise DoseInputError(field, f"must be a finite number (got {value!r})")
    return number


def _positive(field: str, value: Number) -> Decimal:
    number = to_decimal(field, value)
    if number <= 0:
        raise DoseInputError(field, f"must be > 0 (got {format_number(number, 6)})")
    return number


def _non_negative(field: str, value: Number | None) -> Decimal | None:
    if value is None:
        return None
    number = to_decimal(field, value)
    if number < 0:
        raise DoseInputError(field, f"must be >= 0 (got {format_number(number, 6)})")
    return number


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# rules


def _fmt(value: Decimal, unit: str, places: int) -> str:
    return format_quantity(value, unit, places)


def _range_text(limits: Limits, unit: str, places: int) -> str:
    def bounds(low: SourcedValue | None, high: SourcedValue | None) -> str:
        if low and high:
            return f"{format_number(low.value, places)}–{_fmt(high.value, unit, places)}"
        if low:
            return f"≥{_fmt(low.value, unit, places)}"
        if high:
            return f"≤{_fmt(high.value, unit, places)}"
        return ""

    parts = []
    soft = bounds(limits.soft_min, limits.soft_max)
    hard = bounds(limits.hard_min, limits.hard_max)
    if soft:
        parts.append(f"soft {soft}")
    if hard:
        parts.append(f"hard {hard}")
    return ", ".join(parts) if parts else "no limits set"


def check_limits(
    quantity: str, label: str, value: Decimal, limits: Limits, unit: str, places: int
) -> Finding:
    """One quantity against its inclusive soft/hard bounds; hard bounds are checked first."""
    shown = _fmt(value, unit, places)
    checks: tuple[tuple[str, SourcedValue | None, bool, Severity, str, str], ...] = (
        ("above_hard_max", limits.hard_max, True, Severity.HARD, "above the hard upper", OVERRIDE_HARD),
        ("below_hard_min", limits.hard_min, False, Severity.HARD, "below the hard lower", OVERRIDE_HARD),
        ("above_soft_max", limits.soft_max, True, Severity.SOFT, "above the soft upper", OVERRIDE_SOFT),
        ("below_soft_min", limits.soft_min, False, Severity.SOFT, "below the soft lower", OVERRIDE_SOFT),
    )  # fmt: skip
    for suffix, bound, is_upper, severity, words, consequence in checks:
        if bound is None:
            continue
        outside = value > bound.value if is_upper else value < bound.value
        if outside:
            return Finding(
                rule=quantity,
                code=f"{quantity}_{suffix}",
                severity=severity,
                message=f"{label} {shown} is {words} limit of {_fmt(bound.value, unit, places)}. "
                f"{consequence}",
                value=value,
                limit=bound.value,
                unit=unit,
                source=bound.source.label,
            )
    return Finding(
        rule=quantity,
        code=f"{quantity}_within_limits",
        severity=Severity.OK,
        message=f"{label} {shown} is within limits ({_range_text(limits, unit, places)}).",
        value=value,
        unit=unit,
    )


def _weight_change(protocol: Protocol, weight_kg: Decimal, previous_kg: Decimal | None) -> Finding:
    """The weight-change rule at the order: the same rule as at check-in
    (:func:`kitclinic.dosing.weights.weight_change_finding`), against the last accepted weight."""
    from .weights import weight_change_finding  # weights builds on this module's Finding

    return weight_change_finding(protocol, weight_kg, previous_kg, ())


def _concentration(protocol: Protocol, concentration: Decimal) -> Finding:
    standard = [c.value for c in protocol.concentrations_mg_per_ml]
    listed = ", ".join(_fmt(c, "mg/mL", 3) for c in standard)
    shown = _fmt(concentration, "mg/mL", 3)
    if concentration in standard:
        return Finding(
            rule="concentration",
            code="concentration_standard",
            severity=Severity.OK,
            message=f"Concentration {shown} is a standard concentration of this protocol.",
            value=concentration,
            unit="mg/mL",
        )
    return Finding(
        rule="concentration",
        code="concentration_not_standard",
        severity=Severity.HARD,
        message=f"Concentration {shown} is not a standard concentration of this protocol "
        f"(standard: {listed}). {OVERRIDE_HARD}",
        value=concentration,
        unit="mg/mL",
        source="[kitclinic-dose-rules] L6 (standard concentrations only; "
        "[ismp-custom-concentrations])",
    )


def _interval(protocol: Protocol, hours_since_last: Decimal | None) -> Finding:
    if hours_since_last is None:
        return Finding(
            rule="interval",
            code="interval_no_previous",
            severity=Severity.OK,
            message="No previous session given; interval not checked.",
        )
    return check_limits(
        "interval",
        "Time since the last session",
        hours_since_last,
        protocol.interval_limits_h,
        "h",
        1,
    )


def _weekly(
    protocol: Protocol, weight_kg: Decimal, dose_mg: Decimal, cumulative_mg: Decimal | None
) -> Finding | None:
    limits = protocol.weekly_limits_mg_per_kg
    if limits == Limits():
        return None
    if cumulative_mg is None:
        return Finding(
            rule="weekly_dose",
            code="weekly_dose_not_checked",
            severity=Severity.OK,
            message="No 7-day dose history given; weekly cumulative dose not checked.",
        )
    total_mg = cumulative_mg + dose_mg
    per_kg = _round(total_mg / weight_kg, PER_KG_PLACES)
    return check_limits(
        "weekly_dose",
        f"7-day cumulative dose incl. this order ({_fmt(total_mg, 'mg', MG_PLACES)} at "
        f"{_fmt(weight_kg, 'kg', 2)}):",
        per_kg,
        limits,
        "mg/kg",
        PER_KG_PLACES,
    )


def check_dose(
    protocol: Protocol,
    *,
    weight_kg: Number,
    dose: Number,
    duration_min: Number,
    concentration_mg_per_ml: Number,
    previous_weight_kg: Number | None = None,
    hours_since_last: Number | None = None,
    cumulative_mg_last_7_days: Number | None = None,
) -> DoseCheck:
    """Check one order against ``protocol``.

    ``weight_kg``: today's measured weight (kg only, W1). ``dose``: in the protocol's dose unit,
    mg/kg (total, over ``duration_min``) or mg/kg/h (rate mode, run for ``duration_min``).
    ``concentration_mg_per_ml``: the bag's concentration. ``previous_weight_kg``: the last
    recorded weight. ``hours_since_last``: hours since the last session started.
    ``cumulative_mg_last_7_days``: mg given in the 7 days before this order (not including it).
    Raises :class:`DoseInputError` for inputs that describe no real order (non-finite, <= 0).
    """
    if protocol.dosing_mode is DosingMode.FIXED_MG:
        # a fixed dose has no weight-based amount, rate or bag ([kitclinic-dose-rules] U2)
        raise DoseInputError(
            "protocol", f"{protocol.id} is a fixed-dose protocol: check it with check_fixed_dose"
        )
    weight = _positive("weight_kg", weight_kg)
    ordered = _positive("dose", dose)
    duration = _positive("duration_min", duration_min)
    concentration = _positive("concentration_mg_per_ml", concentration_mg_per_ml)
    previous = (
        None if previous_weight_kg is None else _positive("previous_weight_kg", previous_weight_kg)
    )
    since = _non_negative("hours_since_last", hours_since_last)
    cumulative = _non_negative("cumulative_mg_last_7_days", cumulative_mg_last_7_days)

    hours = duration / 60
    if protocol.dosing_mode is DosingMode.MG_PER_KG_OVER_DURATION:
        exact_mg_per_kg = ordered
        exact_rate_per_kg = ordered / hours
    else:
        exact_mg_per_kg = ordered * hours
        exact_rate_per_kg = ordered
    exact_mg = exact_mg_per_kg * weight
    exact_rate_mg_per_h = exact_rate_per_kg * weight

    dose_mg = _round(exact_mg, MG_PLACES)
    rate_mg_per_kg_per_h = _round(exact_rate_per_kg, PER_KG_PLACES)
    unit = protocol.dose_unit
    dose_label = (
        "Dose" if protocol.dosing_mode is DosingMode.MG_PER_KG_OVER_DURATION else "Dose rate"
    )

    findings: list[Finding] = [
        check_limits("weight", "Weight", weight, protocol.weight_limits_kg, "kg", 2),
        _weight_change(protocol, weight, previous),
        check_limits("dose", dose_label, ordered, protocol.dose_limits, unit, PER_KG_PLACES),
        check_limits("duration", "Duration", duration, protocol.duration_limits_min, "min", 1),
    ]
    if protocol.rate_limits_mg_per_kg_per_h is not None:
        findings.append(
            check_limits(
                "rate",
                "Rate",
                rate_mg_per_kg_per_h,
                protocol.rate_limits_mg_per_kg_per_h,
                "mg/kg/h",
                PER_KG_PLACES,
            )
        )
    findings.append(
        check_limits("dose_mg", "Total dose", dose_mg, protocol.dose_limits_mg, "mg", MG_PLACES)
    )
    findings.append(_concentration(protocol, concentration))
    findings.append(_interval(protocol, since))
    weekly = _weekly(protocol, weight, dose_mg, cumulative)
    if weekly is not None:
        findings.append(weekly)

    return DoseCheck(
        protocol_id=protocol.id,
        dosing_mode=protocol.dosing_mode,
        weight_kg=weight,
        dose=ordered,
        dose_unit=unit,
        duration_min=duration,
        concentration_mg_per_ml=concentration,
        dose_mg=dose_mg,
        dose_mg_per_kg=_round(exact_mg_per_kg, PER_KG_PLACES),
        volume_ml=_round(exact_mg / concentration, ML_PLACES),
        rate_mg_per_h=_round(exact_rate_mg_per_h, MG_PLACES),
        rate_ml_per_h=_round(exact_rate_mg_per_h / concentration, ML_PLACES),
        rate_mg_per_kg_per_h=rate_mg_per_kg_per_h,
        findings=tuple(findings),
    )
