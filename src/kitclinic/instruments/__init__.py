"""Rating-scale library: instrument definitions as data and one scoring engine.

Pure Python (no Django import) so the Django assessments app, the command line and the tests
share exactly the same clinical rules. Every cut-off carries its citation in the data.

    >>> from kitclinic.instruments import score
    >>> score("phq9", [1, 1, 2, 2, 1, 2, 2, 2, 1]).severity
    'moderate'
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import (
    AnswerCountError,
    Instrument,
    InstrumentError,
    InvalidAnswerError,
    InvalidParameterError,
    ParamValue,
    ScoreResult,
    SubScore,
    UnknownInstrumentError,
)
from .outcomes import fraction_improvement, is_remission, is_response
from .registry import INSTRUMENT_IDS, INSTRUMENTS, get_instrument
from .scoring import item_problems, maximum_total, resolve_settings, score_instrument


def score(instrument_id: str, answers: Sequence[int | None], **settings: ParamValue) -> ScoreResult:
    """Score ``answers`` (item 1 first) for the instrument ``instrument_id``.

    Keyword arguments override documented instrument parameters, e.g.
    ``score("pcl5", answers, probable_ptsd_cutoff=31)``.
    """
    return score_instrument(get_instrument(instrument_id), answers, settings)


__all__ = [
    "INSTRUMENTS",
    "INSTRUMENT_IDS",
    "AnswerCountError",
    "Instrument",
    "InstrumentError",
    "InvalidAnswerError",
    "InvalidParameterError",
    "ParamValue",
    "ScoreResult",
    "SubScore",
    "UnknownInstrumentError",
    "fraction_improvement",
    "get_instrument",
    "is_remission",
    "is_response",
    "item_problems",
    "maximum_total",
    "resolve_settings",
    "score",
    "score_instrument",
]
