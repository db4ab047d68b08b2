"""score_many equals the scalar engine row by row on random answers, for every summed scale."""

from __future__ import annotations

import numpy as np
import pytest

from kitclinic.instruments import (
    INSTRUMENT_IDS,
    AnswerCountError,
    InvalidAnswerError,
    get_instrument,
    score,
)
from kitclinic.instruments.vectorized import score_many

SUMMED = [i for i in INSTRUMENT_IDS if get_instrument(i).scoring.kind == "sum_of_group_max"]


def _random_answers(instrument_id: str, n: int, seed: int) -> np.ndarray:
    inst = get_instrument(instrument_id)
    rng = np.random.default_rng(seed)
    return np.column_stack(
        [rng.choice(np.asarray(item.allowed_values), size=n) for item in inst.items]
    )


@pytest.mark.parametrize("instrument_id", SUMMED)
def test_equal_to_the_scalar_engine_on_random_answers(instrument_id):
    answers = _random_answers(instrument_id, 2000, seed=len(instrument_id))
    batch = score_many(instrument_id, answers)
    for row, (total, severity) in enumerate(zip(batch.totals, batch.severities, strict=True)):
        expected = score(instrument_id, [int(v) for v in answers[row]])
        assert total == expected.total
        assert (severity or None) == expected.severity
        assert {f for f, hits in batch.flags.items() if hits[row]} == set(expected.flags)


@pytest.mark.parametrize(
    ("instrument_id", "settings"),
    [
        ("pcl5", {"probable_ptsd_cutoff": 31}),
        ("madrs", {"band_scheme": "muller2003", "item10_alert_level": 3}),
        ("cadss", {"dissociation_present_above": 4}),
        ("aldrete", {"require_full_respiration": True}),
    ],
)
def test_settings_give_the_same_result_as_the_scalar_engine(instrument_id, settings):
    answers = _random_answers(instrument_id, 500, seed=7)
    batch = score_many(instrument_id, answers, **settings)
    for row in range(len(answers)):
        expected = score(instrument_id, [int(v) for v in answers[row]], **settings)
        assert batch.totals[row] == expected.total
        assert (batch.severities[row] or None) == expected.severity
        assert {f for f, hits in batch.flags.items() if hits[row]} == set(expected.flags)


def test_phq9_item9_flags_every_row_with_a_nonzero_item9():
    answers = np.zeros((4, 9), dtype=np.int8)
    answers[1, 8] = 1
    answers[3, 8] = 3
    batch = score_many("phq9", answers)
    assert batch.flags["suicidal_ideation"].tolist() == [False, True, False, True]
    assert batch.severities.tolist() == ["none_minimal"] * 4


def test_bad_input_names_the_row_item_and_allowed_values():
    answers = np.zeros((3, 9), dtype=np.int64)
    answers[2, 4] = 5
    with pytest.raises(InvalidAnswerError, match=r"item 5 \(appetite\): 5 \(row 2\).*0-3"):
        score_many("phq9", answers)
    with pytest.raises(AnswerCountError, match="expected 9 answers, got 8"):
        score_many("phq9", np.zeros((3, 8), dtype=np.int64))
    with pytest.raises(TypeError):
        score_many("phq9", np.zeros((3, 9), dtype=float))
