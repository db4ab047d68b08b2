"""Fixed-dose nasal-spray protocols (esketamine): the order check and the session's timing rules,
as pure functions ([spravato-label]; docs/esketamine.md).

A nasal protocol has no mg/kg, no rate and no pump program: the dose is one of the protocol's
fixed doses in mg, given as whole devices of ``mg_per_device`` with at least
``device_interval_min`` between two devices. Blood pressure is taken before the first device (a
value above the protocol's pre-dose figures is a soft stop) and again ``post_dose_bp_at_min``
after the last one; discharge waits ``min_observation_min`` after the last device.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .checker import (
    OVERRIDE_HARD,
    CheckedFindings,
    DoseInputError,
    Finding,
    Number,
    Severity,
    check_limits,
    to_decimal,
)
from .library.model import DosingMode, NasalRegimen, Protocol
from .units import format_number


class NotANasalProtocol(ValueError):
    """The protocol is not a fixed-dose nasal protocol."""


def regimen_of(protocol: Protocol) -> NasalRegimen:
    if protocol.dosing_mode is not DosingMode.FIXED_MG or protocol.nasal is None:
        raise NotANasalProtocol(f"protocol {protocol.id} is not a fixed-dose nasal protocol")
    return protocol.nasal


def _mg(value: Decimal) -> str:
    return f"{format_number(value, 2)} mg"


@dataclass(frozen=True)
class FixedDoseCheck(CheckedFindings):
    """One fixed-dose order: the dose in mg, the devices it takes, and the findings."""

    protocol_id: str
    dose_mg: Decimal
    devices: int
    findings: tuple[Finding, ...]


def _fixed_dose(regimen: NasalRegimen, dose_mg: Decimal) -> Finding:
    allowed = ", ".join(_mg(d) for d in sorted(regimen.doses_mg))
    if dose_mg in regimen.doses_mg:
        return Finding(
            rule="fixed_dose",
            code="fixed_dose_allowed",
            severity=Severity.OK,
            message=f"Dose {_mg(dose_mg)} is one of this protocol's fixed doses ({allowed}).",
            value=dose_mg,
            unit="mg",
        )
    return Finding(
        rule="fixed_dose",
        code="fixed_dose_not_allowed",
        severity=Severity.HARD,
        message=f"Dose {_mg(dose_mg)} is not one of this protocol's fixed doses ({allowed}). "
        f"{OVERRIDE_HARD}",
        value=dose_mg,
        unit="mg",
        source=regimen.fixed_doses_mg[0].source.label,
    )


def _first_dose(regimen: NasalRegimen, dose_mg: Decimal, first_of_course: bool) -> Finding:
    first = regimen.first_dose_mg.value
    if not first_of_course or dose_mg == first:
        return Finding(
            rule="first_dose",
            code="first_dose_ok",
            severity=Severity.OK,
            message=(
                f"The first session of a course starts at {_mg(first)}."
                if first_of_course
                else "Not the course's first session: any fixed dose may be ordered."
            ),
        )
    return Finding(
        rule="first_dose",
        code="first_dose_not_starting_dose",
        severity=Severity.HARD,
        message=f"The first session of a course starts at {_mg(first)}, not {_mg(dose_mg)}. "
        f"{OVERRIDE_HARD}",
        value=dose_mg,
        limit=first,
        unit="mg",
        source=regimen.first_dose_mg.source.label,
    )


def check_fixed_dose(
    protocol: Protocol,
    *,
    dose_mg: Number,
    first_of_course: bool,
    hours_since_last: Number | None = None,
) -> FixedDoseCheck:
    """Check a fixed-dose order against a nasal ``protocol``.

    ``dose_mg``: the ordered dose in mg. ``first_of_course``: no earlier session of the course
    was given a dose (the label's starting dose applies). ``hours_since_last``: hours since the
    last session started (the protocol's minimum intervals). Raises :class:`DoseInputError` for a
    dose that is not a finite number > 0 and :class:`NotANasalProtocol` for an IV protocol.
    """
    regimen = regimen_of(protocol)
    dose = to_decimal("dose_mg", dose_mg)
    if dose <= 0:
        raise DoseInputError("dose_mg", f"must be > 0 (got {format_number(dose, 6)})")
    findings = [
        _fixed_dose(regimen, dose),
        _first_dose(regimen, dose, first_of_course),
        check_limits("dose_mg", "Total dose", dose, protocol.dose_limits_mg, "mg", 2),
    ]
    if hours_since_last is None:
        findings.append(
            Finding(
                rule="interval",
                code="interval_no_previous",
                severity=Severity.OK,
                message="No previous session given; interval not checked.",
            )
        )
    else:
        since = to_decimal("hours_since_last", hours_since_last)
        if since < 0:
            raise DoseInputError("hours_since_last", "must be >= 0")
        findings.append(
            check_limits(
                "interval", "Time since the last session", since, protocol.interval_limits_h, "h", 1
            )
        )
    per_device = regimen.mg_per_device.value
    devices = int(dose // per_device) if dose % per_device == 0 else 0
    return FixedDoseCheck(
        protocol_id=protocol.id, dose_mg=dose, devices=devices, findings=tuple(findings)
    )


def predose_bp_finding(protocol: Protocol, *, sbp_mmhg: int, dbp_mmhg: int) -> Finding:
    """Blood pressure before the first device: above either pre-dose figure is a soft stop (a
    physician weighs the short rise in pressure against the benefit and gives a reason)."""
    regimen = regimen_of(protocol)
    sbp_max, dbp_max = regimen.predose_sbp_mmhg.value, regimen.predose_dbp_mmhg.value
    shown = f"{sbp_mmhg}/{dbp_mmhg} mmHg"
    limit = f"{format_number(sbp_max, 0)}/{format_number(dbp_max, 0)} mmHg"
    if sbp_mmhg > sbp_max or dbp_mmhg > dbp_max:
        return Finding(
            rule="predose_bp",
            code="predose_bp_above",
            severity=Severity.SOFT,
            message=f"Blood pressure before dosing {shown} is above {limit}: a physician "
            "weighs the short rise in blood pressure the spray causes against its benefit and "
            "gives the reason to go on.",
            value=Decimal(sbp_mmhg),
            limit=sbp_max,
            unit="mmHg",
            source=regimen.predose_sbp_mmhg.source.label,
        )
    return Finding(
        rule="predose_bp",
        code="predose_bp_within",
        severity=Severity.OK,
        message=f"Blood pressure before dosing {shown} is not above {limit}.",
        value=Decimal(sbp_mmhg),
        unit="mmHg",
    )


def next_device_at(protocol: Protocol, previous_at: dt.datetime) -> dt.datetime:
    """The earliest time the next device may be given after one given at ``previous_at``."""
    minutes = regimen_of(protocol).device_interval_min.value
    return previous_at + dt.timedelta(minutes=float(minutes))


def post_dose_bp_due_at(protocol: Protocol, last_device_at: dt.datetime) -> dt.datetime:
    """When the blood pressure after dosing is due (``post_dose_bp_at_min`` after the last
    device)."""
    minutes = regimen_of(protocol).post_dose_bp_at_min.value
    return last_device_at + dt.timedelta(minutes=float(minutes))


def discharge_possible_at(protocol: Protocol, last_device_at: dt.datetime) -> dt.datetime:
    """The earliest discharge: ``min_observation_min`` after the last device."""
    regimen_of(protocol)
    return last_device_at + dt.timedelta(minutes=float(protocol.min_observation_min.value))
