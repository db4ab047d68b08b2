"""Vectorized scoring of many administrations at once (NumPy), for cohort analyses and exports.

Equal to the scalar engine (``score``) row by row for every scale whose scoring rule is a sum of
group maxima (all but PEG's mean) and whose answers are complete; the scalar engine stays the
reference and the only path that accepts skipped items.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .model import (
    AnswerCountError,
    InvalidAnswerError,
    InvalidParameterError,
    ItemAtLeast,
    ParamValue,
    SymptomCounts,
    TotalAbove,
    TotalAtLeast,
)
from .registry import get_instrument
from .scoring import band_scheme, resolve_settings


class ScoredBatch(NamedTuple):
    """``totals`` int64 (n,); ``severities`` band keys (n,) (empty string where the scale has no
    bands); ``flags`` flag name -> bool (n,) for every flag rule of the scale."""

    totals: npt.NDArray[np.int64]
    severities: npt.NDArray[np.str_]
    flags: dict[str, npt.NDArray[np.bool_]]


def _threshold(value: int | str, settings: dict[str, ParamValue]) -> int | None:
    if isinstance(value, int):
        return value
    resolved = settings[value]
    if resolved is None:
        return None
    if isinstance(resolved, bool) or not isinstance(resolved, int):
        raise InvalidParameterError(f"parameter {value} must be an integer or None")
    return resolved


def score_many(instrument_id: str, answers: npt.ArrayLike, **settings: ParamValue) -> ScoredBatch:
    """Score ``answers``, an integer array of shape (n, items) in item order, in one pass.

    Raises the scalar engine's errors: ``AnswerCountError`` for a wrong number of columns,
    ``InvalidAnswerError`` naming the first invalid row's item and the allowed values.
    """
    inst = get_instrument(instrument_id)
    if inst.scoring.kind != "sum_of_group_max":
        raise InvalidParameterError(f"{inst.id}: score_many handles summed scales only")
    matrix = np.asarray(answers)
    if matrix.ndim != 2:
        raise ValueError("answers must be a 2-D array: one row per administration")
    if matrix.shape[1] != len(inst.items):
        raise AnswerCountError(inst.id, len(inst.items), matrix.shape[1])
    if not np.issubdtype(matrix.dtype, np.integer):
        raise TypeError("answers must be an integer array")
    resolved = resolve_settings(inst, settings)
    column = {item.number: i for i, item in enumerate(inst.items)}
    for item in inst.items:
        allowed = np.asarray(item.allowed_values)
        values = matrix[:, column[item.number]]
        bad = ~np.isin(values, allowed)
        if bad.any():
            row = int(np.argmax(bad))
            raise InvalidAnswerError(
                inst.id,
                item.number,
                item.label,
                item.allowed_values,
                int(values[row]),
                reason=f"(row {row}) is not an allowed answer",
            )
    data = matrix.astype(np.int64, copy=False)
    totals = np.zeros(len(data), dtype=np.int64)
    for group in inst.scoring.groups:
        cols = [column[n] for n in group]
        totals += data[:, cols[0]] if len(cols) == 1 else data[:, cols].max(axis=1)

    scheme = band_scheme(inst, resolved)
    if scheme is None:
        severities = np.full(len(data), "", dtype="<U1")
    else:
        lows = np.asarray([b.low for b in scheme.bands])
        keys = np.asarray([b.key for b in scheme.bands])
        severities = keys[np.searchsorted(lows, totals, side="right") - 1]

    flags: dict[str, npt.NDArray[np.bool_]] = {}
    for rule in inst.flag_rules:
        holds = np.ones(len(data), dtype=bool)
        for cond in rule.conditions:
            if isinstance(cond, ItemAtLeast):
                if cond.applies_if is not None and resolved[cond.applies_if] is not True:
                    continue
                limit = _threshold(cond.threshold, resolved)
                part = (
                    np.zeros(len(data), dtype=bool)
                    if limit is None
                    else data[:, column[cond.item]] >= limit
                )
            elif isinstance(cond, TotalAtLeast | TotalAbove):
                limit = _threshold(cond.threshold, resolved)
                if limit is None:
                    part = np.zeros(len(data), dtype=bool)
                else:
                    part = totals >= limit if isinstance(cond, TotalAtLeast) else totals > limit
            elif isinstance(cond, SymptomCounts):
                part = np.ones(len(data), dtype=bool)
                for items, count in cond.groups:
                    cols = [column[n] for n in items]
                    present = (data[:, cols] >= cond.symptom_min).sum(axis=1)
                    part &= present >= count
            else:  # pragma: no cover - the model has no other condition
                raise TypeError(f"unknown condition {cond!r}")
            holds &= part
        flags[rule.flag] = holds
    return ScoredBatch(totals=totals, severities=severities, flags=flags)
