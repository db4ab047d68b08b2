"""Intake: treatment-trial history, TRD staging, contraindication screen, qualifying diagnoses
(ICD-10-CM code lists per indication) and eligibility.

Pure Python (no Django import) so it can be tested exhaustively and called from any app.
Sources (docs/sources.md): [kitclinic-workflow], [trd-definition], [maudsley-staging],
[thase-rush-staging], [cohen-2018].
"""

from kitclinic.intake.contraindications import (
    CATALOGUE,
    CATALOGUE_BY_CODE,
    DEFAULT_CONTRAINDICATION_LIST_VERSION,
    DEFAULT_GROUPING,
    ContraindicationGroup,
    ContraindicationGrouping,
    ContraindicationItem,
    build_grouping,
)
from kitclinic.intake.diagnoses import (
    DEFAULT_CODE_LIST_VERSION,
    DEFAULT_CODE_LISTS,
    CodeList,
    CodeListEntry,
    DiagnosisCode,
    build_code_list,
    normalize_icd10cm,
)
from kitclinic.intake.eligibility import (
    EligibilityDecision,
    EligibilityOutcome,
    EligibilityRule,
    Indication,
    Reason,
    decide_eligibility,
)
from kitclinic.intake.staging import (
    ANTIDEPRESSANT_CLASSES,
    FAILED_OUTCOMES,
    MSM_DIMENSIONS,
    NOT_STAGED_LABEL,
    TRD_MIN_ADEQUATE_FAILED_TRIALS,
    MsmBand,
    MsmResult,
    ThaseRushResult,
    count_adequate_failed_trials,
    maudsley_stage,
    thase_rush_stage,
    trd_definition_met,
)
from kitclinic.intake.trials import (
    ADEQUATE_TRIAL_MIN_WEEKS_DEFAULT,
    EpisodeSeverity,
    TreatmentClass,
    Trial,
    TrialOutcome,
    is_adequate_duration,
)

__all__ = [
    "ADEQUATE_TRIAL_MIN_WEEKS_DEFAULT",
    "ANTIDEPRESSANT_CLASSES",
    "CATALOGUE",
    "CATALOGUE_BY_CODE",
    "DEFAULT_CODE_LISTS",
    "DEFAULT_CODE_LIST_VERSION",
    "DEFAULT_CONTRAINDICATION_LIST_VERSION",
    "DEFAULT_GROUPING",
    "FAILED_OUTCOMES",
    "MSM_DIMENSIONS",
    "NOT_STAGED_LABEL",
    "TRD_MIN_ADEQUATE_FAILED_TRIALS",
    "CodeList",
    "CodeListEntry",
    "ContraindicationGroup",
    "ContraindicationGrouping",
    "ContraindicationItem",
    "DiagnosisCode",
    "EligibilityDecision",
    "EligibilityOutcome",
    "EligibilityRule",
    "EpisodeSeverity",
    "Indication",
    "MsmBand",
    "MsmResult",
    "Reason",
    "ThaseRushResult",
    "TreatmentClass",
    "Trial",
    "TrialOutcome",
    "build_code_list",
    "build_grouping",
    "count_adequate_failed_trials",
    "decide_eligibility",
    "is_adequate_duration",
    "maudsley_stage",
    "normalize_icd10cm",
    "thase_rush_stage",
    "trd_definition_met",
]
