"""Per-course definitions on worked examples (baseline, response, remission, early non-response,
relapse); the expected values are worked by hand in each docstring."""

from __future__ import annotations

import pytest

from kitclinic.outcome_stats import (
    DEFAULT_REMISSION_CUTOFFS,
    EXCLUDED_NO_BASELINE,
    EXCLUDED_ZERO_BASELINE,
    CourseOutcome,
    OutcomeCriteria,
    RemissionCutoff,
    ScoreRecord,
    ScoreTable,
    course_outcomes,
)


def course(
    scores: list[tuple[int, float, float]],
    instrument: str = "phq9",
    criteria: OutcomeCriteria | None = None,
) -> CourseOutcome:
    """One course from (infusion_number, day, score) triples."""
    table = ScoreTable.from_records(
        ScoreRecord("p1", "c1", inf, day, instrument, score) for inf, day, score in scores
    )
    (outcome,) = course_outcomes(table, criteria)
    return outcome


def test_baseline_is_the_last_rating_before_the_first_infusion_by_date_not_row_order():
    """Screening 24 (day -14) and day-of 18 (day 0), given out of order: baseline 18. After
    infusion 1 the score is 9 = 50% of 18 → response."""
    o = course([(1, 2, 9), (0, 0, 18), (0, -14, 24)])
    assert o.baseline == 18
    assert o.responded
    assert o.first_response_infusion == 1


@pytest.mark.parametrize(
    ("baseline", "score", "responds"),
    [(20, 10, True), (20, 11, False), (15, 7.5, True), (15, 8, False), (27, 13, True)],
)
def test_exactly_half_of_baseline_counts_as_response(baseline, score, responds):
    o = course([(0, 0, baseline), (1, 2, score)])
    assert o.responded is responds
    assert (o.first_response_infusion == 1) is responds


@pytest.mark.parametrize(
    ("instrument", "baseline", "score", "remits"),
    [
        ("phq9", 20, 5, False),  # PHQ-9 remission is < 5
        ("phq9", 20, 4, True),
        ("qids_sr16", 20, 5, True),  # QIDS-SR16 remission is <= 5
        ("qids_sr16", 20, 6, False),
        ("madrs", 40, 10, True),  # MADRS <= 10 (KARMA-Dep)
        ("madrs", 40, 11, False),
        ("gad7", 18, 5, False),  # GAD-7 < 5 (convention)
        ("gad7", 18, 4, True),
    ],
)
def test_remission_cut_off_edges(instrument, baseline, score, remits):
    o = course([(0, 0, baseline), (1, 2, score)], instrument=instrument)
    assert o.remitted is remits
    assert (o.first_remission_infusion == 1) is remits


def test_a_clinic_can_use_madrs_remission_at_12():
    madrs12 = RemissionCutoff("madrs", "MADRS", 12, True, 0, 60, "esketamine trials")
    crit = OutcomeCriteria(cutoffs={**DEFAULT_REMISSION_CUTOFFS, "madrs": madrs12})
    scores = [(0, 0, 40), (1, 2, 12)]
    assert course(scores, "madrs", crit).remitted
    assert not course(scores, "madrs").remitted


def test_endpoint_decides_response_while_first_response_and_relapse_keep_the_history():
    """Baseline 20; 12 after infusion 1, 9 after 2 (response), 4 after 3 (remission, day 7);
    follow-up on day 28 at 13 (35% better: response lost). Endpoint: neither responded nor
    remitted; first response at infusion 2 (day 4); relapse 24 days after first response."""
    o = course([(0, 0, 20), (1, 2, 12), (2, 4, 9), (3, 7, 4), (3, 28, 13)])
    assert (o.responded, o.remitted) == (False, False)
    assert o.endpoint_infusion == 3 and o.endpoint_score == 13
    assert o.endpoint_improvement == pytest.approx(0.35)
    assert o.first_response_infusion == 2 and o.first_response_day == 4
    assert o.first_remission_infusion == 3
    assert o.relapsed is True
    assert o.relapse_infusion == 3
    assert o.days_to_relapse == 24
    assert o.days_followed_after_response is None


def test_responder_without_relapse_is_followed_from_first_response_to_last_rating():
    o = course([(0, 0, 20), (1, 2, 10), (2, 4, 8), (2, 30, 10)])
    assert o.relapsed is False
    assert o.days_to_relapse is None
    assert o.days_followed_after_response == 28


def test_relapse_threshold_is_a_setting():
    """Baseline 20, response at infusion 1 (8), follow-up 12 = 40% improvement: loss of response
    with the default 0.5, but not relapse if a clinic calls relapse < 30% improvement."""
    scores = [(0, 0, 20), (1, 2, 8), (1, 20, 12)]
    assert course(scores).relapsed is True
    assert course(scores, criteria=OutcomeCriteria(relapse_min_improvement=0.3)).relapsed is False


def test_non_responder_has_no_relapse_status():
    o = course([(0, 0, 20), (1, 2, 18)])
    assert o.relapsed is None and o.days_followed_after_response is None


