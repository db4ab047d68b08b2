"""Response and remission between a baseline and a current total.

Arithmetic is exact (``fractions.Fraction`` of the decimal text of each total) so that a fall of
exactly 50% is a response, never lost to binary rounding.
"""

from __future__ import annotations

from fractions import Fraction

from .model import Instrument, InstrumentError, InvalidParameterError
from .registry import get_instrument


def _instrument(instrument: str | Instrument) -> Instrument:
    return get_instrument(instrument) if isinstance(instrument, str) else instrument


def _check_total(inst: Instrument, name: str, value: float) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstrumentError(f"{inst.id}: {name} must be a number, got {value!r}")
    if not inst.minimum <= value <= inst.maximum:
        raise InstrumentError(
            f"{inst.id}: {name} {value!r} is outside the scale range {inst.minimum}-{inst.maximum}"
        )
    return Fraction(str(value))


def fraction_improvement(
    instrument: str | Instrument, baseline: float, current: float
) -> Fraction | None:
    """Fall from baseline as a fraction of baseline (0.5 = 50% better; negative = worse).

    None when the baseline is 0: no relative change is defined from a score of zero.
    """
    inst = _instrument(instrument)
    base = _check_total(inst, "baseline", baseline)
    now = _check_total(inst, "current", current)
    if base == 0:
        return None
    return (base - now) / base


def is_response(
    instrument: str | Instrument,
    baseline: float,
    current: float,
    *,
    min_fraction: str | None = None,
) -> bool:
    """True when the total fell by at least the response fraction (default per instrument, 50%).

    ``min_fraction`` (decimal text, e.g. "0.3") is accepted only where the sources make the
    definition configurable. A baseline of 0 can never show a response.
    """
    inst = _instrument(instrument)
    definition = inst.response
    if definition is None:
        raise InstrumentError(f"{inst.id}: the sources define no response criterion")
    text = definition.min_fraction if min_fraction is None else min_fraction
    if text != definition.min_fraction:
        allowed_any = definition.configurable == "any"
        if not (
            allowed_any or (definition.configurable == "choices" and text in definition.choices)
        ):
            raise InvalidParameterError(
                f"{inst.id}: response fraction {text!r} is not allowed; allowed: "
                f"{', '.join(definition.choices or (definition.min_fraction,))}"
            )
    required = Fraction(text)
    if not 0 < required <= 1:
        raise InvalidParameterError(f"{inst.id}: response fraction must be in (0, 1], got {text}")
    improvement = fraction_improvement(inst, baseline, current)
    return improvement is not None and improvement >= required


def is_remission(
    instrument: str | Instrument, current: float, *, threshold: int | None = None
) -> bool:
    """True when the current total is in the remission range (e.g. PHQ-9 < 5, MADRS <= 10).

    ``threshold`` is accepted only where the sources make it configurable (MADRS 10 or 12;
    GAD-7 any in-range value, its convention being UNVERIFIED).
    """
    inst = _instrument(instrument)
    definition = inst.remission
    if definition is None:
        raise InstrumentError(f"{inst.id}: the sources define no remission criterion")
    limit = definition.threshold if threshold is None else threshold
    if limit != definition.threshold:
        ok = (definition.configurable == "choices" and limit in definition.choices) or (
            definition.configurable == "any" and inst.minimum <= limit <= inst.maximum
        )
        if not ok:
            allowed = definition.choices or (definition.threshold,)
            raise InvalidParameterError(
                f"{inst.id}: remission threshold {limit!r} is not allowed; allowed: "
                f"{', '.join(str(a) for a in allowed)}"
            )
    now = _check_total(inst, "current", current)
    return now < limit if definition.comparison == "<" else now <= limit
