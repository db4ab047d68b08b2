"""Vital-sign thresholds and the monitoring schedule, from the protocol's library data.

Absolute thresholds compare a reading with the limit; relative ones compare its rise over the
patient's own pre-infusion baseline (slot 0). Every figure comes from the protocol
(``vitals_thresholds``, ``vitals_schedule``), which names its source. What a vitals field
accepts as input at all (:func:`validate_vitals`) is a plausibility range, not a threshold.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from kitclinic.dosing import Protocol, vitals_times_during_min
from kitclinic.dosing.library.model import Direction, VitalThreshold

# library vital code -> (reading field, label, unit)
VITALS = {
    "sbp_mmhg": ("sbp", "SBP", "mmHg"),
    "dbp_mmhg": ("dbp", "DBP", "mmHg"),
    "hr_per_min": ("hr", "HR", "/min"),
    "rr_per_min": ("rr", "RR", "/min"),
    "spo2_pct": ("spo2", "SpO2", "%"),
}
_WORDS = {
    Direction.ABOVE: ">",
    Direction.AT_OR_ABOVE: "≥",
    Direction.BELOW: "<",
    Direction.AT_OR_BELOW: "≤",
}


@dataclass(frozen=True)
class Reading:
    sbp: int
    dbp: int
    hr: int
    rr: int
    spo2: int

    def as_fields(self) -> dict[str, int]:
        return asdict(self)


def _crosses(value: Decimal, direction: Direction, limit: Decimal) -> bool:
    return {
        Direction.ABOVE: value > limit,
        Direction.AT_OR_ABOVE: value >= limit,
        Direction.BELOW: value < limit,
        Direction.AT_OR_BELOW: value <= limit,
    }[direction]


def _alert(
    t: VitalThreshold, value: int, compared: Decimal, baseline: int | None
) -> dict[str, Any]:
    field, label, unit = VITALS[t.vital.value]
    limit = t.limit.value.normalize()
    if t.relative_to_baseline:
        text = (
            f"{label} {value} {unit} is {compared:+} over the pre-infusion baseline {baseline} "
            f"(alert at a rise {_WORDS[t.direction]} {limit:f})"
        )
    else:
        text = f"{label} {value} {unit} ({_WORDS[t.direction]} {limit:f} {unit})"
    return {
        "code": t.code,
        "vital": field,
        "action": t.action,
        "message": f"{text}: {t.action}.",
        "source": t.limit.source.label,
    }


def absolute_alerts(protocol: Protocol, reading: Reading) -> list[dict[str, Any]]:
    """Thresholds on the absolute value that the reading crosses (the check-in gate)."""
    out = []
    for t in protocol.vitals_thresholds:
        if t.relative_to_baseline:
            continue
        value = getattr(reading, VITALS[t.vital.value][0])
        if _crosses(Decimal(value), t.direction, t.limit.value):
            out.append(_alert(t, value, Decimal(value), None))
    return out


def alerts_for(
    protocol: Protocol, reading: Reading, baseline: Reading | None
) -> list[dict[str, Any]]:
    """Absolute alerts, plus change-from-baseline alerts when the baseline is known."""
    out = absolute_alerts(protocol, reading)
    if baseline is None:
        return out
    for t in protocol.vitals_thresholds:
        if not t.relative_to_baseline:
            continue
        field = VITALS[t.vital.value][0]
        value, base = getattr(reading, field), getattr(baseline, field)
        rise = Decimal(value - base)
        if _crosses(rise, t.direction, t.limit.value):
            out.append(_alert(t, value, rise, base))
    return out


@dataclass(frozen=True)
class Slot:
    minute: int
    phase: str  # "pre", "infusion" or "recovery"
    due_at: dt.datetime | None


def schedule_minutes(
    protocol: Protocol, duration_min: Decimal, end_minute: int | None, until_minute: int
) -> list[tuple[int, str]]:
    """(minute from start, phase) of every planned set: 0 (the pre-infusion baseline), every
    ``during_every_min`` and the end of the infusion, then every ``after_every_min`` from the
    end (the actual end when known) up to ``until_minute``."""
    during = [int(math.ceil(m)) for m in vitals_times_during_min(protocol, duration_min)]
    end = end_minute if end_minute is not None else during[-1]
    if end_minute is not None:
        during = [m for m in during if m < end_minute] + [end_minute]
    slots = [(0, "pre")] + [(m, "infusion") for m in during if m > 0]
    step = int(protocol.vitals_schedule.after_every_min.value)
    minute = end + step
    while minute <= max(until_minute, end + step):
        slots.append((minute, "recovery"))
        minute += step
    seen: set[int] = set()
    unique = []
    for minute, phase in slots:
        if minute not in seen:
            seen.add(minute)
            unique.append((minute, phase))
    return unique


# What a vitals field accepts as input: wide bounds that catch a typing error, a unit mix-up or an
# integer past its column's range (SBP 32768 was a server error), never clinical thresholds (the
# protocol's thresholds raise the alerts; docs/infusions.md, "Vitals input").
VITALS_INPUT_RANGE = {
    "sbp": (1, 400),
    "dbp": (1, 300),
    "hr": (1, 350),
    "rr": (1, 120),
    "spo2": (1, 100),
}
VITALS_LABELS = {
    "sbp": "SBP (mmHg)",
    "dbp": "DBP (mmHg)",
    "hr": "HR (/min)",
    "rr": "RR (/min)",
    "spo2": "SpO2 (%)",
}


def validate_vitals(*, sbp: int, dbp: int, hr: int, rr: int, spo2: int) -> dict[str, list[str]]:
    """Field errors of one set of vitals (check-in, the vitals slots; pages and API alike)."""
    errors: dict[str, list[str]] = {}
    for name, value in (("sbp", sbp), ("dbp", dbp), ("hr", hr), ("rr", rr), ("spo2", spo2)):
        low, high = VITALS_INPUT_RANGE[name]
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = [f"Give {VITALS_LABELS[name]} as a whole number ({low}–{high})."]
        elif not low <= value <= high:
            errors[name] = [
                f"{VITALS_LABELS[name]} {value} is outside what can be entered ({low}–{high}): "
                "check the reading."
            ]
    if "sbp" not in errors and "dbp" not in errors and dbp >= sbp:
        errors["dbp"] = [f"Diastolic {dbp} must be below systolic {sbp}."]
    return errors
