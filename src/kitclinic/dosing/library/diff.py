"""What changed between two drug libraries, in plain words: protocols added, removed and changed,
each changed figure old → new with its unit (and a changed source as its own line).

The approver of a draft reads this before approving it, and the audit event of each edit and of
the approval stores it (``LibraryDiff.audit_changes``). Protocols are matched by id: a renamed id
is one protocol removed and one added.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .model import (
    BOUND_LABELS,
    BOUNDS,
    Direction,
    DosingMode,
    DrugLibrary,
    Indication,
    Limits,
    Protocol,
    SourcedValue,
    VitalSign,
    VitalThreshold,
)

NOT_SET = "not set"
SOURCE_SUFFIX = " (source)"  # the ``what`` of a change of a figure's source

INDICATION_LABELS = {
    Indication.DEPRESSION: "depression",
    Indication.PTSD: "PTSD",
    Indication.ANXIETY: "anxiety",
    Indication.CHRONIC_PAIN: "chronic pain",
}
DOSING_MODE_LABELS = {
    DosingMode.MG_PER_KG_OVER_DURATION: "a dose in mg/kg given over the duration",
    DosingMode.MG_PER_KG_PER_H: "a rate in mg/kg per hour",
    DosingMode.FIXED_MG: "a fixed dose in mg, given as whole nasal-spray devices",
}
VITAL_LABELS = {
    VitalSign.SBP_MMHG: ("systolic blood pressure", "mmHg"),
    VitalSign.DBP_MMHG: ("diastolic blood pressure", "mmHg"),
    VitalSign.HR_PER_MIN: ("heart rate", "/min"),
    VitalSign.RR_PER_MIN: ("breathing rate", "/min"),
    VitalSign.SPO2_PCT: ("oxygen saturation", "%"),
}
DIRECTION_LABELS = {
    Direction.ABOVE: "above",
    Direction.AT_OR_ABOVE: "at or above",
    Direction.BELOW: "below",
    Direction.AT_OR_BELOW: "at or below",
}
# The limits of a protocol in the order the library page lists them: (field, label, unit); a
# unit of None is the protocol's dose unit (fixed by its dosing mode).
LIMIT_LABELS: tuple[tuple[str, str, str | None], ...] = (
    ("dose_limits", "Dose", None),
    ("duration_limits_min", "Duration", "min"),
    ("rate_limits_mg_per_kg_per_h", "Rate", "mg/kg/h"),
    ("dose_limits_mg", "Total dose per session", "mg"),
    ("weight_limits_kg", "Weight", "kg"),
    ("interval_limits_h", "Interval since the last session", "h"),
    ("weekly_limits_mg_per_kg", "7-day cumulative dose", "mg/kg"),
)


def number_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _with_unit(value: Decimal, unit: str) -> str:
    if unit == "%":
        return f"{number_text(value)}%"
    return f"{number_text(value)} {unit}".strip()


@dataclass(frozen=True)
class Change:
    """One figure or property that differs: ``old`` and ``new`` as shown (``not set`` if absent)."""

    what: str
    old: str
    new: str

    @property
    def text(self) -> str:
        return f"{self.what}: {self.old} → {self.new}"

    @property
    def is_source(self) -> bool:
        """A change of a figure's source (its keys or reason), which pages keep one click away."""
        return self.what.endswith(SOURCE_SUFFIX)


@dataclass(frozen=True)
class ProtocolRef:
    id: str
    name: str


