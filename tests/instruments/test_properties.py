"""Hypothesis properties of the scoring engine over every instrument."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kitclinic.instruments import INSTRUMENT_IDS, get_instrument, score


@st.composite
def valid_answers(draw: st.DrawFn, instrument_id: str | None = None) -> tuple[str, list[int]]:
    inst_id = instrument_id or draw(st.sampled_from(INSTRUMENT_IDS))
    inst = get_instrument(inst_id)
    return inst_id, [draw(st.sampled_from(it.allowed_values)) for it in inst.items]


@given(valid_answers())
def test_total_is_within_zero_and_max_for_any_valid_answers(case):
    instrument_id, answers = case
    result = score(instrument_id, answers)
    assert 0 <= result.total <= result.max


@given(valid_answers(), st.data())
def test_raising_one_answer_never_lowers_the_total(case, data):
    instrument_id, answers = case
    inst = get_instrument(instrument_id)
    index = data.draw(st.integers(0, len(answers) - 1))
    higher = [v for v in inst.items[index].allowed_values if v >= answers[index]]
    raised = list(answers)
    raised[index] = data.draw(st.sampled_from(higher))
    assert score(instrument_id, raised).total >= score(instrument_id, answers).total


@given(valid_answers(), st.data())
def test_raising_one_answer_never_clears_a_safety_flag(case, data):
    instrument_id, answers = case
    index = data.draw(st.integers(0, len(answers) - 1))
    raised = list(answers)
    raised[index] = max(get_instrument(instrument_id).items[index].allowed_values)
    if "suicidal_ideation" in score(instrument_id, answers).flags:
        assert "suicidal_ideation" in score(instrument_id, raised).flags


@given(valid_answers("qids-sr16"))
def test_qids_total_matches_the_published_formula(case):
    """Source: [ids-qids]: max(1-4) + 5 + max(6-9) + 10 + 11 + 12 + 13 + 14 + max(15-16)."""
    _, a = case
    expected = max(a[0:4]) + a[4] + max(a[5:9]) + sum(a[9:14]) + max(a[14:16])
    assert score("qids-sr16", a).total == expected


@given(st.sampled_from(["phq9", "gad7", "pcl5", "madrs", "cadss", "aldrete"]), st.data())
def test_summed_scales_total_is_the_plain_sum(instrument_id, data):
    _, answers = data.draw(valid_answers(instrument_id))
    assert score(instrument_id, answers).total == sum(answers)


@given(valid_answers("peg"))
def test_peg_total_is_within_half_a_hundredth_of_the_exact_mean(case):
    """Source: [krebs-2009]: mean of 3 items, 2 decimals."""
    _, answers = case
    total = score("peg", answers).total
    assert abs(total - sum(answers) / 3) <= 0.005 + 1e-12
    assert round(total, 2) == total


@given(valid_answers("phq9"))
def test_phq9_severity_follows_the_total(case):
    """Source: [kroenke-2001] bands, written independently as lower bounds."""
    _, answers = case
    total = sum(answers)
    expected = [k for low, k in [(0, "none_minimal"), (5, "mild"), (10, "moderate"),
                                 (15, "moderately_severe"), (20, "severe")] if total >= low][-1]  # fmt: skip
    assert score("phq9", answers).severity == expected
