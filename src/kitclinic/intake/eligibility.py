"""The eligibility decision proposed to the prescriber after intake.

Sources: [kitclinic-workflow] (the screen is reviewed by the prescriber before the next step; the
contraindication screen's default grouping), [trd-definition] (TRD definition [P]); the qualifying
diagnoses per indication are the versioned ICD-10-CM code lists of ``kitclinic.intake.diagnoses``.
The result is a proposal with its reasons; the app has the prescriber sign it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from kitclinic.intake.contraindications import (
    CATALOGUE,
    CATALOGUE_BY_CODE,
    ContraindicationGroup,
    ContraindicationGrouping,
)
from kitclinic.intake.staging import (
    TRD_MIN_ADEQUATE_FAILED_TRIALS,
    count_adequate_failed_trials,
)
from kitclinic.intake.trials import Trial

if TYPE_CHECKING:  # diagnoses imports Indication from here
    from kitclinic.intake.diagnoses import CodeList, DiagnosisCode

__all__ = [
    "EligibilityDecision",
    "EligibilityOutcome",
    "EligibilityRule",
    "Indication",
    "Reason",
    "decide_eligibility",
]


class Indication(StrEnum):
    """Indications kitclinic treats ([kitclinic-workflow]). Values are stored."""

    DEPRESSION = "depression"
    PTSD = "ptsd"
    ANXIETY = "anxiety"
    CHRONIC_PAIN = "chronic_pain"

    @property
    def label(self) -> str:
        return {
            Indication.DEPRESSION: "Depression",
            Indication.PTSD: "PTSD",
            Indication.ANXIETY: "Anxiety",
            Indication.CHRONIC_PAIN: "Chronic pain",
        }[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


class EligibilityOutcome(StrEnum):
    """Proposed outcome, ordered from least to most restrictive. Values are stored."""

    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    NOT_ELIGIBLE = "not_eligible"

    @property
    def label(self) -> str:
        return {
            EligibilityOutcome.ELIGIBLE: "Eligible",
            EligibilityOutcome.NEEDS_REVIEW: "Needs physician review",
            EligibilityOutcome.NOT_ELIGIBLE: "Not eligible",
        }[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


class EligibilityRule(StrEnum):
    """Which rule produced a reason."""

    CONTRAINDICATION = "contraindication"
    TRD_DEFINITION = "trd_definition"
    DIAGNOSIS = "diagnosis"
    NO_FINDING = "no_finding"


_SEVERITY: Final[dict[EligibilityOutcome, int]] = {
    EligibilityOutcome.ELIGIBLE: 0,
    EligibilityOutcome.NEEDS_REVIEW: 1,
    EligibilityOutcome.NOT_ELIGIBLE: 2,
}


@dataclass(frozen=True)
class Reason:
    """One finding behind a decision: a stable ``code`` (a contraindication code, or
    ``trd_definition_not_met`` / ``qualifying_diagnosis`` / ``no_qualifying_diagnosis`` /
    ``eligible``), text for the prescriber, the rule that produced it, and the outcome this
    finding alone leads to."""

    code: str
    text: str
    rule: EligibilityRule
    outcome: EligibilityOutcome


@dataclass(frozen=True)
class EligibilityDecision:
    """The proposal. ``reasons`` lists every finding, most restrictive first; ``outcome`` is the
    most restrictive of them. ``adequate_failed_trials`` is the count used for the TRD rule
    (None when the indication is not depression). ``code_list_version`` is the version of the
    indication's ICD-10-CM code list used, ``qualifying_code`` the diagnosis on file that
    qualified (None when none did)."""

    outcome: EligibilityOutcome
    reasons: tuple[Reason, ...]
    contraindication_list_version: str
    indication: Indication
    adequate_failed_trials: int | None
    code_list_version: int
    qualifying_code: str | None


def _validated_screen(screen: Mapping[str, bool]) -> dict[str, bool]:
    unknown = sorted(code for code in screen if code not in CATALOGUE_BY_CODE)
    if unknown:
        raise ValueError(f"screen has unknown contraindication code(s): {', '.join(unknown)}")
    # None is "not asked": the app requires every item answered yes or no.
    missing = [item.code for item in CATALOGUE if not isinstance(screen.get(item.code), bool)]
    if missing:
        raise ValueError(f"screen is incomplete; unanswered item(s): {', '.join(missing)}")
    return dict(screen)


def decide_eligibility(
    *,
    indication: Indication | str,
    screen: Mapping[str, bool],
    grouping: ContraindicationGrouping,
    trials: Iterable[Trial],
    diagnoses: Iterable[DiagnosisCode | str],
    code_list: CodeList,
) -> EligibilityDecision:
    """Propose eligible / needs_review / not_eligible, with every reason.

    Rules ([trd-definition], [kitclinic-workflow]; qualifying diagnoses:
    ``kitclinic.intake.diagnoses``):

    1. ``screen`` must answer every catalogue item True (present) or False; otherwise ValueError
       naming the unanswered items. Unknown codes also raise ValueError.
    2. A present item grouped ``not_eligible`` in ``grouping`` → not_eligible.
    3. A present item grouped ``needs_review`` → needs_review.
    4. Indication depression and fewer than 2 adequate failed antidepressant trials in the
       current episode (TRD definition [P], see ``count_adequate_failed_trials``) → needs_review.
    5. No diagnosis on file falls under the indication's ``code_list`` (ICD-10-CM hierarchy)
       → not_eligible ("no qualifying diagnosis"); a diagnosis for another indication does not
       qualify. When one qualifies, a reason names it, the list entry and the list version.
    6. Otherwise eligible, with a reason saying why.

    ``diagnoses`` are the patient's diagnoses (``DiagnosisCode`` or code strings), primary
    first: the first qualifying one is reported. A malformed code raises ValueError naming it;
    a ``code_list`` of another indication raises ValueError.

    All findings are reported; the outcome is the most restrictive, so not_eligible wins over
    needs_review. ``grouping.version`` and ``code_list.version`` are recorded on the decision.
    """
    from kitclinic.intake.diagnoses import CodeList, DiagnosisCode

    try:
        indication = Indication(indication)
    except ValueError:
        allowed = ", ".join(i.value for i in Indication)
        raise ValueError(f"unknown indication {indication!r}; allowed: {allowed}") from None
    if not isinstance(code_list, CodeList):
        raise ValueError(f"code_list must be a CodeList, got {code_list!r}")
    if code_list.indication is not indication:
        raise ValueError(
            f"the code list given is for {code_list.indication.value}, not {indication.value}"
        )
    if isinstance(diagnoses, str):
        raise ValueError("diagnoses must be a list of codes, not one string")
    on_file = tuple(d if isinstance(d, DiagnosisCode) else DiagnosisCode(d) for d in diagnoses)
    answers = _validated_screen(screen)
    trials = tuple(trials)

    reasons: list[Reason] = []
    for item in CATALOGUE:
        if not answers[item.code]:
            continue
        group = grouping.group_of(item.code)
        outcome = (
            EligibilityOutcome.NOT_ELIGIBLE
            if group is ContraindicationGroup.NOT_ELIGIBLE
            else EligibilityOutcome.NEEDS_REVIEW
        )
        reasons.append(
            Reason(
                code=item.code,
                text=f"{item.label} ({group.label.lower()} in list {grouping.version})",
                rule=EligibilityRule.CONTRAINDICATION,
                outcome=outcome,
            )
        )

    failed: int | None = None
    if indication is Indication.DEPRESSION:
        failed = count_adequate_failed_trials(trials)
        if failed < TRD_MIN_ADEQUATE_FAILED_TRIALS:
            reasons.append(
                Reason(
                    code="trd_definition_not_met",
                    text=(
                        f"TRD definition not met: {failed} adequate failed antidepressant "
                        f"trial(s) in the current episode, {TRD_MIN_ADEQUATE_FAILED_TRIALS} "
                        "required"
                    ),
                    rule=EligibilityRule.TRD_DEFINITION,
                    outcome=EligibilityOutcome.NEEDS_REVIEW,
                )
            )

    qualifying = code_list.qualifying(on_file)
    list_name = f"list v{code_list.version}"
    if qualifying is None:
        held = ", ".join(d.code for d in on_file) or "none"
        reasons.append(
            Reason(
                code="no_qualifying_diagnosis",
                text=(
                    f"no qualifying diagnosis for {indication.label} under {list_name} "
                    f"(qualifying: {code_list.codes_text}; on file: {held})"
                ),
                rule=EligibilityRule.DIAGNOSIS,
                outcome=EligibilityOutcome.NOT_ELIGIBLE,
            )
        )
    else:
        diagnosis, entry = qualifying
        reasons.append(
            Reason(
                code="qualifying_diagnosis",
                text=(
                    f"{diagnosis.text} qualifies for {indication.label} under {list_name} "
                    f"({entry.text})"
                ),
                rule=EligibilityRule.DIAGNOSIS,
                outcome=EligibilityOutcome.ELIGIBLE,
            )
        )

    # Nothing restrictive found (which implies a qualifying diagnosis): say why it is eligible.
    if qualifying is not None and all(r.outcome is EligibilityOutcome.ELIGIBLE for r in reasons):
        why = ["no contraindication present"]
        if failed is not None:
            why.append(f"TRD definition met: {failed} adequate failed trials")
        why.append(f"qualifying diagnosis {qualifying[0].code} on file")
        reasons.insert(
            0,
            Reason(
                code="eligible",
                text="; ".join(why),
                rule=EligibilityRule.NO_FINDING,
                outcome=EligibilityOutcome.ELIGIBLE,
            ),
        )

    # Stable sort: most restrictive first, catalogue order within a level.
    ordered = tuple(sorted(reasons, key=lambda r: -_SEVERITY[r.outcome]))
    return EligibilityDecision(
        outcome=ordered[0].outcome,
        reasons=ordered,
        contraindication_list_version=grouping.version,
        indication=indication,
        adequate_failed_trials=failed,
        code_list_version=code_list.version,
        qualifying_code=None if qualifying is None else qualifying[0].code,
    )