@pytest.mark.parametrize(
    ("score_at_review", "flagged", "improvement"),
    [(25, True, 1 / 6), (24, False, 0.2), (10, False, 2 / 3), (33, True, -0.1)],
)
def test_early_non_response_at_infusion_4_needs_a_20_percent_drop(
    score_at_review, flagged, improvement
):
    """MADRS baseline 30; 20% improvement means <= 24 after infusion 4 (exactly 20% is enough)."""
    o = course([(0, 0, 30), (2, 3, 28), (4, 8, score_at_review), (5, 10, 20)], instrument="madrs")
    assert o.early_non_response is flagged
    assert o.review_improvement == pytest.approx(improvement)


def test_early_non_response_uses_latest_rating_at_the_review_infusion():
    o = course([(0, 0, 30), (4, 8, 29), (4, 9, 20)], instrument="madrs")
    assert o.early_non_response is False


def test_early_non_response_is_unknown_without_a_rating_at_the_review_infusion():
    assert course([(0, 0, 30), (3, 6, 29), (5, 10, 29)], "madrs").early_non_response is None
    assert course([(0, 0, 30), (2, 3, 29)], "madrs").early_non_response is None


def test_review_infusion_and_threshold_are_settings():
    crit = OutcomeCriteria(early_review_infusion=3, early_min_improvement=0.1)
    o = course([(0, 0, 30), (3, 6, 27), (4, 8, 26)], "madrs", crit)
    assert o.early_non_response is False  # 10% at infusion 3 meets a 10% threshold
    assert course([(0, 0, 30), (3, 6, 28)], "madrs", crit).early_non_response is True


def test_courses_without_usable_baseline_are_excluded_with_a_reason():
    assert course([(1, 2, 9), (2, 4, 3)]).exclusion == EXCLUDED_NO_BASELINE
    zero = course([(0, 0, 0), (1, 2, 0)])
    assert zero.exclusion == EXCLUDED_ZERO_BASELINE
    assert not zero.included
    assert (zero.responded, zero.remitted, zero.first_response_infusion) == (False, False, None)


def test_course_without_ratings_after_an_infusion_counts_as_neither_responded_nor_remitted():
    """Baseline already below the PHQ-9 cut-off and no rating since: not a remission."""
    o = course([(0, 0, 4)])
    assert o.included
    assert (o.responded, o.remitted, o.endpoint_score, o.last_infusion) == (False, False, None, 0)


def test_patients_courses_and_instruments_are_kept_apart():
    table = ScoreTable.from_records(
        [
            ScoreRecord("p1", "c1", 0, 0, "phq9", 20),
            ScoreRecord("p1", "c1", 1, 2, "phq9", 10),
            ScoreRecord("p1", "c1", 0, 0, "gad7", 15),
            ScoreRecord("p1", "c1", 1, 2, "gad7", 14),
            ScoreRecord("p1", "c2", 0, 100, "phq9", 12),
            ScoreRecord("p1", "c2", 1, 102, "phq9", 11),
            ScoreRecord("p2", "c1", 0, 0, "phq9", 10),
            ScoreRecord("p2", "c1", 1, 2, "phq9", 2),
        ]
    )
    got = {(o.patient_id, o.course_id, o.instrument): o.responded for o in course_outcomes(table)}
    assert got == {
        ("p1", "c1", "gad7"): False,
        ("p1", "c1", "phq9"): True,
        ("p1", "c2", "phq9"): False,
        ("p2", "c1", "phq9"): True,
    }


def test_two_ratings_at_the_same_moment_are_rejected():
    with pytest.raises(ValueError, match="two ratings at infusion 1"):
        course([(0, 0, 20), (1, 2, 10), (1, 2, 12)])


def test_dates_going_backwards_are_rejected():
    with pytest.raises(ValueError, match="dated before"):
        course([(0, 0, 20), (1, 5, 10), (2, 3, 12)])


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (ScoreRecord("p", "c", 0, 0, "hamd", 10), "unknown instrument 'hamd'"),
        (ScoreRecord("p", "c", 0, 0, "phq9", 28), "PHQ-9 score must be 0-27"),
        (ScoreRecord("p", "c", -1, 0, "phq9", 10), "infusion_number must be >= 0"),
        (ScoreRecord("p", "c", 0, 0, "phq9", float("nan")), "score must be a finite number"),
    ],
)
def test_bad_rows_are_rejected_naming_the_row(record, message):
    good = ScoreRecord("p", "c", 1, 2, "phq9", 5)
    with pytest.raises(ValueError, match=f"row 1: {message}"):
        ScoreTable.from_records([good, record])


def test_criteria_reject_thresholds_that_are_not_fractions():
    with pytest.raises(ValueError):
        OutcomeCriteria(response_min_improvement=50)
    with pytest.raises(ValueError):
        OutcomeCriteria(early_review_infusion=0)


def test_empty_table_has_no_outcomes():
    assert course_outcomes(ScoreTable.from_records([])) == ()
