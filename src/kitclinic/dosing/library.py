"""The drug library: one entry per indication and protocol, each with its own limits (L1;
[ismp-smart-pumps]).

Everything here is plain frozen dataclasses built from, and serialised to, a JSON-compatible dict.
That dict is how a library *version* is stored (immutably, Q1): ``library_from_dict`` validates it
and raises :class:`LibraryError` naming the offending field, ``library_to_dict`` writes it back.
Numbers are :class:`~decimal.Decimal` (written as strings so a JSON round trip is exact).

Every figure is a :class:`SourcedValue`: the number plus where it comes from. A ``reference``
source names its keys in docs/sources.md and a short citation; a ``clinic_setting`` source gives
the reason the value is a local choice (UNVERIFIED, a one-clinic [C] figure, or no figure at all;
see [kitclinic-settings]). Limits are inclusive: a value equal
to a limit is within it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

SCHEMA_VERSION = 1


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


class DosingMode(StrEnum):
    """The fixed dosing unit of a protocol (U2)."""

    # dose in mg/kg given over duration_min; the rate follows from both
    MG_PER_KG_OVER_DURATION = "mg_per_kg_over_duration"
    # dose is itself a rate in mg/kg/h, run for duration_min (chronic-pain infusions)
    MG_PER_KG_PER_H = "mg_per_kg_per_h"

    @property
    def dose_unit(self) -> str:
        return "mg/kg" if self is DosingMode.MG_PER_KG_OVER_DURATION else "mg/kg/h"


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


# --------------------------------------------------------------------------------------------
# dict -> dataclasses, with the path of every value so an error names the field

_T = TypeVar("_T")
_E = TypeVar("_E", bound=StrEnum)


def _field(data: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in data:
        raise LibraryError(f"{path}.{key}", "missing")
    return data[key]


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise LibraryError(path, f"expected an object, got {type(value).__name__}")
    return value


def _text(value: Any, path: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise LibraryError(path, f"expected a non-empty string, got {value!r}")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise LibraryError(path, f"expected true or false, got {value!r}")
    return value


def _enum(cls: type[_E], value: Any, path: str) -> _E:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(member) for member in cls)
        raise LibraryError(path, f"expected one of {allowed}, got {value!r}") from None


def _decimal(value: Any, path: str) -> Decimal:
    # bool is an int subclass; a true/false where a number belongs is a typo, not 1/0
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise LibraryError(path, f"expected a number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise LibraryError(path, f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise LibraryError(path, f"expected a finite number, got {value!r}")
    if number <= 0:
        raise LibraryError(path, f"must be > 0, got {value!r}")
    return number


def _source(value: Any, path: str) -> Source:
    data = _mapping(value, path)
    kind = _enum(SourceKind, _field(data, "kind", path), f"{path}.kind")
    section = _text(data.get("section", ""), f"{path}.section", allow_empty=True)
    citation = _text(data.get("citation", ""), f"{path}.citation", allow_empty=True)
    reason = _text(data.get("reason", ""), f"{path}.reason", allow_empty=True)
    if kind is SourceKind.REFERENCE:
        _text(section, f"{path}.section")
        _text(citation, f"{path}.citation")
    else:
        # a clinic setting without its reason is exactly the silent figure this library forbids
        _text(reason, f"{path}.reason")
    return Source(kind=kind, section=section, citation=citation, reason=reason)


def _sourced(value: Any, path: str) -> SourcedValue:
    data = _mapping(value, path)
    return SourcedValue(
        value=_decimal(_field(data, "value", path), f"{path}.value"),
        source=_source(_field(data, "source", path), f"{path}.source"),
    )


def _optional(
    data: Mapping[str, Any], key: str, path: str, parse: Callable[[Any, str], _T]
) -> _T | None:
    value = data.get(key)
    return None if value is None else parse(value, f"{path}.{key}")


_BOUNDS = ("hard_min", "soft_min", "soft_max", "hard_max")


def _limits(value: Any, path: str, *, required: tuple[str, ...] = ()) -> Limits:
    data = _mapping(value, path)
    unknown = sorted(set(data) - set(_BOUNDS))
    if unknown:
        raise LibraryError(f"{path}.{unknown[0]}", f"unknown bound (allowed: {', '.join(_BOUNDS)})")
    limits = Limits(**{b: _optional(data, b, path, _sourced) for b in _BOUNDS})
    for bound in required:
        if getattr(limits, bound) is None:
            raise LibraryError(f"{path}.{bound}", "missing (required for this quantity)")
    present = [(b, getattr(limits, b)) for b in _BOUNDS if getattr(limits, b) is not None]
    for (low_name, low), (high_name, high) in zip(present, present[1:], strict=False):
        if low.value > high.value:
            raise LibraryError(
                f"{path}.{high_name}",
                f"{high.value} is below {low_name} {low.value} (need hard_min <= soft_min <= "
                "soft_max <= hard_max)",
            )
    return limits


def _course(value: Any, path: str) -> CourseTemplate:
    data = _mapping(value, path)
    return CourseTemplate(
        infusions=_sourced(_field(data, "infusions", path), f"{path}.infusions"),
        window_days=_sourced(_field(data, "window_days", path), f"{path}.window_days"),
        max_per_week=_sourced(_field(data, "max_per_week", path), f"{path}.max_per_week"),
        review_after_infusion=_optional(data, "review_after_infusion", path, _sourced),
    )


def _vitals_schedule(value: Any, path: str) -> VitalsSchedule:
    data = _mapping(value, path)
    return VitalsSchedule(
        during_every_min=_sourced(
            _field(data, "during_every_min", path), f"{path}.during_every_min"
        ),
        after_every_min=_sourced(_field(data, "after_every_min", path), f"{path}.after_every_min"),
    )


def _threshold(value: Any, path: str) -> VitalThreshold:
    data = _mapping(value, path)
    return VitalThreshold(
        code=_text(_field(data, "code", path), f"{path}.code"),
        vital=_enum(VitalSign, _field(data, "vital", path), f"{path}.vital"),
        direction=_enum(Direction, _field(data, "direction", path), f"{path}.direction"),
        limit=_sourced(_field(data, "limit", path), f"{path}.limit"),
        relative_to_baseline=_bool(
            _field(data, "relative_to_baseline", path), f"{path}.relative_to_baseline"
        ),
        action=_text(_field(data, "action", path), f"{path}.action"),
    )


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise LibraryError(path, f"expected a list, got {type(value).__name__}")
    return list(value)


def _within_soft(limits: Limits, value: Decimal) -> bool:
    low = limits.soft_min or limits.hard_min
    high = limits.soft_max or limits.hard_max
    return (low is None or value >= low.value) and (high is None or value <= high.value)


def _protocol(value: Any, path: str) -> Protocol:
    data = _mapping(value, path)
    mode = _enum(DosingMode, _field(data, "dosing_mode", path), f"{path}.dosing_mode")
    rate_path = f"{path}.rate_limits_mg_per_kg_per_h"
    raw_rate = data.get("rate_limits_mg_per_kg_per_h")
    rate_limits: Limits | None
    if mode is DosingMode.MG_PER_KG_OVER_DURATION:
        if raw_rate is None:
            raise LibraryError(rate_path, "missing (required in mg_per_kg_over_duration mode)")
        rate_limits = _limits(raw_rate, rate_path, required=("hard_max",))
    else:
        if raw_rate is not None:
            raise LibraryError(rate_path, "must be null in mg_per_kg_per_h mode (use dose_limits)")
        rate_limits = None
    concentrations = tuple(
        _sourced(c, f"{path}.concentrations_mg_per_ml[{i}]")
        for i, c in enumerate(_list(_field(data, "concentrations_mg_per_ml", path), path))
    )
    if not concentrations:
        raise LibraryError(f"{path}.concentrations_mg_per_ml", "at least one is required (L6)")
    if len({c.value for c in concentrations}) != len(concentrations):
        raise LibraryError(f"{path}.concentrations_mg_per_ml", "duplicate concentration")
    protocol = Protocol(
        id=_text(_field(data, "id", path), f"{path}.id"),
        name=_text(_field(data, "name", path), f"{path}.name"),
        indication=_enum(Indication, _field(data, "indication", path), f"{path}.indication"),
        is_default=_bool(_field(data, "is_default", path), f"{path}.is_default"),
        dosing_mode=mode,
        default_dose=_sourced(_field(data, "default_dose", path), f"{path}.default_dose"),
        default_duration_min=_sourced(
            _field(data, "default_duration_min", path), f"{path}.default_duration_min"
        ),
        dose_limits=_limits(
            _field(data, "dose_limits", path), f"{path}.dose_limits", required=("hard_max",)
        ),
        duration_limits_min=_limits(
            _field(data, "duration_limits_min", path),
            f"{path}.duration_limits_min",
            required=("hard_max",),
        ),
        rate_limits_mg_per_kg_per_h=rate_limits,
        dose_limits_mg=_limits(
            _field(data, "dose_limits_mg", path), f"{path}.dose_limits_mg", required=("hard_max",)
        ),
        concentrations_mg_per_ml=concentrations,
        weight_limits_kg=_limits(
            _field(data, "weight_limits_kg", path),
            f"{path}.weight_limits_kg",
            required=("hard_min", "hard_max"),
        ),
        weight_change_max_fraction=_sourced(
            _field(data, "weight_change_max_fraction", path), f"{path}.weight_change_max_fraction"
        ),
        interval_limits_h=_limits(
            _field(data, "interval_limits_h", path), f"{path}.interval_limits_h"
        ),
        weekly_limits_mg_per_kg=_limits(
            _field(data, "weekly_limits_mg_per_kg", path), f"{path}.weekly_limits_mg_per_kg"
        ),
        course=_optional(data, "course", path, _course),
        vitals_schedule=_vitals_schedule(
            _field(data, "vitals_schedule", path), f"{path}.vitals_schedule"
        ),
        vitals_thresholds=tuple(
            _threshold(t, f"{path}.vitals_thresholds[{i}]")
            for i, t in enumerate(_list(_field(data, "vitals_thresholds", path), path))
        ),
        notes=_text(data.get("notes", ""), f"{path}.notes", allow_empty=True),
        min_observation_min=_optional(data, "min_observation_min", path, _sourced)
        or MIN_OBSERVATION_CARRIED_IN,
    )
    for name in ("soft_max", "hard_max"):
        if getattr(protocol.interval_limits_h, name) is not None:
            raise LibraryError(f"{path}.interval_limits_h.{name}", "only minimum intervals apply")
    # the protocol's own default regimen must pass its soft limits, or every order warns
    if not _within_soft(protocol.dose_limits, protocol.default_dose.value):
        raise LibraryError(f"{path}.default_dose.value", "outside the protocol's dose limits")
    if not _within_soft(protocol.duration_limits_min, protocol.default_duration_min.value):
        raise LibraryError(
            f"{path}.default_duration_min.value", "outside the protocol's duration limits"
        )
    if rate_limits is not None:
        default_rate = protocol.default_dose.value * 60 / protocol.default_duration_min.value
        if not _within_soft(rate_limits, default_rate):
            raise LibraryError(
                f"{path}.default_dose.value",
                f"default regimen rate {default_rate.normalize():f} mg/kg/h is outside "
                "rate_limits_mg_per_kg_per_h",
            )
    return protocol


def library_from_dict(data: Any) -> DrugLibrary:
    """Validate a library dict (as stored in a library version) and build the dataclasses."""
    root = _mapping(data, "library")
    schema = root.get("schema_version")
    if schema != SCHEMA_VERSION:
        raise LibraryError("library.schema_version", f"expected {SCHEMA_VERSION}, got {schema!r}")
    protocols = tuple(
        _protocol(p, f"protocols[{i}]")
        for i, p in enumerate(_list(_field(root, "protocols", "library"), "library.protocols"))
    )
    if not protocols:
        raise LibraryError("library.protocols", "at least one protocol is required")
    seen: set[str] = set()
    for i, protocol in enumerate(protocols):
        if protocol.id in seen:
            raise LibraryError(f"protocols[{i}].id", f"duplicate protocol id {protocol.id!r}")
        seen.add(protocol.id)
    for indication in {p.indication for p in protocols}:
        defaults = [p.id for p in protocols if p.indication is indication and p.is_default]
        if len(defaults) != 1:
            raise LibraryError(
                "protocols",
                f"indication {indication} needs exactly one is_default protocol, has {defaults}",
            )
    return DrugLibrary(
        version=_text(_field(root, "version", "library"), "library.version"),
        drug=_text(_field(root, "drug", "library"), "library.drug"),
        protocols=protocols,
    )


def library_from_json(text: str) -> DrugLibrary:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LibraryError("library", f"not valid JSON ({error})") from None
    return library_from_dict(data)


# --------------------------------------------------------------------------------------------
# dataclasses -> dict (the stored form)


def _number_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _source_dict(source: Source) -> dict[str, str]:
    out = {"kind": str(source.kind)}
    for key in ("section", "citation", "reason"):
        if getattr(source, key):
            out[key] = getattr(source, key)
    return out


def _sourced_dict(value: SourcedValue) -> dict[str, Any]:
    return {"value": _number_text(value.value), "source": _source_dict(value.source)}


def _limits_dict(limits: Limits) -> dict[str, Any]:
    return {b: _sourced_dict(getattr(limits, b)) for b in _BOUNDS if getattr(limits, b)}


def protocol_to_dict(protocol: Protocol) -> dict[str, Any]:
    course = protocol.course
    return {
        "id": protocol.id,
        "name": protocol.name,
        "indication": str(protocol.indication),
        "is_default": protocol.is_default,
        "dosing_mode": str(protocol.dosing_mode),
        "default_dose": _sourced_dict(protocol.default_dose),
        "default_duration_min": _sourced_dict(protocol.default_duration_min),
        "dose_limits": _limits_dict(protocol.dose_limits),
        "duration_limits_min": _limits_dict(protocol.duration_limits_min),
        "rate_limits_mg_per_kg_per_h": (
            None
            if protocol.rate_limits_mg_per_kg_per_h is None
            else _limits_dict(protocol.rate_limits_mg_per_kg_per_h)
        ),
        "dose_limits_mg": _limits_dict(protocol.dose_limits_mg),
        "concentrations_mg_per_ml": [_sourced_dict(c) for c in protocol.concentrations_mg_per_ml],
        "weight_limits_kg": _limits_dict(protocol.weight_limits_kg),
        "weight_change_max_fraction": _sourced_dict(protocol.weight_change_max_fraction),
        "interval_limits_h": _limits_dict(protocol.interval_limits_h),
        "weekly_limits_mg_per_kg": _limits_dict(protocol.weekly_limits_mg_per_kg),
        "course": None
        if course is None
        else {
            "infusions": _sourced_dict(course.infusions),
            "window_days": _sourced_dict(course.window_days),
            "max_per_week": _sourced_dict(course.max_per_week),
            "review_after_infusion": None
            if course.review_after_infusion is None
            else _sourced_dict(course.review_after_infusion),
        },
        "vitals_schedule": {
            "during_every_min": _sourced_dict(protocol.vitals_schedule.during_every_min),
            "after_every_min": _sourced_dict(protocol.vitals_schedule.after_every_min),
        },
        "vitals_thresholds": [
            {
                "code": t.code,
                "vital": str(t.vital),
                "direction": str(t.direction),
                "limit": _sourced_dict(t.limit),
                "relative_to_baseline": t.relative_to_baseline,
                "action": t.action,
            }
            for t in protocol.vitals_thresholds
        ],
        "notes": protocol.notes,
        "min_observation_min": _sourced_dict(protocol.min_observation_min),
    }


def library_to_dict(library: DrugLibrary) -> dict[str, Any]:
    """The JSON-compatible stored form; ``library_from_dict`` of it gives an equal library."""
    return {
        "schema_version": SCHEMA_VERSION,
        "version": library.version,
        "drug": library.drug,
        "protocols": [protocol_to_dict(p) for p in library.protocols],
    }


def vitals_times_during_min(protocol: Protocol, duration_min: Decimal | int) -> tuple[Decimal, ...]:
    """Minutes at which a full vital-sign set is due during the infusion: 0, every N, and the end."""
    step = protocol.vitals_schedule.during_every_min.value
    end = Decimal(duration_min)
    count = math.floor(end / step)
    times = [step * i for i in range(count + 1)]
    if times[-1] != end:
        times.append(end)
    return tuple(times)
