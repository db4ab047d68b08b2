"""Eligibility decision ([trd-definition] TRD definition, [kitclinic-workflow] screen and default
grouping; qualifying diagnoses: the ICD-10-CM code lists of kitclinic.intake.diagnoses)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.intake import (
    CATALOGUE,
    DEFAULT_CODE_LISTS,
    DEFAULT_CONTRAINDICATION_LIST_VERSION,
    DEFAULT_GROUPING,
    CodeList,
    ContraindicationGrouping,
    DiagnosisCode,
    EligibilityDecision,
    EligibilityOutcome,
    EligibilityRule,
    TreatmentClass,
    Trial,
    TrialOutcome,
    build_code_list,
    build_grouping,
    decide_eligibility,
)

from .conftest import failed, failed_ssris
from .test_contraindications import REFERENCE_NEEDS_REVIEW, REFERENCE_NOT_ELIGIBLE

TRD = [failed(TreatmentClass.SSRI), failed(TreatmentClass.SNRI), failed(TreatmentClass.TCA)]
# One diagnosis that qualifies under each indication's default list (ICD-10-CM).
QUALIFYING = {
    "depression": "F33.2",
    "ptsd": "F43.12",
    "anxiety": "F41.1",
    "chronic_pain": "M79.7",
}


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
    diagnoses: list[str | DiagnosisCode] | None = None,
    code_list: CodeList | None = None,
) -> EligibilityDecision:
    return decide_eligibility(
        indication=indication,
        screen=clear_screen() if screen is None else screen,
        grouping=grouping,
        trials=trials,
        diagnoses=[QUALIFYING[indication]] if diagnoses is None else diagnoses,
        code_list=DEFAULT_CODE_LISTS[indication] if code_list is None else code_list,  # type: ignore[index]
    )


def findings(decision: EligibilityDecision) -> list[str]:
    """Reason codes other than the qualifying diagnosis, which every qualifying case reports."""
    return [r.code for r in decision.reasons if r.code != "qualifying_diagnosis"]


def test_clear_screen_with_trd_and_diagnosis_is_eligible_and_says_why() -> None:
    decision = decide()
    assert decision.outcome is EligibilityOutcome.ELIGIBLE
    summary, diagnosis = decision.reasons
    assert summary.rule is EligibilityRule.NO_FINDING
    assert "no contraindication present" in summary.text
    assert "TRD definition met: 3 adequate failed trials" in summary.text
    assert "qualifying diagnosis F33.2 on file" in summary.text
    assert (diagnosis.code, diagnosis.rule) == ("qualifying_diagnosis", EligibilityRule.DIAGNOSIS)
    assert decision.adequate_failed_trials == 3
    assert (decision.code_list_version, decision.qualifying_code) == (1, "F33.2")


@pytest.mark.parametrize("code", sorted(REFERENCE_NOT_ELIGIBLE))
def test_each_default_not_eligible_item_makes_the_patient_not_eligible(code: str) -> None:
    """[kitclinic-workflow] default grouping: not eligible."""
    decision = decide(clear_screen(**{code: True}))
    assert decision.outcome is EligibilityOutcome.NOT_ELIGIBLE
    assert findings(decision) == [code]
    assert decision.reasons[0].rule is EligibilityRule.CONTRAINDICATION


@pytest.mark.parametrize("code", sorted(REFERENCE_NEEDS_REVIEW))
def test_each_default_needs_review_item_sends_the_patient_to_review(code: str) -> None:
    """[kitclinic-workflow] default grouping: needs physician review."""
    decision = decide(clear_screen(**{code: True}))
    assert decision.outcome is EligibilityOutcome.NEEDS_REVIEW
    assert findings(decision) == [code]


def test_not_eligible_wins_and_every_finding_is_listed_most_restrictive_first() -> None:
    screen = clear_screen(pregnancy=True, active_psychosis=True)
    decision = decide(screen, trials=failed_ssris(1), diagnoses=[])
    assert decision.outcome is EligibilityOutcome.NOT_ELIGIBLE
    assert [r.code for r in decision.reasons] == [
        "active_psychosis", "no_qualifying_diagnosis", "pregnancy", "trd_definition_not_met",
    ]  # fmt: skip
    assert [r.outcome for r in decision.reasons] == [
        *[EligibilityOutcome.NOT_ELIGIBLE] * 2, *[EligibilityOutcome.NEEDS_REVIEW] * 2,
    ]  # fmt: skip


@pytest.mark.parametrize("n_failed", [0, 1])
def test_depression_below_the_trd_definition_needs_review(n_failed: int) -> None:
    """[trd-definition] [P]: TRD = non-response to ≥2 adequate antidepressant trials in the current
    episode."""
    decision = decide(trials=failed_ssris(n_failed))
    assert decision.outcome is EligibilityOutcome.NEEDS_REVIEW
    reason, diagnosis = decision.reasons
    assert diagnosis.code == "qualifying_diagnosis"
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


def test_no_diagnosis_on_file_is_not_eligible() -> None:
    decision = decide(diagnoses=[])
    assert decision.outcome is EligibilityOutcome.NOT_ELIGIBLE
    assert [(r.code, r.rule) for r in decision.reasons] == [
        ("no_qualifying_diagnosis", EligibilityRule.DIAGNOSIS)
    ]
    assert "on file: none" in decision.reasons[0].text
    assert decision.qualifying_code is None


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
        decide(
            indication="ocd",
            diagnoses=["F42.2"],
            code_list=DEFAULT_CODE_LISTS["depression"],  # type: ignore[index]
        )


def test_decision_records_the_contraindication_list_version() -> None:
    """[kitclinic-workflow]: every decision records which version of the list it used."""
    assert decide().contraindication_list_version == DEFAULT_CONTRAINDICATION_LIST_VERSION
    grouping = build_grouping({"pregnancy": "not_eligible"}, version="clinic-a-3")
    assert decide(grouping=grouping).contraindication_list_version == "clinic-a-3"


def test_clinic_override_moves_an_item_between_groups() -> None:
    """[kitclinic-workflow]: the clinic can move items between the groups."""
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


# --- qualifying diagnoses ------------------------------------------------------------------------

MDD_AND_GAD = [
    DiagnosisCode("F33.2", "Major depressive disorder, recurrent severe"),
    DiagnosisCode("F41.1", "Generalized anxiety disorder"),
]


@pytest.mark.parametrize("indication", ["ptsd", "chronic_pain"])
def test_depression_and_anxiety_codes_do_not_qualify_for_ptsd_or_chronic_pain(
    indication: str,
) -> None:
    """A patient with only F33.2 and F41.1 has no PTSD (F43.1) or chronic-pain code."""
    decision = decide(indication=indication, trials=[], diagnoses=MDD_AND_GAD)  # type: ignore[arg-type]
    assert decision.outcome is EligibilityOutcome.NOT_ELIGIBLE
    (reason,) = decision.reasons
    assert (reason.code, reason.rule) == ("no_qualifying_diagnosis", EligibilityRule.DIAGNOSIS)
    assert "under list v1" in reason.text
    assert "on file: F33.2, F41.1" in reason.text
    assert decision.qualifying_code is None
    assert decision.code_list_version == 1


def test_the_same_patient_qualifies_for_depression_and_anxiety() -> None:
    depression = decide(diagnoses=MDD_AND_GAD)  # type: ignore[arg-type]
    assert depression.outcome is EligibilityOutcome.ELIGIBLE
    assert depression.qualifying_code == "F33.2"
    anxiety = decide(indication="anxiety", trials=[], diagnoses=MDD_AND_GAD)  # type: ignore[arg-type]
    assert anxiety.outcome is EligibilityOutcome.ELIGIBLE
    assert anxiety.qualifying_code == "F41.1"


def test_the_reason_names_the_qualifying_code_its_description_and_the_list_version() -> None:
    decision = decide(
        indication="ptsd", trials=[], diagnoses=[DiagnosisCode("f4310", "PTSD, unspecified")]
    )
    reason = next(r for r in decision.reasons if r.code == "qualifying_diagnosis")
    assert reason.text.startswith("F43.10 (PTSD, unspecified) qualifies for PTSD under list v1 (")
    assert "F43.1 Post-traumatic stress disorder" in reason.text
    assert reason.outcome is EligibilityOutcome.ELIGIBLE
    assert decision.qualifying_code == "F43.10"


def test_a_qualifying_diagnosis_does_not_hide_other_findings() -> None:
    decision = decide(clear_screen(pregnancy=True), indication="anxiety", trials=[])
    assert decision.outcome is EligibilityOutcome.NEEDS_REVIEW
    assert [r.code for r in decision.reasons] == ["pregnancy", "qualifying_diagnosis"]


def test_a_clinic_list_decides_and_its_version_is_recorded() -> None:
    """A clinic that narrows PTSD to chronic PTSD (F43.12) only."""
    chronic_only = build_code_list(
        "ptsd", version=4, entries=[{"code": "F43.12", "source": "clinic policy 2026-12"}]
    )
    acute = decide(indication="ptsd", trials=[], diagnoses=["F43.11"], code_list=chronic_only)
    assert acute.outcome is EligibilityOutcome.NOT_ELIGIBLE
    assert "under list v4 (qualifying: F43.12" in acute.reasons[0].text
    chronic = decide(indication="ptsd", trials=[], diagnoses=["F43.12"], code_list=chronic_only)
    assert (chronic.outcome, chronic.code_list_version) == (EligibilityOutcome.ELIGIBLE, 4)


def test_the_first_qualifying_diagnosis_is_the_one_named() -> None:
    decision = decide(diagnoses=["F41.1", "F32.2", "F33.1"])
    assert decision.qualifying_code == "F32.2"


def test_a_code_list_of_another_indication_is_refused() -> None:
    with pytest.raises(ValueError, match="code list given is for depression, not ptsd"):
        decide(indication="ptsd", code_list=DEFAULT_CODE_LISTS["depression"])  # type: ignore[index]


def test_a_malformed_diagnosis_code_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="'F4.31' is not an ICD-10-CM code"):
        decide(diagnoses=["F33.2", "F4.31"])
    with pytest.raises(ValueError, match="not one string"):
        decide(diagnoses="F33.2")  # type: ignore[arg-type]


@given(
    st.sampled_from(["F43.10", "F43.11", "F43.12"]),
    st.lists(st.sampled_from(["F33.2", "F41.1", "F32.A", "G89.29", "M79.7"]), max_size=4),
)
def test_any_ptsd_code_qualifies_for_ptsd_whatever_else_is_on_file(
    ptsd: str, others: list[str]
) -> None:
    decision = decide(indication="ptsd", trials=[], diagnoses=[*others, ptsd])
    assert decision.outcome is EligibilityOutcome.ELIGIBLE
    assert decision.qualifying_code == ptsd


@given(st.lists(st.sampled_from(["F33.2", "F41.1", "F32.A", "F43.21", "G89.29", "M79.7"])))
def test_without_a_ptsd_code_ptsd_is_never_eligible(others: list[str]) -> None:
    decision = decide(indication="ptsd", trials=[], diagnoses=others)
    assert decision.outcome is EligibilityOutcome.NOT_ELIGIBLE
