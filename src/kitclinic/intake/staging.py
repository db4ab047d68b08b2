"""TRD staging from the trial history: Maudsley Staging Method and Thase–Rush stages.

Sources: [trd-definition] (TRD definition), [maudsley-staging] and [thase-rush-staging] (staging).
Every function takes the whole trial history and decides itself which rows count, so the app
never pre-filters and two screens can never disagree about which trials were used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

from kitclinic.intake.trials import EpisodeSeverity, TreatmentClass, Trial, TrialOutcome

__all__ = [
    "ANTIDEPRESSANT_CLASSES",
    "FAILED_OUTCOMES",
    "MSM_DIMENSIONS",
    "NOT_STAGED_LABEL",
    "TRD_MIN_ADEQUATE_FAILED_TRIALS",
    "MsmBand",
    "MsmResult",
    "ThaseRushResult",
    "count_adequate_failed_trials",
    "maudsley_stage",
    "thase_rush_stage",
    "trd_definition_met",
]

# Classes that count as "antidepressants" for the TRD definition ([trd-definition]), the MSM
# "failed antidepressants" dimension ([maudsley-staging]) and the Thase–Rush drug stages
# ([thase-rush-staging]). Augmentation and ECT are separate MSM dimensions; TMS, psychotherapy,
# esketamine and "other" are not antidepressant medication trials in either staging model (both
# predate esketamine), so they are left out.
ANTIDEPRESSANT_CLASSES: Final[frozenset[TreatmentClass]] = frozenset(
    {
        TreatmentClass.SSRI,
        TreatmentClass.SNRI,
        TreatmentClass.TCA,
        TreatmentClass.MAOI,
        TreatmentClass.OTHER_ANTIDEPRESSANT,
    }
)

# "Non-response" ([trd-definition]): a partial response falls short of response, so it is a failed
# trial. Intolerance is not an adequate trial (the drug was stopped before dose and duration were
# reached) and an ongoing trial has no outcome yet; neither counts, whatever ``adequate`` says.
FAILED_OUTCOMES: Final[frozenset[TrialOutcome]] = frozenset(
    {TrialOutcome.NO_RESPONSE, TrialOutcome.PARTIAL_RESPONSE}
)

# [trd-definition]: "Non-response to ≥2 antidepressants of adequate dose and duration in the current
# episode" (https://pmc.ncbi.nlm.nih.gov/articles/PMC11193313 [P]).
TRD_MIN_ADEQUATE_FAILED_TRIALS: Final[int] = 2

MsmBand = Literal["mild", "moderate", "severe"]

# Dimension keys of MsmResult.points, in the order of the [maudsley-staging] table.
MSM_DIMENSIONS: Final[tuple[str, ...]] = (
    "duration",
    "severity",
    "failed_antidepressants",
    "augmentation",
    "ect",
)
MSM_DIMENSION_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "duration": "duration",
        "severity": "severity",
        "failed_antidepressants": "failed antidepressants",
        "augmentation": "augmentation",
        "ect": "ECT",
    }
)


def _is_adequate_failure(trial: Trial) -> bool:
    return trial.adequate and trial.outcome in FAILED_OUTCOMES and trial.current_episode


def count_adequate_failed_trials(trials: Iterable[Trial]) -> int:
    """Number of adequate antidepressant trials in the current episode that did not respond.

    A trial counts when all hold:

    - ``current_episode`` is True ([trd-definition]: "in the current episode");
    - ``adequate`` is True ([trd-definition]: "of adequate dose and duration", a clinician judgement);
    - its class is in ``ANTIDEPRESSANT_CLASSES`` (SSRI, SNRI, TCA, MAOI, other antidepressant);
    - its outcome is ``no_response`` or ``partial_response`` (``FAILED_OUTCOMES``).

    Intolerance never counts: a drug stopped for side effects was not an adequate trial. Ongoing
    trials have no outcome yet. Each row counts once, so two failed SSRIs are two failed trials.

    Source: [trd-definition] [P].
    """
    return sum(
        1
        for trial in trials
        if trial.treatment_class in ANTIDEPRESSANT_CLASSES and _is_adequate_failure(trial)
    )


def trd_definition_met(trials: Iterable[Trial]) -> bool:
    """True when ≥2 adequate antidepressant trials failed in the current episode.

    Source: [trd-definition] [P]; counting rules as in
    ``count_adequate_failed_trials``.
    """
    return count_adequate_failed_trials(trials) >= TRD_MIN_ADEQUATE_FAILED_TRIALS


# ---------------------------------------------------------------------------------------------
# Maudsley Staging Method ([maudsley-staging] [P]: https://pmc.ncbi.nlm.nih.gov/articles/PMC5896127
# ; https://bmcpsychiatry.biomedcentral.com/articles/10.1186/s12888-018-1679-x/tables/3)
# ---------------------------------------------------------------------------------------------

_SEVERITY_POINTS: Final[Mapping[EpisodeSeverity, int]] = MappingProxyType(
    {
        EpisodeSeverity.SUBSYNDROMAL: 1,
        EpisodeSeverity.MILD: 2,
        EpisodeSeverity.MODERATE: 3,
        EpisodeSeverity.SEVERE_WITHOUT_PSYCHOSIS: 4,
        EpisodeSeverity.SEVERE_WITH_PSYCHOSIS: 5,
    }
)

_AUGMENTATION_CLASSES: Final[frozenset[TreatmentClass]] = frozenset({TreatmentClass.AUGMENTATION})
_ECT_CLASSES: Final[frozenset[TreatmentClass]] = frozenset(
    {TreatmentClass.ECT_BILATERAL, TreatmentClass.ECT_UNILATERAL}
)


def _msm_duration_points(months: int) -> int:
    # [maudsley-staging]: ≤12 months (acute) 1 · 13–24 months (sub-acute) 2 · >24 months (chronic)
    # 3.
    if months <= 12:
        return 1
    if months <= 24:
        return 2
    return 3


def _msm_failed_points(failed: int) -> int:
    # [maudsley-staging]: 1–2 → 1 · 3–4 → 2 · 5–6 → 3 · 7–10 → 4 · >10 → 5 (0 failed: not
    # applicable).
    if failed <= 2:
        return 1
    if failed <= 4:
        return 2
    if failed <= 6:
        return 3
    if failed <= 10:
        return 4
    return 5


def _msm_band(score: int) -> MsmBand:
    # [maudsley-staging]: mild 3–6, moderate 7–10, severe 11–15.
    if score <= 6:
        return "mild"
    if score <= 10:
        return "moderate"
    return "severe"


@dataclass(frozen=True)
class MsmResult:
    """Maudsley Staging Method result.

    ``applicable`` is False when no adequate antidepressant trial failed (not TRD,
    [maudsley-staging]); then ``score`` and ``band`` are None and ``points`` is empty. When
    applicable but an input is absent, ``missing`` names it (``"episode_duration_months"``,
    ``"severity"``), ``score`` and ``band`` are None, and ``points`` holds the dimensions that could
    be scored. ``points`` keys are those of ``MSM_DIMENSIONS``. ``score`` is 3–15 whenever it is not
    None.
    """

    applicable: bool
    score: int | None
    band: MsmBand | None
    points: Mapping[str, int] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    reason: str = ""
    failed_antidepressants: int = 0


def maudsley_stage(
    *,
    episode_duration_months: int | None,
    severity: EpisodeSeverity | None,
    trials: Iterable[Trial],
) -> MsmResult:
    """Maudsley Staging Method score (3–15) and band for the current episode.

    Dimensions ([maudsley-staging] [P]):

    - duration of the current episode, whole months: ≤12 → 1, 13–24 → 2, >24 → 3;
    - severity at baseline: subsyndromal 1 … severe with psychosis 5;
    - failed antidepressants, counted by ``count_adequate_failed_trials``:
      1–2 → 1, 3–4 → 2, 5–6 → 3, 7–10 → 4, >10 → 5;
    - augmentation used in the current episode (any ``augmentation`` row, whatever its outcome
      or adequacy: the table asks whether it was used): 0/1;
    - ECT used in the current episode (bilateral or unilateral, same reading): 0/1.

    Bands: mild 3–6, moderate 7–10, severe 11–15. With 0 failed trials the patient is not TRD and
    the result is "not applicable" rather than a score ([maudsley-staging]).

    Raises ValueError for a negative duration.
    """
    trials = tuple(trials)
    if episode_duration_months is not None:
        if isinstance(episode_duration_months, bool) or not isinstance(
            episode_duration_months, int
        ):
            raise ValueError(
                f"episode_duration_months must be a whole number of months, "
                f"got {episode_duration_months!r}"
            )
        if episode_duration_months < 0:
            raise ValueError(f"episode_duration_months must be >= 0, got {episode_duration_months}")
    if severity is not None:
        severity = EpisodeSeverity(severity)

    failed = count_adequate_failed_trials(trials)
    if failed == 0:
        return MsmResult(
            applicable=False,
            score=None,
            band=None,
            points=MappingProxyType({}),
            missing=(),
            reason=(
                "not applicable: no adequate antidepressant trial failed in the current "
                "episode, so the patient is not treatment-resistant"
            ),
            failed_antidepressants=0,
        )

    current = [t for t in trials if t.current_episode]
    points: dict[str, int] = {}
    missing: list[str] = []
    if episode_duration_months is None:
        missing.append("episode_duration_months")
    else:
        points["duration"] = _msm_duration_points(episode_duration_months)
    if severity is None:
        missing.append("severity")
    else:
        points["severity"] = _SEVERITY_POINTS[severity]
    points["failed_antidepressants"] = _msm_failed_points(failed)
    points["augmentation"] = int(any(t.treatment_class in _AUGMENTATION_CLASSES for t in current))
    points["ect"] = int(any(t.treatment_class in _ECT_CLASSES for t in current))
    frozen_points = MappingProxyType(points)

    if missing:
        return MsmResult(
            applicable=True,
            score=None,
            band=None,
            points=frozen_points,
            missing=tuple(missing),
            reason="cannot score: missing " + ", ".join(missing),
            failed_antidepressants=failed,
        )

    score = sum(points.values())
    band = _msm_band(score)
    detail = ", ".join(f"{MSM_DIMENSION_LABELS[name]} {points[name]}" for name in MSM_DIMENSIONS)
    return MsmResult(
        applicable=True,
        score=score,
        band=band,
        points=frozen_points,
        missing=(),
        reason=f"MSM {score} ({band}): {detail}; {failed} adequate failed antidepressant trials",
        failed_antidepressants=failed,
    )


# ---------------------------------------------------------------------------------------------
# Thase–Rush stages ([thase-rush-staging] [S]:
# https://medicalalgorithms.com/treatment-resistant-depression-strategies)
# ---------------------------------------------------------------------------------------------

_ROMAN: Final[tuple[str, ...]] = ("0", "I", "II", "III", "IV", "V")
NOT_STAGED_LABEL: Final[str] = "not staged"


@dataclass(frozen=True)
class ThaseRushResult:
    """Thase–Rush stage. ``stage`` is 0–5, or None ("not staged") when the history holds no
    adequate, completed antidepressant trial in the current episode to stage from.
    ``label`` is "0", "I" … "V", or "not staged"."""

    stage: int | None
    label: str
    reason: str
    failed_classes: frozenset[TreatmentClass] = frozenset()


def _stage_ii(failed: frozenset[TreatmentClass]) -> bool:
    # Stage II: failed adequate trials in two different classes.
    return len(failed) >= 2


def _stage_iii(failed: frozenset[TreatmentClass]) -> bool:
    # Stage III: Stage II *plus* a failed TCA, so Stage II must hold without the TCA.
    return TreatmentClass.TCA in failed and _stage_ii(failed - {TreatmentClass.TCA})


def _stage_iv(failed: frozenset[TreatmentClass]) -> bool:
    # Stage IV: Stage III *plus* a failed MAOI, so Stage III must hold without the MAOI.
    return TreatmentClass.MAOI in failed and _stage_iii(failed - {TreatmentClass.MAOI})


def thase_rush_stage(trials: Iterable[Trial]) -> ThaseRushResult:
    """Thase–Rush stage of the current episode ([thase-rush-staging] [S]).

    Interpretation, so that two readers of the table always get the same stage:

    - Only adequate trials in the current episode count; "failed" means ``no_response`` or
      ``partial_response`` (as in ``count_adequate_failed_trials``). Intolerance and ongoing
      trials are ignored.
    - A "major class" is one of SSRI, SNRI, TCA, MAOI, other antidepressant. "Other
      antidepressant" is one class: two failures there (e.g. bupropion, then mirtazapine) are
      not "a different class", because the stored class cannot tell them apart and overstating
      resistance is the worse error. TCA and MAOI are classes like any other for Stages I–II.
    - Each stage needs a trial *beyond* the previous stage: Stage III = two different classes
      other than the TCA, plus a failed TCA; Stage IV = Stage III reached without the MAOI, plus
      a failed MAOI; Stage V = Stage IV plus a failed adequate course of *bilateral* ECT
      (unilateral ECT does not count). So SSRI + TCA is Stage II, SSRI + SNRI + TCA is Stage III.
    - Augmentation, unilateral ECT, TMS, esketamine, psychotherapy and other are ignored (the
      model ignores augmentation; the others are not in the model).
    - Stage 0 (not resistant): no failed trial and at least one adequate antidepressant or
      bilateral ECT trial with ``response``. A response does not lower the stage reached by
      failures. With no adequate completed trial at all the stage is None, "not staged":
      the table has no row for it and inventing one would misstate the history.
    """
    current = [t for t in trials if t.current_episode and t.adequate]
    failed = frozenset(
        t.treatment_class
        for t in current
        if t.treatment_class in ANTIDEPRESSANT_CLASSES and t.outcome in FAILED_OUTCOMES
    )
    failed_bilateral_ect = any(
        t.treatment_class is TreatmentClass.ECT_BILATERAL and t.outcome in FAILED_OUTCOMES
        for t in current
    )
    failed_names = ", ".join(sorted(c.label for c in failed))

    if not failed:
        responded = any(
            t.outcome is TrialOutcome.RESPONSE
            and (
                t.treatment_class in ANTIDEPRESSANT_CLASSES
                or t.treatment_class is TreatmentClass.ECT_BILATERAL
            )
            for t in current
        )
        if responded:
            return ThaseRushResult(
                stage=0,
                label=_ROMAN[0],
                reason="not resistant: responded to an adequate trial in the current episode",
                failed_classes=failed,
            )
        return ThaseRushResult(
            stage=None,
            label=NOT_STAGED_LABEL,
            reason=(
                "not staged: no adequate antidepressant trial with a known outcome in the "
                "current episode"
            ),
            failed_classes=failed,
        )

    if _stage_iv(failed) and failed_bilateral_ect:
        stage, why = 5, "Stage IV plus failed bilateral ECT"
    elif _stage_iv(failed):
        stage, why = 4, "Stage III plus failed MAOI"
    elif _stage_iii(failed):
        stage, why = 3, "Stage II plus failed TCA"
    elif _stage_ii(failed):
        stage, why = 2, "failed adequate trials of two different classes"
    else:
        stage, why = 1, "failed adequate trial(s) of one class"
    return ThaseRushResult(
        stage=stage,
        label=_ROMAN[stage],
        reason=f"Stage {_ROMAN[stage]}: {why} (failed classes: {failed_names})",
        failed_classes=failed,
    )
