"""Edits of a draft library, one protocol or one quantity's limits at a time.

Each edit takes the stored dict form of a library (``library_to_dict``), returns a new one, and
checks it whole with ``library_from_dict``: the rules a form edit meets are the rules a pasted or
imported library meets, in one place. A refusal is a :class:`LibraryEditError` naming the form
field it concerns (``soft_max``, ``default_dose_reason``, ...) or none, with the problem in words.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .diff import LIMIT_LABELS, number_text
from .model import BOUND_LABELS, BOUNDS, DosingMode, LibraryError, SourceKind
from .parse import library_from_dict

# Form fields of one figure: the value under the figure's own name, its source under
# ``<name>_kind``, ``<name>_section``, ``<name>_citation`` and ``<name>_reason``.
SOURCE_PARTS = ("kind", "section", "citation", "reason")
PROTOCOL_FIGURES = ("default_dose", "default_duration_min", "min_observation_min")

FIELD_LABELS = {
    "id": "protocol id",
    "name": "name",
    "indication": "indication",
    "is_default": "default for its indication",
    "dosing_mode": "dosing",
    "notes": "notes",
    "drug": "drug",
    "version": "version label",
    "default_dose": "default dose",
    "default_duration_min": "default duration",
    "min_observation_min": "minimum observation",
    "concentrations_mg_per_ml": "standard concentrations",
    "weight_change_max_fraction": "weight change alert",
    "course": "course",
    "vitals_schedule": "vital-sign schedule",
    "vitals_thresholds": "vital-sign alerts",
    **{key: f"{label.lower()} limits" for key, label, _ in LIMIT_LABELS},
    **BOUND_LABELS,
    "value": "value",
    "source": "source",
    "kind": "kind of source",
    "section": "source keys",
    "citation": "citation",
    "reason": "reason",
}


class LibraryEditError(ValueError):
    """An edit the library's rules refuse. ``field`` is the form field it concerns, or None."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message if field is None else f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LimitQuantity:
    key: str
    label: str
    unit: str | None  # None: the protocol's dose unit

    def unit_for(self, mode: DosingMode) -> str:
        return self.unit or mode.dose_unit

    def bounds_for(self) -> tuple[str, ...]:
        # only minimum intervals apply ([kitclinic-dose-rules] L8)
        return ("hard_min", "soft_min") if self.key == "interval_limits_h" else BOUNDS

    def applies_to(self, mode: DosingMode) -> bool:
        # in rate mode the dose is itself the rate: no separate rate limits; a fixed dose has
        # neither a rate nor a weight-based weekly total
        if self.key == "rate_limits_mg_per_kg_per_h":
            return mode is DosingMode.MG_PER_KG_OVER_DURATION
        if self.key == "weekly_limits_mg_per_kg":
            return mode is not DosingMode.FIXED_MG
        return True


LIMIT_QUANTITIES = tuple(LimitQuantity(key, label, unit) for key, label, unit in LIMIT_LABELS)


def limit_quantity(key: str) -> LimitQuantity:
    for quantity in LIMIT_QUANTITIES:
        if quantity.key == key:
            return quantity
    raise KeyError(key)


@dataclass(frozen=True)
class FigureInput:
    """A figure as a form gives it: the number (None: not set) and its source."""

    value: Decimal | None
    kind: str = str(SourceKind.CLINIC_SETTING)
    section: str = ""
    citation: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ProtocolDetails:
    name: str
    indication: str
    is_default: bool
    notes: str
    default_dose: FigureInput
    default_duration_min: FigureInput
    min_observation_min: FigureInput
    concentrations_mg_per_ml: tuple[Decimal, ...]
    # the clinic-setting reason of a concentration not in the library before
    concentrations_reason: str = ""


def figure_input(stored: Mapping[str, Any] | None) -> FigureInput:
    """A stored figure (``{"value": ..., "source": {...}}``) as the form shows it."""
    if stored is None:
        return FigureInput(value=None)
    source = stored["source"]
    return FigureInput(
        value=Decimal(str(stored["value"])),
        **{part: source.get(part, "") for part in SOURCE_PARTS},
    )


def _figure_dict(figure: FigureInput) -> dict[str, Any] | None:
    if figure.value is None:
        return None
    source = {"kind": figure.kind.strip()}
    for part in ("section", "citation", "reason"):
        text = getattr(figure, part).strip()
        if text:
            source[part] = text
    return {"value": number_text(figure.value), "source": source}


