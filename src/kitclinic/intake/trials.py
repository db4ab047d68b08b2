"""Treatment-trial history: the enums the database stores and the trial record staging reads.

Sources: [kitclinic-workflow] (intake: trial rows; stages are computed from these rows, never
typed in), [trd-definition], [adequate-trial-summary] and [maudsley-staging].
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "ADEQUATE_TRIAL_MIN_WEEKS_DEFAULT",
    "EpisodeSeverity",
    "Trial",
    "TreatmentClass",
    "TrialOutcome",
    "is_adequate_duration",
]


class TreatmentClass(StrEnum):
    """Class of one treatment trial. Values are stored in the database; never rename them."""

    SSRI = "ssri"
    SNRI = "snri"
    TCA = "tca"
    MAOI = "maoi"
    OTHER_ANTIDEPRESSANT = "other_antidepressant"
    AUGMENTATION = "augmentation"
    ECT_BILATERAL = "ect_bilateral"
    ECT_UNILATERAL = "ect_unilateral"
    TMS = "tms"
    ESKETAMINE = "esketamine"
    PSYCHOTHERAPY = "psychotherapy"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _TREATMENT_CLASS_LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs in declaration order, ready for a Django ``choices=``."""
        return [(member.value, member.label) for member in cls]


_TREATMENT_CLASS_LABELS: Final[dict[TreatmentClass, str]] = {
    TreatmentClass.SSRI: "SSRI (selective serotonin reuptake inhibitor)",
    TreatmentClass.SNRI: "SNRI (serotonin-noradrenaline reuptake inhibitor)",
    TreatmentClass.TCA: "Tricyclic antidepressant (TCA)",
    TreatmentClass.MAOI: "Monoamine oxidase inhibitor (MAOI)",
    TreatmentClass.OTHER_ANTIDEPRESSANT: (
        "Other antidepressant (e.g. bupropion, mirtazapine, vortioxetine)"
    ),
    TreatmentClass.AUGMENTATION: "Augmentation (e.g. antipsychotic, lithium, thyroid hormone)",
    TreatmentClass.ECT_BILATERAL: "ECT, bilateral",
    TreatmentClass.ECT_UNILATERAL: "ECT, unilateral",
    TreatmentClass.TMS: "Transcranial magnetic stimulation (TMS)",
    TreatmentClass.ESKETAMINE: "Esketamine",
    TreatmentClass.PSYCHOTHERAPY: "Psychotherapy",
    TreatmentClass.OTHER: "Other",
}


class TrialOutcome(StrEnum):
    """Outcome of one trial as judged by the clinician. Values are stored; never rename them."""

    RESPONSE = "response"
    PARTIAL_RESPONSE = "partial_response"
    NO_RESPONSE = "no_response"
    INTOLERANCE = "intolerance"
    ONGOING = "ongoing"

    @property
    def label(self) -> str:
        return _TRIAL_OUTCOME_LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


_TRIAL_OUTCOME_LABELS: Final[dict[TrialOutcome, str]] = {
    TrialOutcome.RESPONSE: "Response",
    TrialOutcome.PARTIAL_RESPONSE: "Partial response",
    TrialOutcome.NO_RESPONSE: "No response",
    TrialOutcome.INTOLERANCE: "Stopped for intolerance",
    TrialOutcome.ONGOING: "Ongoing",
}


class EpisodeSeverity(StrEnum):
    """Severity of the current episode at baseline, in the Maudsley Staging Method's terms
    ([maudsley-staging])."""

    SUBSYNDROMAL = "subsyndromal"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE_WITHOUT_PSYCHOSIS = "severe_without_psychosis"
    SEVERE_WITH_PSYCHOSIS = "severe_with_psychosis"

    @property
    def label(self) -> str:
        return _EPISODE_SEVERITY_LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


_EPISODE_SEVERITY_LABELS: Final[dict[EpisodeSeverity, str]] = {
    EpisodeSeverity.SUBSYNDROMAL: "Subsyndromal",
    EpisodeSeverity.MILD: "Mild",
    EpisodeSeverity.MODERATE: "Moderate",
    EpisodeSeverity.SEVERE_WITHOUT_PSYCHOSIS: "Severe without psychosis",
    EpisodeSeverity.SEVERE_WITH_PSYCHOSIS: "Severe with psychosis",
}


@dataclass(frozen=True)
class Trial:
    """One row of the treatment-trial history, reduced to what staging needs.

    Drug, dose and duration stay in the app's table. ``adequate`` is the clinician's judgement
    (dose and duration both adequate); ``is_adequate_duration`` only helps with the duration half.
    ``current_episode`` is True when the trial was given in the current depressive episode.

    Plain strings equal to an enum value are accepted and converted, so rows read from the
    database can be passed straight in; anything else raises ValueError.
    """

    treatment_class: TreatmentClass
    adequate: bool
    outcome: TrialOutcome
    current_episode: bool

    def __post_init__(self) -> None:
        # Frozen dataclass: conversion has to bypass __setattr__.
        object.__setattr__(self, "treatment_class", TreatmentClass(self.treatment_class))
        object.__setattr__(self, "outcome", TrialOutcome(self.outcome))
        for name in ("adequate", "current_episode"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"Trial.{name} must be True or False, got {getattr(self, name)!r}")


# Default of the clinic setting "minimum weeks for an adequate trial". The only source gives "4–6
# weeks at a therapeutic dose" ([adequate-trial-summary], droracle.ai [S, low authority]); the
# default is the lower end of that range. The app stores the clinic's own value and passes it as
# ``minimum_weeks``; clinical governance confirms the default.
ADEQUATE_TRIAL_MIN_WEEKS_DEFAULT: Final[float] = 4


def is_adequate_duration(
    weeks: float, *, minimum_weeks: float = ADEQUATE_TRIAL_MIN_WEEKS_DEFAULT
) -> bool:
    """True when a trial lasted at least ``minimum_weeks`` weeks (at a therapeutic dose).

    Units: weeks. Source: [adequate-trial-summary], "4–6 weeks at a therapeutic dose", a setting
    ([kitclinic-settings]). This checks duration only; whether the dose was therapeutic, and so
    whether the trial was adequate, remains the clinician's judgement stored on the trial.

    Raises ValueError for a negative or non-finite duration, or a minimum that is not positive.
    """
    if not _is_finite(weeks) or weeks < 0:
        raise ValueError(f"weeks must be a finite number >= 0, got {weeks!r}")
    if not _is_finite(minimum_weeks) or minimum_weeks <= 0:
        raise ValueError(f"minimum_weeks must be a finite number > 0, got {minimum_weeks!r}")
    return weeks >= minimum_weeks


def _is_finite(value: float) -> bool:
    # NaN compares unequal to itself; infinities are beyond any float.
    return value == value and abs(value) != float("inf")
