"""Data model for rating scales: every instrument is a value of these frozen dataclasses.

The scoring engine (``scoring.py``) reads nothing but these values, so adding a scale means adding
data, not code paths. Clinical figures live in ``scales/`` next to their citation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Values an instrument parameter may take; kept JSON-friendly so a Django model can store the
# exact settings a score was computed with (the sources ask to record which version was used).
ParamValue = int | str | bool | None


class InstrumentError(ValueError):
    """Base class for every error raised by the instrument library."""


class UnknownInstrumentError(InstrumentError):
    """The instrument id is not in the registry."""

    def __init__(self, instrument_id: str, valid_ids: tuple[str, ...]) -> None:
        self.instrument_id = instrument_id
        self.valid_ids = valid_ids
        super().__init__(
            f"unknown instrument {instrument_id!r}; valid instruments: {', '.join(valid_ids)}"
        )


class AnswerCountError(InstrumentError):
    """The number of answers does not match the number of scored items."""

    def __init__(self, instrument_id: str, expected: int, got: int) -> None:
        self.instrument_id = instrument_id
        self.expected = expected
        self.got = got
        super().__init__(f"{instrument_id}: expected {expected} answers, got {got}")


class InvalidAnswerError(InstrumentError):
    """One answer is missing, of the wrong type, or outside the item's answer options."""

    def __init__(
        self,
        instrument_id: str,
        item_number: int,
        item_label: str,
        allowed: tuple[int, ...],
        got: object,
        *,
        reason: str = "is not an allowed answer",
    ) -> None:
        self.instrument_id = instrument_id
        self.item_number = item_number
        self.item_label = item_label
        self.allowed = allowed
        self.got = got
        super().__init__(
            f"{instrument_id} item {item_number} ({item_label}): {got!r} {reason}; "
            f"allowed values: {describe_values(allowed)}"
        )


class InvalidParameterError(InstrumentError):
    """An instrument parameter (setting) is unknown or outside its documented choices."""


def describe_values(values: tuple[int, ...]) -> str:
    """'0-3' for a contiguous run of integers, otherwise a comma list."""
    if values and list(values) == list(range(values[0], values[-1] + 1)) and len(values) > 2:
        return f"{values[0]}-{values[-1]}"
    return ", ".join(str(v) for v in values)


@dataclass(frozen=True)
class Citation:
    """Where a figure comes from; ``verified`` is False where it is UNVERIFIED
    ([kitclinic-settings])."""

    text: str
    url: str | None = None
    verified: bool = True


@dataclass(frozen=True)
class AnswerOption:
    value: int
    label: str
    loinc_answer: str | None = None


@dataclass(frozen=True)
class Item:
    """One scored item.

    ``text`` is the full published wording and is only set where the licence allows shipping it;
    ``label`` is a short paraphrase that is always safe to show.
    """

    number: int
    label: str
    options: tuple[AnswerOption, ...]
    text: str | None = None
    loinc: str | None = None

    @property
    def allowed_values(self) -> tuple[int, ...]:
        return tuple(o.value for o in self.options)


@dataclass(frozen=True)
class ScoringRule:
    """How item answers become the total.

    ``sum_of_group_max``: the total is the sum over ``groups`` of the largest answer in each group
    (a group of one item is a plain sum; QIDS-SR16 uses multi-item groups).
    ``mean``: the mean of all items, rounded to ``decimals`` (half up).
    Unanswered items (``None``) are only tolerated inside a multi-item group that has at least one
    answer, because only there does the published rule leave them out.
    """

    kind: Literal["sum_of_group_max", "mean"]
    groups: tuple[tuple[int, ...], ...]
    decimals: int = 0
    description: str = ""


@dataclass(frozen=True)
class SeverityBand:
    key: str
    label: str
    low: int
    high: int  # inclusive


@dataclass(frozen=True)
class BandScheme:
    """A named set of contiguous severity bands; an instrument may offer several (MADRS)."""

    key: str
    bands: tuple[SeverityBand, ...]
    citation: Citation


@dataclass(frozen=True)
class SubScale:
    """A sub-score defined by the sources (e.g. PCL-5 clusters); the sum of its items."""

    key: str
    label: str
    items: tuple[int, ...]


