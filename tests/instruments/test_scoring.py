"""Totals, PEG rounding and error messages of the scoring engine."""

from __future__ import annotations

import dataclasses

import pytest

from kitclinic.instruments import (
    INSTRUMENT_IDS,
    AnswerCountError,
    InvalidAnswerError,
    InvalidParameterError,
    UnknownInstrumentError,
    get_instrument,
    item_problems,
    score,
)


def test_phq9_worked_example():
    """Source: [kroenke-2001]: sum of items 1-9. 1+1+2+2+1+2+2+2+1 = 14 -> moderate (10-14)."""
    result = score("phq9", [1, 1, 2, 2, 1, 2, 2, 2, 1])
    assert (result.instrument, result.total, result.max) == ("phq9", 14, 27)
    assert result.severity == "moderate"
    assert result.flags == ("suicidal_ideation",)


def test_result_is_frozen():
    result = score("gad7", [0] * 7)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("answers", "mean"),
    [
        ([3, 5, 6], 4.67),  # 14/3 = 4.666...
        ([1, 0, 0], 0.33),  # 0.333...
        ([2, 2, 3], 2.33),
        ([10, 10, 9], 9.67),
        ([5, 5, 5], 5.0),
        ([0, 0, 0], 0.0),
        ([10, 10, 10], 10.0),
        ([0, 0, 1], 0.33),
        ([0, 1, 1], 0.67),
    ],
)
def test_peg_total_is_the_mean_rounded_to_two_decimals(answers, mean):
    """Source: [krebs-2009] (Krebs 2009): mean of the three items, reported to 2 decimals."""
    result = score("peg", answers)
    assert result.total == mean
    assert result.max == 10


def test_peg_rejects_eleven():
    """Source: [krebs-2009]: each item 0-10."""
    with pytest.raises(InvalidAnswerError, match=r"item 1 \(P: average pain.*allowed values: 0-10"):
        score("peg", [11, 0, 0])


def test_out_of_range_answer_names_item_number_label_and_allowed_values():
    with pytest.raises(InvalidAnswerError) as info:
        score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 4])
    message = str(info.value)
    assert "item 9" in message
    assert "better off dead / hurting yourself" in message
    assert "allowed values: 0-3" in message
    assert info.value.item_number == 9
    assert info.value.allowed == (0, 1, 2, 3)


def test_aldrete_allowed_values_are_listed():
    with pytest.raises(InvalidAnswerError, match=r"item 5 \(O2 saturation\).*allowed values: 0-2"):
        score("aldrete", [2, 2, 2, 2, 3])


@pytest.mark.parametrize("bad", [-1, 1.0, True, "2"])
def test_non_integer_or_negative_answers_are_invalid(bad):
    """bool is an int in Python; a checkbox value must not silently score 1."""
    with pytest.raises(InvalidAnswerError, match="item 1"):
        score("gad7", [bad, 0, 0, 0, 0, 0, 0])


def test_missing_answer_on_a_summed_scale_is_invalid():
    with pytest.raises(InvalidAnswerError, match=r"item 3 \(sleep\).*missing"):
        score("phq9", [0, 0, None, 0, 0, 0, 0, 0, 0])


def test_item_problems_names_every_wrong_item_and_scoring_raises_the_first():
    """Source: [bremner-1998] (CADSS items 0-4); [ids-qids] (QIDS-SR16 asks one of items 6-9)."""
    cadss = get_instrument("cadss")
    answers: list[int | None] = [0] * 23
    answers[4], answers[10], answers[22] = 5, None, -1
    problems = item_problems(cadss, answers)
    assert [(p.item_number, p.got) for p in problems] == [(5, 5), (11, None), (23, -1)]
    assert all(p.allowed == (0, 1, 2, 3, 4) for p in problems)
    with pytest.raises(InvalidAnswerError) as raised:
        score("cadss", answers)
    assert raised.value.item_number == 5
    assert item_problems(cadss, [0] * 23) == ()
    qids = get_instrument("qids-sr16")
    one_of_6_to_9 = [1, 0, 0, 0, 2, 1, None, None, None, 1, 1, 0, 2, 1, 0, 1]
    assert item_problems(qids, one_of_6_to_9) == ()
    none_of_6_to_9 = one_of_6_to_9[:5] + [None] * 4 + one_of_6_to_9[9:]
    assert [p.item_number for p in item_problems(qids, none_of_6_to_9)] == [6, 7, 8, 9]


@pytest.mark.parametrize("count", [0, 8, 10])
def test_wrong_answer_count_names_expected_and_got(count):
    with pytest.raises(AnswerCountError, match=f"expected 9 answers, got {count}"):
        score("phq9", [0] * count)


def test_answer_errors_are_value_errors():
    assert issubclass(InvalidAnswerError, ValueError)
    assert issubclass(AnswerCountError, ValueError)
    assert issubclass(UnknownInstrumentError, ValueError)


def test_a_string_of_answers_is_refused():
    with pytest.raises(TypeError):
        score("phq9", "000000000")  # type: ignore[arg-type]


def test_unknown_instrument_lists_valid_ids():
    with pytest.raises(UnknownInstrumentError) as info:
        get_instrument("phq-9")
    for instrument_id in INSTRUMENT_IDS:
        assert instrument_id in str(info.value)


def test_unknown_parameter_is_rejected_with_the_known_ones():
    with pytest.raises(InvalidParameterError, match="probable_ptsd_cutoff"):
        score("pcl5", [0] * 20, cutoff=31)
    with pytest.raises(InvalidParameterError, match="known parameters: none"):
        score("phq9", [0] * 9, band_scheme="common")
