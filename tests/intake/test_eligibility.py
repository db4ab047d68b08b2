"""Eligibility decision (shared/reference/clinical-workflow.md §2 TRD definition, §4 screen and
default grouping)."""

from __future__ import annotations

import pytest

from kitclinic.intake import (
    CATALOGUE,
    DEFAULT_CONTRAINDICATION_LIST_VERSION,
    DEFAULT_GROUPING,
    ContraindicationGrouping,
    EligibilityDecision,
    EligibilityOutcome,
    EligibilityRule,
    TreatmentClass,
    Trial,
    TrialOutcome,
    build_grouping,
    decide_eligibility,
)

from .conftest import failed, failed_ssris
from .test_contraindications import REFERENCE_NEEDS_REVIEW, REFERENCE_NOT_ELIGIBLE

TRD = [failed(TreatmentClass.SSRI), failed(TreatmentClass.SNRI), failed(TreatmentClass.TCA)]


def clear_screen(**present: bool) -> dict[str, bool]:
    screen = {item.code: False for item in CATALOGUE}
    screen.update(present)
    return screen


def decide(
    screen: dict[str, bool] | None = None,
    *,
    indication: str = "depression",
    grouping: ContraindicationGrouping = DEFAULT_GROUPING,
    trials: list[Trial] = TRD,
    has_diagnosis: bool = True,
) -> EligibilityDecision:
    return decide_eligibility(
        indication=indication,
        screen=clear_screen() if screen is None else screen,
        grouping=grouping,
        trials=trials,
        has_diagnosis=has_diagnosis,
    )


def test_clear_screen_with_trd_and_diagnosis_is_eligible_and_says_why() -> None:
    decision = decide()
    assert decision.outcome is EligibilityOutcome.ELIGIBLE
    (reason,) = decision.reasons
    assert reason.rule is EligibilityRule.NO_FINDING
    assert "no contraindication present" in reason.text
    assert "TRD definition met: 3 adequate failed trials" in reason.text
    assert decision.adequate_failed_trials == 3


@pytest.mark.parametrize("code", sorted(REFERENCE_NOT_ELIGIBLE))
def test_each_default_not_eligible_item_makes_the_patient_not_eligible(code: str) -> None:
    """§4 default grouping: not eligible."""
    decision = decide(clear_screen(**{code: True}))
    assert decision.outcome is EligibilityOutcome.NOT_ELIGIBLE
    assert [r.code for r in decision.reasons] == [code]
    assert decision.reasons[0].rule is EligibilityRule.CONTRAINDICATION


@pytest.mark.parametrize("code", sorted(REFERENCE_NEEDS_REVIEW))
def test_each_default_needs_review_item_sends_the_patient_to_review(code: str) -> None:
    """§4 default grouping: needs physician review."""
    decision = decide(clear_screen(**{code: True}))
    assert decision.outcome is EligibilityOutcome.NEEDS_REVIEW
    assert [r.code for r in decision.reasons] == [code]


def test_not_eligible_wins_and_every_finding_is_listed_most_restrictive_first() -> None:
    screen = clear_screen(pregnancy=True, active_psychosis=True)
    decision = decide(screen, trials=failed_ssris(1), has_diagnosis=False)
    assert decision.outcome is EligibilityOutcome.NOT_ELIGIBLE
    assert [r.code for r in decision.reasons] == [
        "active_psychosis", "pregnancy", "trd_definition_not_met", "no_diagnosis",
    ]  # fmt: skip
    assert [r.outcome for r in decision.reasons] == [
        EligibilityOutcome.NOT_ELIGIBLE, *[EligibilityOutcome.NEEDS_REVIEW] * 3,
    ]  # fmt: skip


@pytest.mark.parametrize("n_failed", [0, 1])
def test_depression_below_the_trd_definition_needs_review(n_failed: int) -> None:
    """§2 [P]: TRD = non-response to ≥2 adequate antidepressant trials in the current episode."""
    decision = decide(trials=failed_ssris(n_failed))
    assert decision.outcome is EligibilityOutcome.NEEDS_REVIEW
    (reason,) = decision.reasons
    assert reason.code == "trd_definition_not_met"
    assert reason.rule is EligibilityRule.TRD_DEFINITION
    assert f"{n_failed} adequate failed" in reason.text


def test_trials_stopped_for_intolerance_do_not_meet_the_trd_definition() -> None:
    intolerant = [Trial(c, True, TrialOutcome.INTOLERANCE, True) for c in ("ssri", "snri")]  # type: ignore[arg-type]
    assert decide(trials=intolerant).outcome is EligibilityOutcome.NEEDS_REVIEW


@pytest.mark.parametrize("indication", ["ptsd", "anxiety", "chronic_pain"])
def test_trd_rule_applies_to_depression_only(indication: str) -> None:
    decision = decide(indication=indication, trials=[])
    assert decision.outcome is EligibilityOutcome.ELIGIBLE
    assert decision.adequate_failed_trials is None
    assert "TRD" not in decision.reasons[0].text


def test_no_diagnosis_on_file_needs_review() -> None:
    decision = decide(has_diagnosis=False)
    assert decision.outcome is EligibilityOutcome.NEEDS_REVIEW
    assert [(r.code, r.rule) for r in decision.reasons] == [
        ("no_diagnosis", EligibilityRule.DIAGNOSIS)
    ]


def test_incomplete_screen_raises_naming_the_unanswered_items() -> None:
    """The app requires a complete screen: every item answered yes or no."""
    screen = clear_screen()
    del screen["pregnancy"]
    screen["severe_personality_disorder"] = None  # type: ignore[assignment]
    with pytest.raises(ValueError, match="pregnancy, severe_personality_disorder"):
        decide(screen)


def test_screen_with_an_unknown_item_raises_naming_it() -> None:
    with pytest.raises(ValueError, match="claustrophobia"):
        decide(clear_screen(claustrophobia=True))


def test_unknown_indication_raises_and_lists_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="ocd.*depression, ptsd, anxiety, chronic_pain"):
        decide(indication="ocd")


def test_decision_records_the_contraindication_list_version() -> None:
    """§4: every decision records which version of the list it used."""
    assert decide().contraindication_list_version == DEFAULT_CONTRAINDICATION_LIST_VERSION
    grouping = build_grouping({"pregnancy": "not_eligible"}, version="clinic-a-3")
    assert decide(grouping=grouping).contraindication_list_version == "clinic-a-3"


def test_clinic_override_moves_an_item_between_groups() -> None:
    """§4: the clinic can move items between the groups."""
    stricter = build_grouping({"pregnancy": "not_eligible"}, version="clinic-a-3")
    laxer = build_grouping({"active_psychosis": "needs_review"}, version="clinic-b-1")
    assert decide(clear_screen(pregnancy=True)).outcome is EligibilityOutcome.NEEDS_REVIEW
    assert (
        decide(clear_screen(pregnancy=True), grouping=stricter).outcome
        is EligibilityOutcome.NOT_ELIGIBLE
    )
    assert (
        decide(clear_screen(active_psychosis=True), grouping=laxer).outcome
        is EligibilityOutcome.NEEDS_REVIEW
    )
