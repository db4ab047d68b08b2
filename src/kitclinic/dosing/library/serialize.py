"""dataclasses -> dict: the stored, JSON-compatible form of a library version."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .model import (
    BOUNDS,
    SCHEMA_VERSION,
    DrugLibrary,
    Limits,
    NasalRegimen,
    Protocol,
    Source,
    SourcedValue,
)


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
    return {b: _sourced_dict(getattr(limits, b)) for b in BOUNDS if getattr(limits, b)}


def _nasal_dict(nasal: NasalRegimen) -> dict[str, Any]:
    return {
        "fixed_doses_mg": [_sourced_dict(d) for d in nasal.fixed_doses_mg],
        **{
            key: _sourced_dict(getattr(nasal, key))
            for key in (
                "first_dose_mg",
                "mg_per_device",
                "device_interval_min",
                "predose_sbp_mmhg",
                "predose_dbp_mmhg",
                "post_dose_bp_at_min",
            )
        },
    }


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
        "treatment_kind": str(protocol.treatment_kind),
        "nasal": None if protocol.nasal is None else _nasal_dict(protocol.nasal),
    }


def library_to_dict(library: DrugLibrary) -> dict[str, Any]:
    """The JSON-compatible stored form; ``library_from_dict`` of it gives an equal library."""
    return {
        "schema_version": SCHEMA_VERSION,
        "version": library.version,
        "drug": library.drug,
        "protocols": [protocol_to_dict(p) for p in library.protocols],
    }