def _index(data: Mapping[str, Any], protocol_id: str) -> int:
    for i, protocol in enumerate(data.get("protocols", [])):
        if protocol.get("id") == protocol_id:
            return i
    raise LibraryEditError(None, f"the draft has no protocol {protocol_id!r}")


def path_label(path: str, data: Mapping[str, Any]) -> str:
    """A LibraryError's dotted path in words: ``protocols[0].dose_limits.hard_max.value`` →
    ``Depression (TRD)…: dose limits, hard maximum``."""
    head, _, rest = path.partition(".")
    match = re.fullmatch(r"protocols\[(\d+)\]", head)
    where = "Library"
    if match:
        protocols = data.get("protocols", [])
        index = int(match.group(1))
        if index < len(protocols) and isinstance(protocols[index], Mapping):
            where = str(protocols[index].get("name") or protocols[index].get("id") or head)
        path = rest
    elif head == "library":
        path = rest
    parts = [
        FIELD_LABELS.get(re.sub(r"\[\d+\]$", "", part), part)
        for part in path.split(".")
        if part and part != "value"
    ]
    return f"{where}: {', '.join(parts)}" if parts else where


def _checked(
    new: dict[str, Any], field_of: Callable[[str], str | None], prefix: str
) -> dict[str, Any]:
    """``new`` if the library's rules accept it; otherwise the refusal, on the form field
    ``field_of`` maps the offending path (below ``prefix``) to, or on no field."""
    try:
        library_from_dict(new)
    except LibraryError as error:
        field = None
        if error.field.startswith(prefix):
            field = field_of(error.field[len(prefix) :])
        if field is None:
            raise LibraryEditError(
                None, f"{path_label(error.field, new)}: {error.problem}"
            ) from None
        raise LibraryEditError(field, error.problem) from None
    return new


def _figure_field(rest: str) -> str:
    """``soft_max.value`` → ``soft_max``; ``soft_max.source.reason`` → ``soft_max_reason``."""
    name, _, tail = rest.partition(".")
    if tail.startswith("source."):
        return f"{name}_{tail.removeprefix('source.')}"
    return name


def limits_edit(
    data: Mapping[str, Any],
    *,
    protocol_id: str,
    quantity: str,
    bounds: Mapping[str, FigureInput],
) -> dict[str, Any]:
    """Replace one quantity's limits in one protocol (a bound left out or with no value is not
    set). The unit is the library schema's for the quantity and is not an input."""
    limit_quantity(quantity)  # a quantity the schema knows
    new = copy.deepcopy(dict(data))
    i = _index(new, protocol_id)
    limits = {}
    for bound in BOUNDS:
        figure = bounds.get(bound)
        stored = None if figure is None else _figure_dict(figure)
        if stored is not None:
            limits[bound] = stored
    new["protocols"][i][quantity] = limits

    def field_of(rest: str) -> str | None:
        return _figure_field(rest.removeprefix(".")) if rest.startswith(".") else None

    return _checked(new, field_of, f"protocols[{i}].{quantity}")


def _protocol_field(rest: str) -> str | None:
    rest = rest.removeprefix(".")
    name = rest.partition(".")[0]
    if name.startswith("concentrations_mg_per_ml"):
        return "concentrations_reason" if rest.endswith("source.reason") else "concentrations"
    if name in PROTOCOL_FIGURES:
        return _figure_field(rest)
    if name in ("name", "indication", "is_default", "notes", "id"):
        return name
    return None


def protocol_edit(
    data: Mapping[str, Any], *, protocol_id: str, details: ProtocolDetails
) -> dict[str, Any]:
    """Change a protocol's name, indication, default flag, notes, default regimen, minimum
    observation and standard concentrations. Making it the default of its indication makes the
    indication's other protocols not the default."""
    new = copy.deepcopy(dict(data))
    i = _index(new, protocol_id)
    protocol = new["protocols"][i]
    protocol["name"] = details.name.strip()
    protocol["indication"] = details.indication
    protocol["is_default"] = details.is_default
    protocol["notes"] = details.notes.strip()
    for name in PROTOCOL_FIGURES:
        figure = _figure_dict(getattr(details, name))
        if figure is None:
            raise LibraryEditError(name, "required")
        protocol[name] = figure
    known = {Decimal(str(c["value"])): c for c in protocol["concentrations_mg_per_ml"]}
    concentrations = []
    for value in details.concentrations_mg_per_ml:
        stored = known.get(value)
        if stored is None:
            stored = _figure_dict(FigureInput(value=value, reason=details.concentrations_reason))
        concentrations.append(stored)
    protocol["concentrations_mg_per_ml"] = concentrations
    if details.is_default:
        for other in new["protocols"]:
            if other is not protocol and other.get("indication") == details.indication:
                other["is_default"] = False
    try:
        return _checked(new, _protocol_field, f"protocols[{i}]")
    except LibraryEditError as error:
        if error.field is None and "is_default protocol" in error.message:
            raise LibraryEditError("is_default", error.message) from None
        raise


