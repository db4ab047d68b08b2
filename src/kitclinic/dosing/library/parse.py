"""dict -> dataclasses: validate a stored library version, naming the path of every bad value."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from .model import (
    BOUND_LABELS,
    BOUNDS,
    MIN_OBSERVATION_CARRIED_IN,
    SCHEMA_VERSION,
    CourseTemplate,
    Direction,
    DosingMode,
    DrugLibrary,
    Indication,
    LibraryError,
    Limits,
    NasalRegimen,
    Protocol,
    Source,
    SourcedValue,
    SourceKind,
    TreatmentKind,
    VitalSign,
    VitalsSchedule,
    VitalThreshold,
)

_T = TypeVar("_T")
PROTOCOL_ID = re.compile(r"[a-z][a-z0-9-]{1,79}")
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
        raise LibraryError(path, f"must be a number greater than 0, got {value!r}")
    return number


def _source(value: Any, path: str) -> Source:
    data = _mapping(value, path)
    kind = _enum(SourceKind, _field(data, "kind", path), f"{path}.kind")
    section = _text(data.get("section", ""), f"{path}.section", allow_empty=True)
    citation = _text(data.get("citation", ""), f"{path}.citation", allow_empty=True)
    reason = _text(data.get("reason", ""), f"{path}.reason", allow_empty=True)
    if kind is SourceKind.REFERENCE:
        if not section.strip():
            raise LibraryError(
                f"{path}.section", "required for a published figure: its keys in docs/sources.md"
            )
        if not citation.strip():
            raise LibraryError(f"{path}.citation", "required for a published figure")
    elif not reason.strip():
        # a clinic setting without its reason is exactly the silent figure this library forbids
        raise LibraryError(
            f"{path}.reason",
            "required for a clinic setting: why no published figure is used",
        )
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


def _limits(value: Any, path: str, *, required: tuple[str, ...] = ()) -> Limits:
    data = _mapping(value, path)
    unknown = sorted(set(data) - set(BOUNDS))
    if unknown:
        raise LibraryError(f"{path}.{unknown[0]}", f"unknown bound (allowed: {', '.join(BOUNDS)})")
    limits = Limits(**{b: _optional(data, b, path, _sourced) for b in BOUNDS})
    for bound in required:
        if getattr(limits, bound) is None:
            raise LibraryError(
                f"{path}.{bound}", f"missing: this quantity needs a {BOUND_LABELS[bound]}"
            )
    present = [(b, getattr(limits, b)) for b in BOUNDS if getattr(limits, b) is not None]
    for (low_name, low), (high_name, high) in zip(present, present[1:], strict=False):
        if low.value > high.value:
            raise LibraryError(
                f"{path}.{high_name}",
                f"{high.value.normalize():f} is below the {BOUND_LABELS[low_name]} "
                f"{low.value.normalize():f}; the {BOUND_LABELS[high_name]} must be at least "
                f"{low.value.normalize():f} (hard minimum ≤ soft minimum ≤ soft maximum ≤ "
                "hard maximum)",
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


def _nasal(value: Any, path: str) -> NasalRegimen:
    data = _mapping(value, path)

    def figure(key: str) -> SourcedValue:
        return _sourced(_field(data, key, path), f"{path}.{key}")

    doses_path = f"{path}.fixed_doses_mg"
    doses = tuple(
        _sourced(d, f"{doses_path}[{i}]")
        for i, d in enumerate(_list(_field(data, "fixed_doses_mg", path), doses_path))
    )
    if not doses:
        raise LibraryError(doses_path, "at least one fixed dose is required")
    if len({d.value for d in doses}) != len(doses):
        raise LibraryError(doses_path, "duplicate fixed dose")
    regimen = NasalRegimen(
        fixed_doses_mg=doses,
        first_dose_mg=figure("first_dose_mg"),
        mg_per_device=figure("mg_per_device"),
        device_interval_min=figure("device_interval_min"),
        predose_sbp_mmhg=figure("predose_sbp_mmhg"),
        predose_dbp_mmhg=figure("predose_dbp_mmhg"),
        post_dose_bp_at_min=figure("post_dose_bp_at_min"),
    )
    per_device = regimen.mg_per_device.value
    for i, dose in enumerate(doses):
        if dose.value % per_device != 0:
            raise LibraryError(
                f"{doses_path}[{i}].value",
                f"{dose.value.normalize():f} mg is not a whole number of "
                f"{per_device.normalize():f} mg devices",
            )
    if regimen.first_dose_mg.value not in regimen.doses_mg:
        raise LibraryError(
            f"{path}.first_dose_mg.value",
            f"the first dose {regimen.first_dose_mg.value.normalize():f} mg is not one of the "
            "fixed doses",
        )
    return regimen


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise LibraryError(path, f"expected a list, got {type(value).__name__}")
    return list(value)


def _within_soft(limits: Limits, value: Decimal) -> bool:
    low = limits.soft_min or limits.hard_min
    high = limits.soft_max or limits.hard_max
    return (low is None or value >= low.value) and (high is None or value <= high.value)


def _protocol_id(value: Any, path: str) -> str:
    # the id names the protocol in a course, an order and a page address
    text = _text(value, path)
    if not PROTOCOL_ID.fullmatch(text):
        raise LibraryError(
            path,
            f"{text!r} is not a protocol id: 2 to 80 lower-case letters, digits and hyphens, "
            "starting with a letter",
        )
    return text


def _range_text(limits: Limits) -> str:
    low = limits.soft_min or limits.hard_min
    high = limits.soft_max or limits.hard_max
    low_text = "no minimum" if low is None else f"{low.value.normalize():f}"
    high_text = "no maximum" if high is None else f"{high.value.normalize():f}"
    return f"{low_text} to {high_text}"


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
            raise LibraryError(rate_path, f"must be null in {mode} mode (use dose_limits)")
        rate_limits = None
    kind = _enum(
        TreatmentKind,
        data.get("treatment_kind", TreatmentKind.IV_KETAMINE),
        f"{path}.treatment_kind",
    )
    fixed = mode is DosingMode.FIXED_MG
    if fixed != (kind is TreatmentKind.ESKETAMINE_NASAL):
        raise LibraryError(
            f"{path}.dosing_mode",
            "fixed_mg dosing goes with the esketamine_nasal treatment kind, and only with it "
            f"(this protocol: {mode}, {kind})",
        )
    nasal = _optional(data, "nasal", path, _nasal)
    if fixed and nasal is None:
        raise LibraryError(f"{path}.nasal", "missing (required in fixed_mg mode)")
    if not fixed and nasal is not None:
        raise LibraryError(f"{path}.nasal", f"must be null in {mode} mode")
    concentrations = tuple(
        _sourced(c, f"{path}.concentrations_mg_per_ml[{i}]")
        for i, c in enumerate(_list(_field(data, "concentrations_mg_per_ml", path), path))
    )
    if fixed and concentrations:
        raise LibraryError(
            f"{path}.concentrations_mg_per_ml", "must be empty in fixed_mg mode (devices, no bag)"
        )
    if not fixed and not concentrations:
        raise LibraryError(f"{path}.concentrations_mg_per_ml", "at least one is required (L6)")
    if len({c.value for c in concentrations}) != len(concentrations):
        raise LibraryError(f"{path}.concentrations_mg_per_ml", "duplicate concentration")
    protocol = Protocol(
        id=_protocol_id(_field(data, "id", path), f"{path}.id"),
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
        treatment_kind=kind,
        nasal=nasal,
    )
    for name in ("soft_max", "hard_max"):
        if getattr(protocol.interval_limits_h, name) is not None:
            raise LibraryError(
                f"{path}.interval_limits_h.{name}",
                "only minimum intervals apply (leave the maximums empty)",
            )
    # the protocol's own default regimen must pass its soft limits, or every order warns
    if not _within_soft(protocol.dose_limits, protocol.default_dose.value):
        raise LibraryError(
            f"{path}.default_dose.value",
            f"the default dose {protocol.default_dose.value.normalize():f} "
            f"{protocol.dose_unit} is outside the protocol's soft dose limits "
            f"({_range_text(protocol.dose_limits)} {protocol.dose_unit})",
        )
    if not _within_soft(protocol.duration_limits_min, protocol.default_duration_min.value):
        raise LibraryError(
            f"{path}.default_duration_min.value",
            f"the default duration {protocol.default_duration_min.value.normalize():f} min is "
            "outside the protocol's soft duration limits "
            f"({_range_text(protocol.duration_limits_min)} min)",
        )
    if nasal is not None:
        _nasal_within_limits(protocol, nasal, path)
    if rate_limits is not None:
        default_rate = protocol.default_dose.value * 60 / protocol.default_duration_min.value
        if not _within_soft(rate_limits, default_rate):
            raise LibraryError(
                f"{path}.default_dose.value",
                f"the default regimen's rate {round(default_rate, 4).normalize():f} mg/kg/h "
                f"is outside the protocol's soft rate limits ({_range_text(rate_limits)} "
                "mg/kg/h)",
            )
    return protocol


def _nasal_within_limits(protocol: Protocol, nasal: NasalRegimen, path: str) -> None:
    """Every fixed dose within the hard dose limits, and the default dose one of them: a dose
    the protocol offers must be one its limits allow."""
    if protocol.default_dose.value not in nasal.doses_mg:
        raise LibraryError(
            f"{path}.default_dose.value",
            f"the default dose {protocol.default_dose.value.normalize():f} mg is not one of the "
            "fixed doses",
        )
    for limits_name in ("dose_limits", "dose_limits_mg"):
        limits = getattr(protocol, limits_name)
        for i, dose in enumerate(nasal.fixed_doses_mg):
            low, high = limits.hard_min, limits.hard_max
            if (low is not None and dose.value < low.value) or (
                high is not None and dose.value > high.value
            ):
                raise LibraryError(
                    f"{path}.nasal.fixed_doses_mg[{i}].value",
                    f"the fixed dose {dose.value.normalize():f} mg is outside the hard limits "
                    f"of {limits_name}",
                )


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
