"""The one scoring engine: validate answers, apply the instrument's rule, bands and flag rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from .model import (
    AnswerCountError,
    BandScheme,
    Condition,
    Instrument,
    InvalidAnswerError,
    InvalidParameterError,
    ItemAtLeast,
    ParamValue,
    ScoreResult,
    SeverityBand,
    SubScore,
    SymptomCounts,
    TotalAbove,
    TotalAtLeast,
)

Answers = Sequence[int | None]


def resolve_settings(
    instrument: Instrument, overrides: Mapping[str, ParamValue] | None = None
) -> dict[str, ParamValue]:
    """Defaults of every parameter, with ``overrides`` applied after checking name and choice."""
    overrides = dict(overrides or {})
    settings: dict[str, ParamValue] = {}
    for param in instrument.parameters:
        value = overrides.pop(param.name, param.default)
        # bool is an int subclass: refuse True where 1 is meant and vice versa.
        ok = any(value == c and type(value) is type(c) for c in param.choices)
        if not ok:
            allowed = ", ".join(repr(c) for c in param.choices)
            raise InvalidParameterError(
                f"{instrument.id}: parameter {param.name}={value!r} is not allowed; "
                f"allowed values: {allowed}"
            )
        settings[param.name] = value
    if overrides:
        known = ", ".join(p.name for p in instrument.parameters) or "none"
        raise InvalidParameterError(
            f"{instrument.id}: unknown parameter(s) {', '.join(sorted(overrides))}; "
            f"known parameters: {known}"
        )
    return settings


def item_problems(instrument: Instrument, answers: Answers) -> tuple[InvalidAnswerError, ...]:
    """Every item whose answer is missing, not an integer or outside its options, item 1 first.

    ``answers`` holds one entry per scored item (the caller checks the count). ``None``
    (unanswered) is accepted only for an item inside a multi-item max-group whose other items
    carry an answer (QIDS-SR16 asks for only one of items 6/7 and one of 8/9).
    """
    by_number = dict(zip((it.number for it in instrument.items), answers, strict=True))
    groups_of = {n: g for g in instrument.scoring.groups for n in g}
    problems: list[InvalidAnswerError] = []
    for item, value in zip(instrument.items, answers, strict=True):
        allowed = item.allowed_values
        if value is None:
            group = groups_of.get(item.number, (item.number,))
            if len(group) > 1 and any(by_number[n] is not None for n in group):
                continue
            problems.append(
                InvalidAnswerError(
                    instrument.id, item.number, item.label, allowed, value, reason="is missing"
                )
            )
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append(
                InvalidAnswerError(
                    instrument.id,
                    item.number,
                    item.label,
                    allowed,
                    value,
                    reason="is not an integer",
                )
            )
        elif value not in allowed:
            problems.append(
                InvalidAnswerError(instrument.id, item.number, item.label, allowed, value)
            )
    return tuple(problems)


def validate_answers(instrument: Instrument, answers: Answers) -> tuple[int | None, ...]:
    """Check count, type and range of every answer; return them as a tuple.

    Raises ``AnswerCountError``, or the first of :func:`item_problems` as
    ``InvalidAnswerError``.
    """
    if isinstance(answers, str | bytes):
        raise TypeError("answers must be a sequence of integers, not a string")
    values = tuple(answers)
    if len(values) != len(instrument.items):
        raise AnswerCountError(instrument.id, len(instrument.items), len(values))
    problems = item_problems(instrument, values)
    if problems:
        raise problems[0]
    return values


def maximum_total(instrument: Instrument) -> int:
    """The highest total the scoring rule can produce, computed from the item options."""
    top = {it.number: max(it.allowed_values) for it in instrument.items}
    if instrument.scoring.kind == "mean":
        return max(top.values())
    return sum(max(top[n] for n in group) for group in instrument.scoring.groups)


def _total(instrument: Instrument, by_number: Mapping[int, int | None]) -> int | float:
    rule = instrument.scoring
    if rule.kind == "mean":
        present = [v for v in by_number.values() if v is not None]
        # Decimal so that rounding is half-up on the exact mean, not on a binary float.
        mean = Decimal(sum(present)) / Decimal(len(present))
        return float(mean.quantize(Decimal(1).scaleb(-rule.decimals), rounding=ROUND_HALF_UP))
    return sum(max(v for n in group if (v := by_number[n]) is not None) for group in rule.groups)


def band_scheme(instrument: Instrument, settings: Mapping[str, ParamValue]) -> BandScheme | None:
    if not instrument.band_schemes:
        return None
    key = settings.get("band_scheme", instrument.band_schemes[0].key)
    for scheme in instrument.band_schemes:
        if scheme.key == key:
            return scheme
    raise InvalidParameterError(f"{instrument.id}: unknown band scheme {key!r}")


def severity_band(
    instrument: Instrument, total: float, settings: Mapping[str, ParamValue] | None = None
) -> SeverityBand | None:
    scheme = band_scheme(instrument, resolve_settings(instrument, settings))
    if scheme is None:
        return None
    for band in scheme.bands:
        if band.low <= total <= band.high:
            return band
    raise ValueError(f"{instrument.id}: total {total} is outside every severity band")


def _threshold(value: int | str, settings: Mapping[str, ParamValue]) -> int | None:
    if isinstance(value, int):
        return value
    resolved = settings[value]
    if resolved is None:
        return None
    if isinstance(resolved, bool) or not isinstance(resolved, int):
        raise InvalidParameterError(f"parameter {value} must be an integer or None")
    return resolved


def _holds(
    cond: Condition,
    total: float,
    by_number: Mapping[int, int | None],
    settings: Mapping[str, ParamValue],
) -> bool:
    if isinstance(cond, ItemAtLeast):
        if cond.applies_if is not None and settings[cond.applies_if] is not True:
            return True
        limit = _threshold(cond.threshold, settings)
        answer = by_number[cond.item]
        return limit is not None and answer is not None and answer >= limit
    if isinstance(cond, TotalAtLeast):
        limit = _threshold(cond.threshold, settings)
        return limit is not None and total >= limit
    if isinstance(cond, TotalAbove):
        limit = _threshold(cond.threshold, settings)
        return limit is not None and total > limit
    if isinstance(cond, SymptomCounts):
        return all(
            sum(1 for n in items if (by_number[n] or 0) >= cond.symptom_min) >= count
            for items, count in cond.groups
        )
    raise TypeError(f"unknown condition {cond!r}")


def score_instrument(
    instrument: Instrument, answers: Answers, settings: Mapping[str, ParamValue] | None = None
) -> ScoreResult:
    """Score one administration of ``instrument``.

    ``answers`` are the item scores in item order (item 1 first). ``settings`` override the
    instrument's documented parameter defaults. Raises ``AnswerCountError``,
    ``InvalidAnswerError`` or ``InvalidParameterError`` (all ``ValueError``).
    """
    resolved = resolve_settings(instrument, settings)
    values = validate_answers(instrument, answers)
    by_number = dict(zip((it.number for it in instrument.items), values, strict=True))
    total = _total(instrument, by_number)
    band = severity_band(instrument, total, resolved)
    flags = tuple(
        rule.flag
        for rule in instrument.flag_rules
        if all(_holds(c, total, by_number, resolved) for c in rule.conditions)
    )
    subscores = tuple(
        SubScore(
            key=sub.key,
            label=sub.label,
            total=sum(by_number[n] or 0 for n in sub.items),
            max=sum(max(instrument.item(n).allowed_values) for n in sub.items),
        )
        for sub in instrument.subscales
    )
    return ScoreResult(
        instrument=instrument.id,
        total=total,
        max=instrument.maximum,
        severity=band.key if band else None,
        severity_label=band.label if band else None,
        flags=flags,
        answers=values,
        subscores=subscores,
        settings=tuple(resolved.items()),
    )
