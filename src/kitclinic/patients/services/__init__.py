"""Writes to patient data. Each service checks the rules, writes, and audits in one transaction;
bad input raises ValidationError naming the field and writes nothing. One module per part of the
record: ``registration`` (demographics, duplicates), ``history`` (episode, diagnoses, trials,
screen), ``allergies`` (the allergy list), ``eligibility`` (decisions, code lists)."""

from kitclinic.patients.services.allergies import (
    ALLERGY_FIELDS,
    allergy_add,
    allergy_status_change,
)
from kitclinic.patients.services.eligibility import (
    ALLOWED_SIGNED_OUTCOMES,
    CODE_LIST_REASON_MAX,
    eligibility_decide,
    indication_code_list_publish,
)
from kitclinic.patients.services.history import (
    TRIAL_FIELDS,
    diagnosis_add,
    episode_update,
    screen_record,
    trial_add,
)
from kitclinic.patients.services.registration import (
    DEMOGRAPHIC_FIELDS,
    IDENTITY_KEY_FIELDS,
    Demographics,
    LikelyDuplicateError,
    patient_register,
    patient_update_demographics,
)

__all__ = [
    "ALLERGY_FIELDS",
    "allergy_add",
    "allergy_status_change",
    "ALLOWED_SIGNED_OUTCOMES",
    "CODE_LIST_REASON_MAX",
    "DEMOGRAPHIC_FIELDS",
    "Demographics",
    "IDENTITY_KEY_FIELDS",
    "LikelyDuplicateError",
    "TRIAL_FIELDS",
    "diagnosis_add",
    "eligibility_decide",
    "episode_update",
    "indication_code_list_publish",
    "patient_register",
    "patient_update_demographics",
    "screen_record",
    "trial_add",
]
