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
}
GATE_PREFIX = "gate_"  # a check-in vital sign outside the protocol's start criteria


def _words(code: str) -> str:
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def finding_label(code: str) -> str:
    """The plain label of a finding code: ``weight_change_above_soft_max`` -> ``Weight change
    above the soft upper limit``; a code this module does not know reads as its words."""
    if code in OTHER_LABELS:
        return OTHER_LABELS[code]
    if code.startswith(GATE_PREFIX):
        vital = _words(code.removeprefix(GATE_PREFIX)).lower()
        return f"Check-in vital sign outside the start criteria ({vital})"
    for quantity, label in QUANTITY_LABELS.items():
        verdict = code.removeprefix(f"{quantity}_")
        if verdict != code and verdict in VERDICT_LABELS:
            return f"{label} {VERDICT_LABELS[verdict]}"
    return _words(code)
