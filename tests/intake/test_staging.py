"""TRD definition, Maudsley Staging Method and Thase–Rush stages.

Expected values are worked by hand from the tables of [trd-definition] (TRD definition),
[maudsley-staging] (MSM) and [thase-rush-staging] (Thase–Rush) in docs/sources.md.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.intake import (
    NOT_STAGED_LABEL,
    EpisodeSeverity,
    MsmResult,
    TreatmentClass,
    Trial,
    TrialOutcome,
    count_adequate_failed_trials,
    maudsley_stage,
    thase_rush_stage,
    trd_definition_met,
)

from .conftest import failed, failed_ssris, responded

TC = TreatmentClass
SEV = EpisodeSeverity


def msm(months: int | None, severity: EpisodeSeverity | None, trials: list[Trial]) -> MsmResult:
    return maudsley_stage(episode_duration_months=months, severity=severity, trials=trials)


# --- counting adequate failed trials ([trd-definition]) -------------------------------------------


def test_failed_count_includes_no_response_and_partial_response_of_antidepressant_classes() -> None:
    """[trd-definition]: non-response to antidepressants of adequate dose and duration."""
    trials = [
        failed(TC.SSRI),
        failed(TC.SNRI, partial=True),
        failed(TC.TCA),
        failed(TC.MAOI),
        failed(TC.OTHER_ANTIDEPRESSANT),
    ]
    assert count_adequate_failed_trials(trials) == 5


@pytest.mark.parametrize(
    "trial",
    [
        Trial(TC.SSRI, False, TrialOutcome.NO_RESPONSE, True),  # not adequate
        Trial(TC.SSRI, True, TrialOutcome.NO_RESPONSE, False),  # earlier episode
        Trial(TC.SSRI, True, TrialOutcome.INTOLERANCE, True),  # intolerance is not adequate
        Trial(TC.SSRI, True, TrialOutcome.ONGOING, True),
        Trial(TC.SSRI, True, TrialOutcome.RESPONSE, True),
        failed(TC.AUGMENTATION),
        failed(TC.ECT_BILATERAL),
        failed(TC.ECT_UNILATERAL),
        failed(TC.TMS),
        failed(TC.ESKETAMINE),
        failed(TC.PSYCHOTHERAPY),
        failed(TC.OTHER),
    ],
)
def test_failed_count_excludes_trials_outside_the_trd_definition(trial: Trial) -> None:
    """[trd-definition]: only adequate antidepressant trials in the current episode without response
    count."""
    assert count_adequate_failed_trials([failed(TC.SSRI), trial]) == 1


def test_trd_definition_needs_two_adequate_failed_trials_in_the_current_episode() -> None:
    """[trd-definition] [P]: non-response to ≥2 antidepressants of adequate dose and duration."""
    assert trd_definition_met([]) is False
    assert trd_definition_met(failed_ssris(1)) is False
    assert trd_definition_met(failed_ssris(2)) is True
    previous_episode = Trial(TC.SNRI, True, TrialOutcome.NO_RESPONSE, False)
    assert trd_definition_met([failed(TC.SSRI), previous_episode]) is False


def test_trd_definition_accepts_a_generator() -> None:
    assert trd_definition_met(t for t in failed_ssris(2)) is True


# --- Maudsley Staging Method ([maudsley-staging]) -------------------------------------------------


@pytest.mark.parametrize(
    ("months", "points"), [(0, 1), (12, 1), (13, 2), (24, 2), (25, 3), (240, 3)]
)
def test_msm_duration_boundaries_12_13_and_24_25_months(months: int, points: int) -> None:
    """[maudsley-staging]: ≤12 months 1 · 13–24 months 2 · >24 months 3."""
    result = msm(months, SEV.MILD, failed_ssris(1))
    assert result.points["duration"] == points


@pytest.mark.parametrize(
    ("severity", "points"),
    [
        (SEV.SUBSYNDROMAL, 1),
        (SEV.MILD, 2),
        (SEV.MODERATE, 3),
        (SEV.SEVERE_WITHOUT_PSYCHOSIS, 4),
        (SEV.SEVERE_WITH_PSYCHOSIS, 5),
    ],
)
def test_msm_severity_points(severity: EpisodeSeverity, points: int) -> None:
    """[maudsley-staging]: subsyndromal 1 · mild 2 · moderate 3 · severe without psychosis 4 · with
    5."""
    assert msm(6, severity, failed_ssris(1)).points["severity"] == points


@pytest.mark.parametrize(
    ("n_failed", "points"),
    [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (10, 4), (11, 5), (20, 5)],
)
def test_msm_failed_antidepressant_boundaries_2_3_4_5_6_7_10_11(n_failed: int, points: int) -> None:
    """[maudsley-staging]: 1–2 → 1 · 3–4 → 2 · 5–6 → 3 · 7–10 → 4 · >10 → 5."""
    result = msm(6, SEV.MILD, failed_ssris(n_failed))
    assert result.points["failed_antidepressants"] == points
    assert result.failed_antidepressants == n_failed


def test_msm_augmentation_and_ect_score_one_each_when_used_in_the_current_episode() -> None:
    """[maudsley-staging]: augmentation used 1, ECT used 1; "used" whatever the outcome of that
    course."""
    base = failed_ssris(1)
    assert msm(6, SEV.MILD, base).points == {
        "duration": 1, "severity": 2, "failed_antidepressants": 1, "augmentation": 0, "ect": 0,
    }  # fmt: skip
    lithium = Trial(TC.AUGMENTATION, True, TrialOutcome.INTOLERANCE, True)
    ect_unilateral = Trial(TC.ECT_UNILATERAL, False, TrialOutcome.RESPONSE, True)
    result = msm(6, SEV.MILD, [*base, lithium, ect_unilateral])
    assert (result.points["augmentation"], result.points["ect"]) == (1, 1)
    assert result.score == 1 + 2 + 1 + 1 + 1


def test_msm_augmentation_and_ect_from_an_earlier_episode_do_not_count() -> None:
    old = [
        Trial(TC.AUGMENTATION, True, TrialOutcome.NO_RESPONSE, False),
        Trial(TC.ECT_BILATERAL, True, TrialOutcome.NO_RESPONSE, False),
    ]
    result = msm(6, SEV.MILD, [*failed_ssris(1), *old])
    assert (result.points["augmentation"], result.points["ect"]) == (0, 0)


@pytest.mark.parametrize(
    ("months", "severity", "n_failed", "extras", "score", "band"),
    [
        # 1 + 1 + 1 = 3, the minimum.
        (12, SEV.SUBSYNDROMAL, 1, [], 3, "mild"),
        # 1 + 3 + 1 + aug 1 = 6: top of mild.
        (12, SEV.MODERATE, 2, [TC.AUGMENTATION], 6, "mild"),
        # 1 + 3 + 1 + aug 1 + ECT 1 = 7: bottom of moderate.
        (12, SEV.MODERATE, 2, [TC.AUGMENTATION, TC.ECT_BILATERAL], 7, "moderate"),
        # 3 + 4 + 2 + 1 = 10: top of moderate.
        (25, SEV.SEVERE_WITHOUT_PSYCHOSIS, 3, [TC.AUGMENTATION], 10, "moderate"),
        # 3 + 5 + 2 + 1 = 11: bottom of severe.
        (25, SEV.SEVERE_WITH_PSYCHOSIS, 3, [TC.AUGMENTATION], 11, "severe"),
        # 3 + 5 + 5 + 1 + 1 = 15, the maximum.
        (25, SEV.SEVERE_WITH_PSYCHOSIS, 11, [TC.AUGMENTATION, TC.ECT_UNILATERAL], 15, "severe"),
    ],
)
def test_msm_band_boundaries_6_7_and_10_11(
    months: int,
    severity: EpisodeSeverity,
    n_failed: int,
    extras: list[TreatmentClass],
    score: int,
    band: str,
) -> None:
    """[maudsley-staging] bands: mild 3–6, moderate 7–10, severe 11–15."""
    result = msm(months, severity, [*failed_ssris(n_failed), *(failed(c) for c in extras)])
    assert result.applicable is True
    assert result.score == score
    assert result.band == band
    assert result.missing == ()
    assert str(score) in result.reason


def test_msm_is_not_applicable_without_a_failed_trial() -> None:
    """[maudsley-staging]: with 0 failed trials the patient is not TRD; return "not applicable"."""
    trials = [
        responded(TC.SSRI),
        Trial(TC.SNRI, True, TrialOutcome.INTOLERANCE, True),
        Trial(TC.TCA, True, TrialOutcome.NO_RESPONSE, False),
        failed(TC.AUGMENTATION),
        failed(TC.ECT_BILATERAL),
    ]
    result = msm(30, SEV.SEVERE_WITH_PSYCHOSIS, trials)
    assert result.applicable is False
    assert result.score is None and result.band is None
    assert "not applicable" in result.reason
    assert msm(30, SEV.MODERATE, []).applicable is False


@pytest.mark.parametrize(
    ("months", "severity", "missing"),
    [
        (None, SEV.MILD, ("episode_duration_months",)),
        (6, None, ("severity",)),
        (None, None, ("episode_duration_months", "severity")),
    ],
)
def test_msm_with_missing_inputs_gives_no_score_and_names_them(
    months: int | None, severity: EpisodeSeverity | None, missing: tuple[str, ...]
) -> None:
    result = msm(months, severity, failed_ssris(3))
    assert result.applicable is True
    assert result.score is None and result.band is None
    assert result.missing == missing
    for name in missing:
        assert name in result.reason
    assert result.points["failed_antidepressants"] == 2


def test_msm_rejects_a_negative_or_fractional_duration() -> None:
    with pytest.raises(ValueError, match="episode_duration_months"):
        msm(-1, SEV.MILD, failed_ssris(1))
    with pytest.raises(ValueError, match="episode_duration_months"):
        msm(12.5, SEV.MILD, failed_ssris(1))  # type: ignore[arg-type]


def test_msm_accepts_severity_as_its_stored_string() -> None:
    result = msm(6, "moderate", failed_ssris(1))  # type: ignore[arg-type]
    assert result.points["severity"] == 3


# --- Thase–Rush ([thase-rush-staging]) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("trials", "stage", "label"),
    [
        pytest.param([responded(TC.SSRI)], 0, "0", id="0-responded"),
        pytest.param([failed(TC.SSRI)], 1, "I", id="I-one-ssri"),
        pytest.param(failed_ssris(3), 1, "I", id="I-same-class-thrice"),
        pytest.param(
            [failed(TC.OTHER_ANTIDEPRESSANT), failed(TC.OTHER_ANTIDEPRESSANT)], 1, "I",
            id="I-two-other-antidepressants-are-one-class",
        ),
        pytest.param([failed(TC.SSRI), responded(TC.SNRI)], 1, "I", id="I-response-after-failure"),
        pytest.param([failed(TC.SSRI), failed(TC.SNRI)], 2, "II", id="II-ssri-snri"),
        pytest.param(
            [failed(TC.SSRI), failed(TC.TCA)], 2, "II", id="II-tca-as-the-second-class"
        ),
        pytest.param(
            [failed(TC.SSRI), failed(TC.SNRI), failed(TC.AUGMENTATION)], 2, "II",
            id="II-augmentation-ignored",
        ),
        pytest.param(
            [failed(TC.SSRI), failed(TC.SNRI), failed(TC.TCA)], 3, "III", id="III-plus-tca"
        ),
        pytest.param(
            [failed(TC.SSRI), failed(TC.MAOI), failed(TC.TCA)], 3, "III",
            id="III-maoi-used-for-stage-ii-not-iv",
        ),
        pytest.param(
            [failed(TC.SSRI), failed(TC.SNRI), failed(TC.TCA), failed(TC.ECT_BILATERAL)], 3,
            "III", id="III-bilateral-ect-without-maoi",
        ),
        pytest.param(
            [failed(TC.SSRI), failed(TC.SNRI), failed(TC.TCA), failed(TC.MAOI)], 4, "IV",
            id="IV-plus-maoi",
        ),
        pytest.param(
            [failed(TC.SSRI), failed(TC.SNRI), failed(TC.TCA), failed(TC.MAOI),
             failed(TC.ECT_UNILATERAL)],
            4, "IV", id="IV-unilateral-ect-does-not-count",
        ),
        pytest.param(
            [failed(TC.SSRI), failed(TC.SNRI), failed(TC.TCA), failed(TC.MAOI),
             Trial(TC.ECT_BILATERAL, True, TrialOutcome.INTOLERANCE, True)],
            4, "IV", id="IV-ect-stopped-for-intolerance",
        ),
        pytest.param(
            [failed(TC.SSRI), failed(TC.SNRI), failed(TC.TCA), failed(TC.MAOI),
             failed(TC.ECT_BILATERAL)],
            5, "V", id="V-plus-bilateral-ect",
        ),
        pytest.param(
            [failed(TC.OTHER_ANTIDEPRESSANT, partial=True), failed(TC.SNRI), failed(TC.TCA),
             failed(TC.MAOI), failed(TC.ECT_BILATERAL, partial=True)],
            5, "V", id="V-partial-responses-are-failures",
        ),
    ],
)  # fmt: skip
def test_thase_rush_worked_trial_lists(trials: list[Trial], stage: int, label: str) -> None:
    """[thase-rush-staging]: 0 responded · I one class · II + different class · III + TCA · IV +
    MAOI ·
    V + bilateral ECT; each stage needs a trial beyond the previous stage."""
    result = thase_rush_stage(trials)
    assert result.stage == stage
    assert result.label == label
    assert result.reason


@pytest.mark.parametrize(
    "trials",
    [
        pytest.param([], id="no-trials"),
        pytest.param([Trial(TC.SSRI, False, TrialOutcome.NO_RESPONSE, True)], id="inadequate"),
        pytest.param([Trial(TC.SSRI, True, TrialOutcome.ONGOING, True)], id="ongoing"),
        pytest.param([Trial(TC.SSRI, True, TrialOutcome.INTOLERANCE, True)], id="intolerance"),
        pytest.param([Trial(TC.SSRI, True, TrialOutcome.NO_RESPONSE, False)], id="old-episode"),
        pytest.param([failed(TC.AUGMENTATION), failed(TC.TMS)], id="non-staging-classes"),
    ],
)
def test_thase_rush_without_an_adequate_completed_trial_is_not_staged(
    trials: list[Trial],
) -> None:
    """[thase-rush-staging] has no row for an empty history; the result says so instead of inventing
    a stage."""
    result = thase_rush_stage(trials)
    assert result.stage is None
    assert result.label == NOT_STAGED_LABEL == "not staged"
    assert "not staged" in result.reason


# --- properties ---------------------------------------------------------------------------

trial_strategy = st.builds(
    Trial,
    treatment_class=st.sampled_from(TreatmentClass),
    adequate=st.booleans(),
    outcome=st.sampled_from(TrialOutcome),
    current_episode=st.booleans(),
)
failed_trial_strategy = st.builds(
    Trial,
    treatment_class=st.sampled_from(TreatmentClass),
    adequate=st.booleans(),
    outcome=st.sampled_from([TrialOutcome.NO_RESPONSE, TrialOutcome.PARTIAL_RESPONSE]),
    current_episode=st.booleans(),
)
histories = st.lists(trial_strategy, max_size=25)
months = st.integers(min_value=0, max_value=600)
severities = st.sampled_from(EpisodeSeverity)


@given(histories, months, severities)
def test_msm_score_is_within_3_and_15_and_sums_its_points_when_applicable(
    trials: list[Trial], months: int, severity: EpisodeSeverity
) -> None:
    """[maudsley-staging]: total 3–15; the band follows the score."""
    result = msm(months, severity, trials)
    assert result.applicable == (count_adequate_failed_trials(trials) > 0)
    if result.applicable:
        assert result.score is not None
        assert 3 <= result.score <= 15
        assert result.score == sum(result.points.values())
        expected_band = (
            "mild" if result.score <= 6 else "moderate" if result.score <= 10 else "severe"
        )
        assert result.band == expected_band
    else:
        assert result.score is None


@given(histories, failed_trial_strategy, months, severities)
def test_adding_a_failed_trial_never_lowers_the_msm_score(
    trials: list[Trial], extra: Trial, months: int, severity: EpisodeSeverity
) -> None:
    before = msm(months, severity, trials)
    after = msm(months, severity, [*trials, extra])
    if before.score is not None:
        assert after.score is not None
        assert after.score >= before.score


@given(histories, failed_trial_strategy)
def test_adding_a_failed_trial_never_lowers_the_thase_rush_stage(
    trials: list[Trial], extra: Trial
) -> None:
    def rank(stage: int | None) -> int:
        return -1 if stage is None else stage  # "not staged" is below stage 0

    before = thase_rush_stage(trials).stage
    after = thase_rush_stage([*trials, extra]).stage
    assert rank(after) >= rank(before)


@given(histories)
def test_thase_rush_stage_does_not_depend_on_trial_order(trials: list[Trial]) -> None:
    assert thase_rush_stage(trials).stage == thase_rush_stage(trials[::-1]).stage
