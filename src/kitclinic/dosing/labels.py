"""What staff read for a finding's code (``Finding.code``: ``weight_change_above_soft_max``): the
codes stay stable for logs, override records and counts; every screen and message that names a
finding shows :func:`finding_label` instead. Kept next to the codes, in the core that makes them."""

from __future__ import annotations

# The quantity a limit finding is about (``<quantity>_<verdict>``), in the order the longest
# prefix is tried first.
QUANTITY_LABELS: dict[str, str] = {
    "weight_change": "Weight change",
    "weekly_dose": "7-day cumulative dose",
    "dose_mg": "Total dose",
    "dose": "Dose",
    "duration": "Duration",
    "rate": "Rate",
    "weight": "Weight",
    "interval": "Time since the last session",
}
VERDICT_LABELS: dict[str, str] = {
    "above_hard_max": "above the hard upper limit",
    "below_hard_min": "below the hard lower limit",
    "above_soft_max": "above the soft upper limit",
    "below_soft_min": "below the soft lower limit",
    "within_limits": "within limits",
}
# Findings that are not a quantity against its limits.
OTHER_LABELS: dict[str, str] = {
    "concentration_standard": "Standard concentration",
    "concentration_not_standard": "Concentration not one of the protocol's standard ones",
    "interval_no_previous": "No previous session: interval not checked",
    "weekly_dose_not_checked": "No 7-day dose history: weekly dose not checked",
    "weight_change_no_previous": "No earlier weight to compare with",
    "volume_ordered_given": "More volume than ordered",
    "discharge_observation_short": "Observation after the infusion shorter than the minimum",
    "discharge_aldrete_not_met": "Modified Aldrete below the discharge criterion",
    "remainder_not_wasted": "Remainder not yet wasted",
    "fixed_dose_allowed": "One of the protocol's fixed doses",
    "fixed_dose_not_allowed": "Dose not one of the protocol's fixed doses",
    "first_dose_ok": "Starting dose of the course",
    "first_dose_not_starting_dose": "First session of the course not at the starting dose",
    "predose_bp_within": "Blood pressure before dosing not above the limit",
    "predose_bp_above": "Blood pressure before dosing above the limit",
    "discharge_post_dose_bp_missing": "No blood pressure taken after dosing",
}
GATE_PREFIX = "gate_"  # a check-in vital sign outside the protocol's start criteria
# The vital-sign alerts of the shipped library (``VitalThreshold.code``).
THRESHOLD_LABELS: dict[str, str] = {
    "sbp_pause": "systolic blood pressure at the pause limit",
    "dbp_pause": "diastolic blood pressure at the pause limit",
    "hr_pause": "heart rate at the pause limit",
    "sbp_treatment_emergent_hypertension": "treatment-emergent high systolic blood pressure",
    "dbp_treatment_emergent_hypertension": "treatment-emergent high diastolic blood pressure",
    "sbp_low": "low systolic blood pressure",
    "hr_low": "low heart rate",
    "rr_low": "low breathing rate",
    "rr_high": "high breathing rate",
    "spo2_low": "low oxygen saturation",
    "sbp_rise": "systolic blood pressure rise over the baseline",
    "dbp_rise": "diastolic blood pressure rise over the baseline",
}
# The vital a clinic's own alert code starts with (``sbp_very_high``).
VITAL_WORDS: dict[str, str] = {
    "sbp": "systolic blood pressure",
    "dbp": "diastolic blood pressure",
    "hr": "heart rate",
    "rr": "breathing rate",
    "spo2": "oxygen saturation",
}


def _words(code: str) -> str:
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def threshold_label(code: str) -> str:
    """The plain label of a vital-sign alert code: ``sbp_pause`` -> ``systolic blood pressure at
    the pause limit``; a clinic's own code reads as its words, the vital named in full."""
    if code in THRESHOLD_LABELS:
        return THRESHOLD_LABELS[code]
    vital, _, rest = code.partition("_")
    if vital in VITAL_WORDS:
        return " ".join(w for w in (VITAL_WORDS[vital], rest.replace("_", " ").strip()) if w)
    return code.replace("_", " ").strip()


def finding_label(code: str) -> str:
    """The plain label of a finding code: ``weight_change_above_soft_max`` -> ``Weight change
    above the soft upper limit``; a code this module does not know reads as its words."""
    if code in OTHER_LABELS:
        return OTHER_LABELS[code]
    if code.startswith(GATE_PREFIX):
        alert = threshold_label(code.removeprefix(GATE_PREFIX))
        return f"Check-in vital sign outside the start criteria: {alert}"
    for quantity, label in QUANTITY_LABELS.items():
        verdict = code.removeprefix(f"{quantity}_")
        if verdict != code and verdict in VERDICT_LABELS:
            return f"{label} {VERDICT_LABELS[verdict]}"
    return _words(code)
