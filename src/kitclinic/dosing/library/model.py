"""The drug library's dataclasses: protocols and their limits, each figure with its source.

Limits are inclusive: a value equal to a limit is within it. Numbers are
:class:`~decimal.Decimal`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

SCHEMA_VERSION = 1
# The bounds of a Limits, lowest first.
BOUNDS = ("hard_min", "soft_min", "soft_max", "hard_max")
BOUND_LABELS = {
    "hard_min": "hard minimum",
    "soft_min": "soft minimum",
    "soft_max": "soft maximum",
    "hard_max": "hard maximum",
}


class LibraryError(ValueError):
    """A malformed drug library. ``field`` is the dotted path of the offending value."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class Indication(StrEnum):
    DEPRESSION = "depression"
    PTSD = "ptsd"
    ANXIETY = "anxiety"
    CHRONIC_PAIN = "chronic_pain"


class TreatmentKind(StrEnum):
    """What is given and how: the course, its protocol and its sessions follow the kind's steps."""

    IV_KETAMINE = "iv_ketamine"
    ESKETAMINE_NASAL = "esketamine_nasal"

    @property
    def label(self) -> str:
        return TREATMENT_KIND_LABELS[self]


TREATMENT_KIND_LABELS = {
    TreatmentKind.IV_KETAMINE: "IV ketamine infusion",
    TreatmentKind.ESKETAMINE_NASAL: "Esketamine nasal spray",
}


class DosingMode(StrEnum):
    """The fixed dosing unit of a protocol (U2)."""

    # dose in mg/kg given over duration_min; the rate follows from both
    MG_PER_KG_OVER_DURATION = "mg_per_kg_over_duration"
    # dose is itself a rate in mg/kg/h, run for duration_min (chronic-pain infusions)
    MG_PER_KG_PER_H = "mg_per_kg_per_h"
    # dose is one of a protocol's fixed doses in mg, given as whole devices (esketamine nasal
    # spray): no mg/kg, no rate, no pump program
    FIXED_MG = "fixed_mg"

    @property
    def dose_unit(self) -> str:
        return _DOSE_UNITS[self]


_DOSE_UNITS = {
    DosingMode.MG_PER_KG_OVER_DURATION: "mg/kg",
    DosingMode.MG_PER_KG_PER_H: "mg/kg/h",
    DosingMode.FIXED_MG: "mg",
}


class SourceKind(StrEnum):
    REFERENCE = "reference"
    CLINIC_SETTING = "clinic_setting"


class VitalSign(StrEnum):
    SBP_MMHG = "sbp_mmhg"
    DBP_MMHG = "dbp_mmhg"
    HR_PER_MIN = "hr_per_min"
    RR_PER_MIN = "rr_per_min"
    SPO2_PCT = "spo2_pct"


class Direction(StrEnum):
    ABOVE = "above"
    AT_OR_ABOVE = "at_or_above"
    BELOW = "below"
    AT_OR_BELOW = "at_or_below"


@dataclass(frozen=True)
class Source:
    """Where a figure comes from.

    ``reference``: ``section`` (the docs/sources.md keys, e.g. "[kitclinic-dose-rules] L2;
    [andrade-dosing]") and ``citation`` are required; ``reason`` may add how the figure is used.
    ``clinic_setting``: ``reason`` is required (why no published figure is used); ``section`` and
    ``citation`` may still name what the default was derived from. Governance confirms every
    default either way ([kitclinic-settings]).
    """

    kind: SourceKind
    section: str = ""
    citation: str = ""
    reason: str = ""

    @property
    def label(self) -> str:
        if self.kind is SourceKind.REFERENCE:
            note = f" ({self.reason})" if self.reason else ""
            return f"{self.section}; {self.citation}{note}"
        derived = f" [from {self.section}]" if self.section else ""
        return f"clinic setting: {self.reason}{derived}"


@dataclass(frozen=True)
class SourcedValue:
    value: Decimal
    source: Source


@dataclass(frozen=True)
class Limits:
    """Inclusive soft and hard bounds of one quantity; ``None`` means that bound is not set."""

    hard_min: SourcedValue | None = None
    soft_min: SourcedValue | None = None
    soft_max: SourcedValue | None = None
    hard_max: SourcedValue | None = None


@dataclass(frozen=True)
class CourseTemplate:
    """The induction course: ``infusions`` within ``window_days``, at most ``max_per_week``."""

    infusions: SourcedValue
    window_days: SourcedValue
    max_per_week: SourcedValue
    review_after_infusion: SourcedValue | None = None


@dataclass(frozen=True)
class VitalsSchedule:
    """Minutes between vital-sign sets during and after the infusion (plus t = 0 and the end)."""

    during_every_min: SourcedValue
    after_every_min: SourcedValue