@dataclass(frozen=True)
class ProtocolChange:
    protocol: ProtocolRef
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class LibraryDiff:
    library_changes: tuple[Change, ...]
    added: tuple[ProtocolRef, ...]
    removed: tuple[ProtocolRef, ...]
    changed: tuple[ProtocolChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.library_changes or self.added or self.removed or self.changed)

    @property
    def change_count(self) -> int:
        return (
            len(self.library_changes)
            + len(self.added)
            + len(self.removed)
            + sum(len(p.changes) for p in self.changed)
        )

    def lines(self) -> list[str]:
        """The difference as sentences, one per change."""
        out = [f"Library {c.text}" for c in self.library_changes]
        out += [f"Protocol added: {p.name}" for p in self.added]
        out += [f"Protocol removed: {p.name}" for p in self.removed]
        for protocol in self.changed:
            out += [f"{protocol.protocol.name}, {c.text}" for c in protocol.changes]
        return out

    def audit_changes(self) -> dict[str, list[str | None]]:
        """The difference as the audit trail stores changes: what → [old, new]."""
        out: dict[str, list[str | None]] = {
            f"library: {c.what}": [c.old, c.new] for c in self.library_changes
        }
        for p in self.added:
            out[f"protocol {p.id}"] = [None, f"added: {p.name}"]
        for p in self.removed:
            out[f"protocol {p.id}"] = [f"removed: {p.name}", None]
        for protocol in self.changed:
            for c in protocol.changes:
                out[f"{protocol.protocol.id}: {c.what}"] = [c.old, c.new]
        return out


def _figure(
    out: dict[str, tuple[str, str]], key: str, what: str, sv: SourcedValue | None, unit: str
) -> None:
    out[key] = (what, NOT_SET if sv is None else _with_unit(sv.value, unit))
    out[f"{key}.source"] = (f"{what}{SOURCE_SUFFIX}", NOT_SET if sv is None else sv.source.label)


def _limits(
    out: dict[str, tuple[str, str]], key: str, label: str, limits: Limits | None, unit: str
) -> None:
    for bound in BOUNDS:
        sv = None if limits is None else getattr(limits, bound)
        _figure(out, f"{key}.{bound}", f"{label}, {BOUND_LABELS[bound]}", sv, unit)


def _threshold(out: dict[str, tuple[str, str]], t: VitalThreshold) -> None:
    vital, unit = VITAL_LABELS[t.vital]
    what = f"Vital-sign alert ({vital}{', rise over baseline' if t.relative_to_baseline else ''})"
    out[f"threshold.{t.code}"] = (
        what,
        f"{DIRECTION_LABELS[t.direction]} {_with_unit(t.limit.value, unit)}: {t.action}",
    )
    out[f"threshold.{t.code}.source"] = (f"{what}{SOURCE_SUFFIX}", t.limit.source.label)