@dataclass(frozen=True)
class Parameter:
    """A documented, configurable setting of an instrument with its default and allowed choices."""

    name: str
    default: ParamValue
    choices: tuple[ParamValue, ...]
    description: str
    citation: Citation


@dataclass(frozen=True)
class ResponseDefinition:
    """Response = fall from baseline of at least ``min_fraction`` (exact decimal string)."""

    min_fraction: str
    citation: Citation
    configurable: Literal["fixed", "choices", "any"] = "fixed"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemissionDefinition:
    """Remission = current total ``comparison`` ``threshold`` (``<`` or ``<=``).

    ``configurable``: "fixed" where the sources give one verified value, "choices" where it
    lists competing published values (``choices``), "any" where the value is an UNVERIFIED
    convention a clinic may replace with any in-range threshold.
    """

    threshold: int
    comparison: Literal["<", "<="]
    citation: Citation
    configurable: Literal["fixed", "choices", "any"] = "fixed"
    choices: tuple[int, ...] = ()


@dataclass(frozen=True)
class ItemAtLeast:
    """Item ``item`` answered at or above ``threshold`` (an int, or the name of a parameter).

    With ``applies_if`` set to a boolean parameter name, the condition only counts when that
    parameter is True (used for optional stricter variants of a rule).
    """

    item: int
    threshold: int | str
    applies_if: str | None = None


@dataclass(frozen=True)
class TotalAtLeast:
    threshold: int | str


@dataclass(frozen=True)
class TotalAbove:
    """Total strictly above ``threshold``; a parameter set to None switches the flag off."""

    threshold: int | str


@dataclass(frozen=True)
class SymptomCounts:
    """At least ``count`` items of each group answered at or above ``symptom_min``."""

    symptom_min: int
    groups: tuple[tuple[tuple[int, ...], int], ...]


Condition = ItemAtLeast | TotalAtLeast | TotalAbove | SymptomCounts


@dataclass(frozen=True)
class FlagRule:
    """``flag`` is raised when every condition holds."""

    flag: str
    conditions: tuple[Condition, ...]
    citation: Citation
    description: str = ""


@dataclass(frozen=True)
class Licence:
    note: str
    item_text_allowed: bool
    attribution: str | None = None


@dataclass(frozen=True)
class LoincCodes:
    panel: str | None
    total: str | None
    checked_at: str
    note: str = ""


@dataclass(frozen=True)
class Instrument:
    id: str
    name: str
    description: str
    items: tuple[Item, ...]
    scoring: ScoringRule
    minimum: int
    maximum: int
    citation: Citation
    licence: Licence
    band_schemes: tuple[BandScheme, ...] = ()
    subscales: tuple[SubScale, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    flag_rules: tuple[FlagRule, ...] = ()
    response: ResponseDefinition | None = None
    remission: RemissionDefinition | None = None
    loinc: LoincCodes | None = None
    safety_note: str = ""
    stem: str | None = None
    unscored_items: tuple[Item, ...] = ()
    notes: tuple[str, ...] = ()

    def item(self, number: int) -> Item:
        for it in self.items:
            if it.number == number:
                return it
        raise KeyError(number)

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)


@dataclass(frozen=True)
class SubScore:
    key: str
    label: str
    total: int
    max: int


@dataclass(frozen=True)
class ScoreResult:
    """The outcome of scoring one administration.

    ``total`` is an int for summed scales and a float (2 decimals) for PEG. ``settings`` records
    every parameter value used, so a stored score says which cut-off/band version produced it.
    """

    instrument: str
    total: int | float
    max: int
    severity: str | None
    severity_label: str | None
    flags: tuple[str, ...]
    answers: tuple[int | None, ...]
    subscores: tuple[SubScore, ...] = ()
    settings: tuple[tuple[str, ParamValue], ...] = field(default=())

    def settings_dict(self) -> dict[str, ParamValue]:
        return dict(self.settings)

    def to_json_dict(self) -> dict[str, object]:
        """The CLI's ``--json`` object (the keys the command line promises, nothing more)."""
        return {
            "instrument": self.instrument,
            "total": self.total,
            "max": self.max,
            "severity": self.severity,
            "flags": list(self.flags),
        }