def _as_clinic_settings(node: Any, reason: str) -> Any:
    """Every figure inside ``node`` as a clinic setting naming where it was copied from."""
    if isinstance(node, dict) and "value" in node and "source" in node:
        origin = node["source"]
        source = {"kind": str(SourceKind.CLINIC_SETTING), "reason": reason}
        derived = origin.get("section", "")
        if derived:
            source["section"] = derived
        return {"value": node["value"], "source": source}
    if isinstance(node, dict):
        return {key: _as_clinic_settings(value, reason) for key, value in node.items()}
    if isinstance(node, list):
        return [_as_clinic_settings(value, reason) for value in node]
    return node


def protocol_add(
    data: Mapping[str, Any], *, base_id: str, new_id: str, name: str, indication: str
) -> dict[str, Any]:
    """A new protocol, a copy of ``base_id`` (same dosing mode and figures, not the default of
    its indication unless it is the indication's first protocol). Every copied figure becomes a
    clinic setting that says where it was copied from: a copied figure is not sourced for the
    new protocol until governance says so."""
    new = copy.deepcopy(dict(data))
    base = new["protocols"][_index(new, base_id)]
    reason = (
        f"copied from protocol {base_id} when this protocol was added; governance confirms "
        "or changes it"
    )
    protocol = _as_clinic_settings(copy.deepcopy(base), reason)
    protocol["id"] = new_id.strip()
    protocol["name"] = name.strip()
    protocol["indication"] = indication
    protocol["is_default"] = not any(p.get("indication") == indication for p in new["protocols"])
    new["protocols"].append(protocol)
    return _checked(new, _protocol_field, f"protocols[{len(new['protocols']) - 1}]")


def protocol_retire(data: Mapping[str, Any], *, protocol_id: str) -> dict[str, Any]:
    """The library without the protocol (orders already placed keep their version)."""
    new = copy.deepcopy(dict(data))
    i = _index(new, protocol_id)
    removed = new["protocols"].pop(i)
    if removed.get("is_default"):
        others = [p for p in new["protocols"] if p.get("indication") == removed.get("indication")]
        if others:
            raise LibraryEditError(
                None,
                f"{removed.get('name')} is the default protocol for its indication: make "
                f"another one ({', '.join(str(p.get('name')) for p in others)}) the default "
                "first",
            )
    return _checked(new, lambda rest: None, "\0")


def protocol_restore(
    data: Mapping[str, Any], *, source: Mapping[str, Any], protocol_id: str
) -> dict[str, Any]:
    """The protocol as it is in ``source`` (the active version): undoes every change to it in the
    draft, or puts back a protocol retired in the draft (where the source has it). Another protocol of its
    indication loses the default flag if the restored one has it."""
    new = copy.deepcopy(dict(data))
    position = _index(source, protocol_id)
    original = copy.deepcopy(source["protocols"][position])
    try:
        i = _index(new, protocol_id)
    except LibraryEditError:
        new["protocols"].insert(position, original)
    else:
        new["protocols"][i] = original
    if original.get("is_default"):
        for other in new["protocols"]:
            if other is not original and other.get("indication") == original.get("indication"):
                other["is_default"] = False
    return _checked(new, lambda rest: None, "\0")


def library_details_edit(data: Mapping[str, Any], *, version: str, drug: str) -> dict[str, Any]:
    """The library's version label and drug."""
    new = copy.deepcopy(dict(data))
    new["version"] = version.strip()
    new["drug"] = drug.strip()

    def field_of(rest: str) -> str | None:
        name = rest.removeprefix(".")
        return name if name in ("version", "drug") else None

    return _checked(new, field_of, "library")