def protocol_figures(protocol: Protocol) -> dict[str, tuple[str, str]]:
    """Every property and figure of a protocol: a stable key → (what, value as shown)."""
    out: dict[str, tuple[str, str]] = {
        "name": ("Name", protocol.name),
        "indication": ("Indication", INDICATION_LABELS[protocol.indication]),
        "is_default": ("Default for its indication", "yes" if protocol.is_default else "no"),
        "treatment_kind": ("Treatment", protocol.treatment_kind.label),
        "dosing_mode": ("Dosing", DOSING_MODE_LABELS[protocol.dosing_mode]),
    }
    _figure(out, "default_dose", "Default dose", protocol.default_dose, protocol.dose_unit)
    _figure(out, "default_duration_min", "Default duration", protocol.default_duration_min, "min")
    for key, label, unit in LIMIT_LABELS:
        _limits(out, key, label, getattr(protocol, key), unit or protocol.dose_unit)
    concentrations = sorted(c.value for c in protocol.concentrations_mg_per_ml)
    out["concentrations"] = (
        "Standard concentrations",
        ", ".join(number_text(c) for c in concentrations) + " mg/mL",
    )
    for c in protocol.concentrations_mg_per_ml:
        out[f"concentration.{number_text(c.value)}.source"] = (
            f"Standard concentration {number_text(c.value)} mg/mL{SOURCE_SUFFIX}",
            c.source.label,
        )
    weight_change = protocol.weight_change_max_fraction
    out["weight_change"] = (
        "Weight change alert above",
        f"{number_text(weight_change.value * 100)}%",
    )
    out["weight_change.source"] = (
        f"Weight change alert{SOURCE_SUFFIX}",
        weight_change.source.label,
    )
    course = protocol.course
    course_figures = (
        ("infusions", "Course, infusions", ""),
        ("window_days", "Course, window", "days"),
        ("max_per_week", "Course, most per week", ""),
        ("review_after_infusion", "Course, review after infusion", ""),
    )
    for name, what, unit in course_figures:
        _figure(out, f"course.{name}", what, getattr(course, name) if course else None, unit)
    _figure(
        out,
        "min_observation_min",
        "Observation after the infusion, minimum",
        protocol.min_observation_min,
        "min",
    )
    schedule = protocol.vitals_schedule
    _figure(out, "vitals.during", "Vital signs every (infusion)", schedule.during_every_min, "min")
    _figure(out, "vitals.after", "Vital signs every (recovery)", schedule.after_every_min, "min")
    for t in protocol.vitals_thresholds:
        _threshold(out, t)
    nasal = protocol.nasal
    if nasal is not None:
        out["nasal.fixed_doses_mg"] = (
            "Fixed doses",
            ", ".join(number_text(d) for d in sorted(nasal.doses_mg)) + " mg",
        )
        for d in nasal.fixed_doses_mg:
            out[f"nasal.fixed_dose.{number_text(d.value)}.source"] = (
                f"Fixed dose {number_text(d.value)} mg{SOURCE_SUFFIX}",
                d.source.label,
            )
        nasal_figures = (
            ("first_dose_mg", "First dose of a course", "mg"),
            ("mg_per_device", "Dose per device", "mg"),
            ("device_interval_min", "Rest between devices, minimum", "min"),
            ("predose_sbp_mmhg", "Systolic pressure before dosing, soft stop above", "mmHg"),
            ("predose_dbp_mmhg", "Diastolic pressure before dosing, soft stop above", "mmHg"),
            ("post_dose_bp_at_min", "Blood pressure after the last device, at", "min"),
        )
        for name, what, unit in nasal_figures:
            _figure(out, f"nasal.{name}", what, getattr(nasal, name), unit)
    out["notes"] = ("Notes", protocol.notes or NOT_SET)
    return out


def _changes(
    old: dict[str, tuple[str, str]], new: dict[str, tuple[str, str]]
) -> tuple[Change, ...]:
    keys = list(old) + [k for k in new if k not in old]
    changes = []
    for key in keys:
        before, after = old.get(key), new.get(key)
        old_text = before[1] if before else NOT_SET
        new_text = after[1] if after else NOT_SET
        label = after or before
        if old_text != new_text and label is not None:
            what = label[0]
            changes.append(Change(what=what, old=old_text, new=new_text))
    return tuple(changes)


def library_diff(old: DrugLibrary, new: DrugLibrary) -> LibraryDiff:
    """What ``new`` changes compared with ``old``."""
    library_changes = _changes(
        {"drug": ("drug", old.drug), "version": ("version label", old.version)},
        {"drug": ("drug", new.drug), "version": ("version label", new.version)},
    )
    old_ids = [p.id for p in old.protocols]
    new_ids = [p.id for p in new.protocols]
    added = tuple(ProtocolRef(p.id, p.name) for p in new.protocols if p.id not in old_ids)
    removed = tuple(ProtocolRef(p.id, p.name) for p in old.protocols if p.id not in new_ids)
    changed = []
    for protocol in new.protocols:
        if protocol.id not in old_ids:
            continue
        changes = _changes(protocol_figures(old.protocol(protocol.id)), protocol_figures(protocol))
        if changes:
            changed.append(ProtocolChange(ProtocolRef(protocol.id, protocol.name), changes))
    return LibraryDiff(
        library_changes=library_changes, added=added, removed=removed, changed=tuple(changed)
    )
