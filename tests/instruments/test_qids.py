"""QIDS-SR16 max-of-group scoring, worked by hand from the published rule."""

from __future__ import annotations

import pytest

from kitclinic.instruments import InvalidAnswerError, score


def test_sleep_domain_counts_only_the_worst_of_items_1_to_4():
    """Source: [ids-qids]: total = max(1-4) + 5 + max(6-9) + 10..14 + max(15-16).

    Items 1-4 = 1, 3, 2, 0 -> sleep domain 3; all other items 0 -> total 3 (not 6).
    """
    answers = [1, 3, 2, 0] + [0] * 12
    assert score("qids-sr16", answers).total == 3


def test_appetite_weight_domain_takes_max_even_when_all_four_answered():
    """Source: [ids-qids]: take max(6-9) even if the patient answered more than asked.

    Items 6-9 = 2, 1, 3, 1 -> domain 3; everything else 0 -> total 3.
    """
    answers = [0] * 5 + [2, 1, 3, 1] + [0] * 7
    assert score("qids-sr16", answers).total == 3


def test_psychomotor_domain_takes_max_of_items_15_and_16():
    """Source: [ids-qids]. Items 15, 16 = 1, 2 -> domain 2."""
    answers = [0] * 14 + [1, 2]
    assert score("qids-sr16", answers).total == 2


def test_full_worked_example():
    """Source: [ids-qids] formula, by hand.

    Answers 1..16 = 1,2,3,0 | 2 | 0,1,2,0 | 1 | 2 | 0 | 3 | 1 | 0,2
    max(1,2,3,0)=3 + 2 + max(0,1,2,0)=2 + 1 + 2 + 0 + 3 + 1 + max(0,2)=2 = 16 -> severe (16-20).
    """
    answers = [1, 2, 3, 0, 2, 0, 1, 2, 0, 1, 2, 0, 3, 1, 0, 2]
    result = score("qids-sr16", answers)
    assert result.total == 16
    assert result.severity == "severe"
    assert result.flags == ()


def test_all_items_at_three_gives_the_maximum_27_not_48():
    """Source: [ids-qids]: range 0-27 (nine domains of 0-3)."""
    result = score("qids-sr16", [3] * 16)
    assert result.total == 27
    assert result.max == 27
    assert result.severity == "very_severe"


def test_skipped_item_in_a_group_is_allowed_when_its_partner_is_answered():
    """Source: [ids-qids]: the form asks for one of 6/7 and one of 8/9.

    Items 6, 8 answered (1 and 2), 7 and 9 left blank -> domain max 2.
    """
    answers = [0, 0, 0, 0, 0, 1, None, 2, None, 0, 0, 0, 0, 0, 0, 0]
    assert score("qids-sr16", answers).total == 2


def test_a_whole_group_left_blank_is_an_error_naming_the_item():
    """A domain with no answer cannot be scored; the error names the first blank item."""
    answers: list[int | None] = [0] * 16
    answers[5:9] = [None, None, None, None]
    with pytest.raises(InvalidAnswerError, match=r"item 6 \(decreased appetite\).*missing"):
        score("qids-sr16", answers)


def test_a_single_item_domain_cannot_be_left_blank():
    """Item 12 (thoughts of death/suicide) forms its own domain and must be answered."""
    answers: list[int | None] = [0] * 16
    answers[11] = None
    with pytest.raises(InvalidAnswerError, match=r"item 12 \(thoughts of death/suicide\)"):
        score("qids-sr16", answers)