@dataclass(frozen=True)
class VitalThreshold:
    """Alert when ``vital`` is ``direction`` of ``limit`` (a rise over baseline if relative)."""

    code: str
    vital: VitalSign
    direction: Direction
    limit: SourcedValue
    relative_to_baseline: bool
    action: str


@dataclass(frozen=True)
class NasalRegimen:
    """The fixed-dose steps of a nasal-spray protocol ([spravato-label]).

    ``fixed_doses_mg``: the only doses that may be ordered, each a whole number of devices of
    ``mg_per_device``. ``first_dose_mg``: the dose of a course's first session.
    ``device_interval_min``: the least rest between two devices. ``predose_sbp_mmhg`` /
    ``predose_dbp_mmhg``: a blood pressure before dosing above either is a soft stop (a
    physician's reason to go on). ``post_dose_bp_at_min``: when, after the last device, the
    blood pressure the discharge check needs is due.
    """

    fixed_doses_mg: tuple[SourcedValue, ...]
    first_dose_mg: SourcedValue
    mg_per_device: SourcedValue
    device_interval_min: SourcedValue
    predose_sbp_mmhg: SourcedValue
    predose_dbp_mmhg: SourcedValue
    post_dose_bp_at_min: SourcedValue

    @property
    def doses_mg(self) -> tuple[Decimal, ...]:
        return tuple(d.value for d in self.fixed_doses_mg)

    def devices_for(self, dose_mg: Decimal) -> int:
        """The number of devices that give ``dose_mg`` (a dose of the regimen)."""
        return int(dose_mg / self.mg_per_device.value)


# Library versions written before ``min_observation_min`` existed load with this value (the
# shipped default's figure, marked as carried in so the library page says where it came from).
MIN_OBSERVATION_CARRIED_IN = SourcedValue(
    value=Decimal(30),
    source=Source(
        kind=SourceKind.CLINIC_SETTING,
        section="[asa-postanesthesia]; [thrive-observation]",
        reason="not set in this library version (written before the field existed); the "
        "shipped default applies: no mandatory minimum (ASA), 30–60 min typical for KIT [C], "
        "lower end",
    ),
)


@dataclass(frozen=True)
class Protocol:
    """One drug-library entry. Units are in the field names; ``dose`` is in ``dose_unit``."""

    id: str
    name: str
    indication: Indication
    is_default: bool
    dosing_mode: DosingMode
    default_dose: SourcedValue
    default_duration_min: SourcedValue
    dose_limits: Limits
    duration_limits_min: Limits
    # only in mg_per_kg_over_duration mode: in rate mode the dose *is* the rate
    rate_limits_mg_per_kg_per_h: Limits | None
    # hard_max is the absolute per-session cap (L5)
    dose_limits_mg: Limits
    concentrations_mg_per_ml: tuple[SourcedValue, ...]
    weight_limits_kg: Limits
    weight_change_max_fraction: SourcedValue
    interval_limits_h: Limits
    weekly_limits_mg_per_kg: Limits
    course: CourseTemplate | None
    vitals_schedule: VitalsSchedule
    vitals_thresholds: tuple[VitalThreshold, ...]
    notes: str = ""
    # observation after the infusion ends before discharge without an override
    # ([kitclinic-workflow])
    min_observation_min: SourcedValue = MIN_OBSERVATION_CARRIED_IN
    # versions written before treatment kinds existed hold IV ketamine protocols only
    treatment_kind: TreatmentKind = TreatmentKind.IV_KETAMINE
    # only (and always) in fixed_mg mode, the esketamine_nasal kind
    nasal: NasalRegimen | None = None

    @property
    def dose_unit(self) -> str:
        return self.dosing_mode.dose_unit


@dataclass(frozen=True)
class DrugLibrary:
    version: str
    drug: str
    protocols: tuple[Protocol, ...]

    def protocol(self, protocol_id: str) -> Protocol:
        for protocol in self.protocols:
            if protocol.id == protocol_id:
                return protocol
        raise KeyError(protocol_id)

    def protocols_for(self, indication: Indication | str) -> tuple[Protocol, ...]:
        return tuple(p for p in self.protocols if p.indication == indication)

    def default_protocol(self, indication: Indication | str) -> Protocol:
        for protocol in self.protocols_for(indication):
            if protocol.is_default:
                return protocol
        raise KeyError(str(indication))


def vitals_times_during_min(protocol: Protocol, duration_min: Decimal | int) -> tuple[Decimal, ...]:
    """Minutes at which a full vital-sign set is due during the infusion: 0, every N, and the end."""
    step = protocol.vitals_schedule.during_every_min.value
    end = Decimal(duration_min)
    count = math.floor(end / step)
    times = [step * i for i in range(count + 1)]
    if times[-1] != end:
        times.append(end)
    return tuple(times)
