"""The default drug library shipped with kitclinic, as data (the stored dict form).

Every figure names its source by key in docs/sources.md (with a short citation) or is a clinic
setting with the reason ([kitclinic-settings]). Nothing here is a constant of the code: a clinic
copies this dict into a new library version and its governance (prescriber, nurse, pharmacist; Q1)
confirms or changes each value. ``default_library()`` validates it through the same loader a stored
version goes through.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from .default_library_nasal import esketamine_nasal
from .library.figures import ref, setting
from .library.model import DrugLibrary
from .library.parse import library_from_dict

LIBRARY_VERSION = "kitclinic-default-2026-12-07"


SINGH_MURROUGH = (
    "Singh 2016, Am J Psychiatry, doi 10.1176/appi.ajp.2016.16010037; "
    "Murrough 2013, https://pmc.ncbi.nlm.nih.gov/articles/PMC3725185 [P]"
)
ANDRADE = "Andrade, J Clin Psychiatry (ketamine for depression: dosing, administration) [P]"
ASKP3 = "ASKP3 starting dose 0.5–1 mg/kg over 40–60 min, paswfl.com 2018 [S]"
PENNSYLVANIA = "Pennsylvania 'low dose' definition: infusion ≤1 mg/kg/h, info.5y1.org [S]"
COHEN = "Cohen et al., Reg Anesth Pain Med 2018;43(5):521–546, guidelinecentral summary [P]"
CHEO = "CHEO hospital manual, https://outreach.cheo.on.ca/manual/1619 [P]"
RIVA_POSSE = "Riva-Posse 2018, J Affect Disord, PMID 29525051 [P]"
SANACORA_UNVERIFIED = "UNVERIFIED (attributed to Sanacora 2017, not confirmed in its text)"
RULES = "[kitclinic-dose-rules]"
SANACORA_KEYS = "[sanacora-2017]; [kitclinic-settings]"
ED_PROTOCOL_C = "one institution's ED low-dose protocol [C], html.scirp.org/file/_3-1750111_1.htm"


NO_HARD_WEIGHT_FIGURE = (
    "W3 requires hard weight limits but no published figure exists; adult outpatient default"
)

WEIGHT_LIMITS_KG = {
    "hard_min": setting("30", NO_HARD_WEIGHT_FIGURE, f"{RULES} W3"),
    "hard_max": setting("250", NO_HARD_WEIGHT_FIGURE, f"{RULES} W3"),
}

WEIGHT_CHANGE = ref(
    "0.15",
    f"[weight-documentation]; {RULES} W3",
    "https://patientsafetyj.com/index.php/patientsaf/article/view/accurate-weight-documentation [P]",
    "alert when weight differs >15% from the last value",
)

CONCENTRATIONS = [
    ref("1", "[cheo-dilution]", CHEO, "1 mg/mL is a common standard concentration"),
    setting(
        "10",
        "not in the sources (they name only 1 mg/mL and the 100 mg/mL vial, which must be "
        "diluted); a second standard concentration chosen by the clinic",
        "[cheo-dilution]",
    ),
]

VITALS_SCHEDULE = {
    "during_every_min": ref("10", "[riva-posse-2018]", RIVA_POSSE, "BP every 10 min"),
    "after_every_min": ref("15", "[riva-posse-2018]", RIVA_POSSE, "every 15 min after"),
}


def _threshold(
    code: str, vital: str, direction: str, limit: dict[str, Any], action: str, relative: bool
) -> dict[str, Any]:
    return {
        "code": code,
        "vital": vital,
        "direction": direction,
        "limit": limit,
        "relative_to_baseline": relative,
        "action": action,
    }


VITALS_THRESHOLDS = [
    _threshold(
        "sbp_pause", "sbp_mmhg", "at_or_above",
        setting("180", f"pause/stop ~180/100 mmHg is {SANACORA_UNVERIFIED}", SANACORA_KEYS),
        "pause", False,
    ),
    _threshold(
        "dbp_pause", "dbp_mmhg", "at_or_above",
        setting("100", f"pause/stop ~180/100 mmHg is {SANACORA_UNVERIFIED}", SANACORA_KEYS),
        "pause", False,
    ),
    _threshold(
        "hr_pause", "hr_per_min", "above",
        setting("110", f"HR >110 /min is {SANACORA_UNVERIFIED}", SANACORA_KEYS),
        "pause", False,
    ),
    _threshold(
        "sbp_treatment_emergent_hypertension", "sbp_mmhg", "at_or_above",
        ref("165", "[rodrigues-crtce]", "Rodrigues cohort definition ≥165/100 mmHg [P]"),
        "flag", False,
    ),
    _threshold(
        "dbp_treatment_emergent_hypertension", "dbp_mmhg", "at_or_above",
        ref("100", "[rodrigues-crtce]", "Rodrigues cohort definition ≥165/100 mmHg [P]"),
        "flag", False,
    ),
    _threshold(
        "sbp_low", "sbp_mmhg", "below",
        setting("90", f"SBP <90 comes from {ED_PROTOCOL_C}", "[ed-low-dose-protocol]"),
        "alert", False,
    ),
    _threshold(
        "hr_low", "hr_per_min", "below",
        setting("50", f"HR <50 comes from {ED_PROTOCOL_C}", "[ed-low-dose-protocol]"),
        "alert", False,
    ),
    _threshold(
        "rr_low", "rr_per_min", "below",
        setting("10", f"RR <10 comes from {ED_PROTOCOL_C}", "[ed-low-dose-protocol]"),
        "alert", False,
    ),
    _threshold(
        "rr_high", "rr_per_min", "above",
        setting("30", f"RR >30 comes from {ED_PROTOCOL_C}", "[ed-low-dose-protocol]"),
        "alert", False,
    ),
    _threshold(
        "spo2_low", "spo2_pct", "at_or_below",
        setting(
            "92",
            "SpO2 alert during infusion is UNVERIFIED (no KIT-specific value); the discharge line "
            "(>92% on room air) is used as the anchor",
            "[kitclinic-settings]; [aldrete-discharge]",
        ),
        "alert", False,
    ),
    _threshold(
        "sbp_rise", "sbp_mmhg", "at_or_above",
        setting(
            "40",
            "no KIT change-from-baseline figure is published; the esketamine label's reported "
            "rise (≥40 systolic, spravatohcp.com [P]) is used as the default",
            "[spravato-dosing]",
        ),
        "alert", True,
    ),
    _threshold(
        "dbp_rise", "dbp_mmhg", "at_or_above",
        setting(
            "25",
            "no KIT change-from-baseline figure is published; the esketamine label's reported "
            "rise (≥25 diastolic, spravatohcp.com [P]) is used as the default",
            "[spravato-dosing]",
        ),
        "alert", True,
    ),
]  # fmt: skip

# ASA sets no mandatory minimum stay [P] ([asa-postanesthesia]); the figures given are one clinic's
# 30–60 min after a KIT infusion [C], an ED protocol's ≥60 min after the last dose [C] and the
# esketamine label's ≥2 h [P, another drug and route]. No KIT figure is [P], so the minimum is a
# clinic setting.
MIN_OBSERVATION = setting(
    "30",
    "no mandatory minimum is published (ASA: observe until no longer at risk, "
    "reliasmedia ASA summary [P]); typical KIT observation is 30–60 min after the infusion, "
    "thriveanesthesia.com [C]; the lower end is the default, governance may raise it (ED "
    "protocol ≥60 min [C]; esketamine label ≥2 h [P])",
    "[asa-postanesthesia]; [thrive-observation]",
)

NO_CAP_FIGURE = "L5 requires an absolute mg cap per dose but no published figure exists"

DEPRESSION_STANDARD: dict[str, Any] = {
    "id": "depression-standard",
    "name": "Depression (TRD), 0.5 mg/kg over 40 min",
    "indication": "depression",
    "is_default": True,
    "dosing_mode": "mg_per_kg_over_duration",
    "default_dose": ref("0.5", "[singh-2016]; [murrough-2013]", SINGH_MURROUGH),
    "default_duration_min": ref("40", "[singh-2016]; [murrough-2013]", SINGH_MURROUGH),
    "dose_limits": {
        # no hard lower dose: an under-dose is not a hazard, and the soft lower limit already
        # catches decimal slips (L2)
        "soft_min": ref(
            "0.1",
            f"{RULES} L2; [andrade-dosing]",
            f"illustrative default (decimal slips); {ANDRADE}",
        ),
        "soft_max": ref(
            "0.75", f"{RULES} L2; [andrade-dosing]", f"illustrative default; {ANDRADE}"
        ),
        "hard_max": ref(
            "1", f"{RULES} L2; [askp3-starting-dose]", f"illustrative default; {ASKP3}"
        ),
    },
    "duration_limits_min": {
        "hard_min": setting(
            "30",
            "no hard minimum duration is published; 30 min is where the standard 0.5 mg/kg "
            "reaches the 1 mg/kg/h hard rate limit",
            f"{RULES} L2",
        ),
        "soft_min": ref(
            "40",
            f"{RULES} L2; [singh-2016]; [murrough-2013]",
            f"illustrative 'minimum duration 40 min'; {SINGH_MURROUGH}",
            "soft, because sessions of 2–100 min are reported (Andrade)",
        ),
        "soft_max": ref("60", "[askp3-starting-dose]", ASKP3),
        "hard_max": setting(
            "100",
            "no maximum duration is published; 100 min is the longest session length "
            "reported (Andrade)",
            "[andrade-dosing]",
        ),
    },
    "rate_limits_mg_per_kg_per_h": {
        # no lower rate bounds: dose and duration limits already bound the rate from below
        "soft_max": setting(
            "0.75",
            "no soft rate limit is published; default is the standard regimen's own rate "
            "(0.5 mg/kg over 40 min = 0.75 mg/kg/h)",
            f"{RULES} worked example",
        ),
        "hard_max": ref(
            "1", f"{RULES} L2; [pennsylvania-low-dose]", f"illustrative default; {PENNSYLVANIA}"
        ),
    },
    "dose_limits_mg": {
        "hard_max": setting(
            "75",
            f"{NO_CAP_FIGURE}; 75 mg is 0.5 mg/kg at 150 kg, so the W4 error (154 'kg' for a "
            "70 kg patient, 77 mg) is a hard stop as W4 requires",
            f"{RULES} L5, W4",
        ),
    },
    "concentrations_mg_per_ml": CONCENTRATIONS,
    "weight_limits_kg": WEIGHT_LIMITS_KG,
    "weight_change_max_fraction": WEIGHT_CHANGE,
    "interval_limits_h": {
        "hard_min": setting(
            "20",
            "L8 only asks for a warning; a second infusion within the same day is "
            "treated as a duplicate order and blocked",
            f"{RULES} L8",
        ),
        "soft_min": setting(
            "40",
            "the sources give a frequency (3×/week in induction), not hours; 40 h allows "
            "alternate-day sessions at varying times of day",
            "[murrough-2013]",
        ),
    },
    "weekly_limits_mg_per_kg": {
        "soft_max": setting(
            "2.25",
            "L8 asks for a weekly cumulative check without a figure; 2.25 mg/kg is "
            "3 sessions a week (induction) at the 0.75 mg/kg soft upper dose (L2)",
            f"{RULES} L8; [murrough-2013]",
        ),
    },
    "course": {
        "infusions": ref(
            "6",
            "[murrough-2013]; [phillips-2019]",
            "Murrough 2013 Biol Psychiatry PMC3725185; Phillips 2019 PMID 30922101 [P]",
        ),
        "window_days": ref(
            "21",
            "[oliver-2022]",
            "'6 within 21 days', Oliver 2022 J Clin Psychiatry [P]",
        ),
        "max_per_week": ref("3", "[murrough-2013]", "3×/week, Murrough 2013 [P]"),
        "review_after_infusion": ref(
            "4",
            "[transl-psychiatry-2024]",
            "Transl Psychiatry 2024, doi 10.1038/s41398-024-03027-2 [P]",
            "review point after infusion 4, configurable product rule",
        ),
    },
    "vitals_schedule": VITALS_SCHEDULE,
    "vitals_thresholds": VITALS_THRESHOLDS,
    "notes": "IV racemic ketamine is off-label for depression ([kitclinic-workflow]).",
    "min_observation_min": MIN_OBSERVATION,
}

# Fields whose figures come from depression trials; for PTSD and anxiety the sources give no IV
# regimen, so each is carried over as a clinic setting (never silently as if it were sourced).
_REGIMEN_FIELDS = (
    "default_dose",
    "default_duration_min",
    "dose_limits",
    "duration_limits_min",
    "rate_limits_mg_per_kg_per_h",
    "dose_limits_mg",
    "interval_limits_h",
    "weekly_limits_mg_per_kg",
    "course",
)


def _as_setting(node: Any, reason: str) -> Any:
    """Turn every sourced value inside ``node`` into a clinic setting that names its origin."""
    if isinstance(node, dict) and "value" in node and "source" in node:
        origin = node["source"]
        derived = origin.get("section", "")
        if origin["kind"] == "clinic_setting":
            reason = f"{reason}; depression default was itself a clinic setting: {origin['reason']}"
        return setting(node["value"], reason, f"depression-standard ({derived})".strip())
    if isinstance(node, dict):
        return {key: _as_setting(value, reason) for key, value in node.items()}
    return node


def _carried_over(base: dict[str, Any], reason: str, **overrides: Any) -> dict[str, Any]:
    protocol = copy.deepcopy(base)
    for name in _REGIMEN_FIELDS:
        protocol[name] = _as_setting(protocol[name], reason)
    protocol.update(overrides)
    return protocol


PTSD_REASON = (
    "UNVERIFIED for PTSD: the sources give no IV dose, duration or limits for PTSD (they only "
    "mention a 0.5 mg/kg arm in Abdallah 2022, [abdallah-2022]); the depression value is carried "
    "over until governance sets it"
)
ANXIETY_REASON = (
    "UNVERIFIED for anxiety: the sources give no IV dose, duration or limits for anxiety "
    "(Taylor 2018 single IV infusion, dose not given, [taylor-2018]; Glue 2017 was "
    "subcutaneous, [glue-2017]); the depression value is carried over until governance sets it"
)

PTSD_STANDARD = _carried_over(
    DEPRESSION_STANDARD,
    PTSD_REASON,
    id="ptsd-standard",
    name="PTSD, depression regimen (clinic setting)",
    indication="ptsd",
)
PTSD_STANDARD["course"]["infusions"] = ref(
    "6", "[feder-2021]", "Feder 2021, Am J Psychiatry: 6 infusions over 2 weeks [P]"
)
PTSD_STANDARD["course"]["window_days"] = ref(
    "14", "[feder-2021]", "Feder 2021, Am J Psychiatry: 6 infusions over 2 weeks [P]"
)
PTSD_STANDARD["notes"] = (
    "Abdallah 2022 (8 infusions) found no significant PTSD benefit ([abdallah-2022])."
)

ANXIETY_STANDARD = _carried_over(
    DEPRESSION_STANDARD,
    ANXIETY_REASON,
    id="anxiety-standard",
    name="Anxiety, depression regimen (clinic setting)",
    indication="anxiety",
    notes="Evidence for anxiety is single-infusion or subcutaneous ([taylor-2018], [glue-2017]).",
)

CHRONIC_PAIN_COHEN: dict[str, Any] = {
    "id": "chronic-pain-cohen-2018",
    "name": "Chronic pain infusion (Cohen 2018 guideline), mg/kg/h",
    "indication": "chronic_pain",
    "is_default": True,
    "dosing_mode": "mg_per_kg_per_h",
    "default_dose": setting(
        "0.5",
        "Cohen 2018 gives a range (0.5–2 mg/kg/h), not a default; default at its lower end",
        "[cohen-2018]",
    ),
    "default_duration_min": setting(
        "240",
        "Cohen 2018 gives '>2 h' only; 4 h as in the CRPS daily regimen (medcentral.com [S])",
        "[cohen-2018]; [asra-crps-summary]",
    ),
    "dose_limits": {
        "soft_min": ref("0.5", "[cohen-2018]", COHEN, "lower end of 0.5–2 mg/kg/h"),
        "soft_max": ref(
            "1",
            "[pennsylvania-low-dose]",
            PENNSYLVANIA,
            "above it the infusion is no longer 'low dose' (RN scope, [az-nursing-ketamine])",
        ),
        "hard_max": ref(
            "2", "[cohen-2018]", COHEN, "upper end of 0.5–2 mg/kg/h, used as hard limit"
        ),
    },
    "duration_limits_min": {
        "soft_min": ref("120", "[cohen-2018]", COHEN, "total ≥80 mg over >2 h"),
        "soft_max": setting(
            "240",
            "Cohen 2018 gives no maximum; 4 h is the CRPS daily regimen ([S])",
            "[asra-crps-summary]",
        ),
        "hard_max": setting(
            "480",
            "no maximum is published; an outpatient day (multi-day infusions such as "
            "22 mg/h × 4 days are inpatient and outside this protocol)",
            "[asra-crps-summary]",
        ),
    },
    "rate_limits_mg_per_kg_per_h": None,
    "dose_limits_mg": {
        "soft_min": ref("80", "[cohen-2018]", COHEN, "total ≥80 mg over >2 h"),
        "hard_max": setting(
            "400",
            f"{NO_CAP_FIGURE}; 400 mg is the 1 mg/kg/h soft upper rate for 4 h at 100 kg",
            f"{RULES} L5",
        ),
    },
    "concentrations_mg_per_ml": CONCENTRATIONS,
    "weight_limits_kg": WEIGHT_LIMITS_KG,
    "weight_change_max_fraction": WEIGHT_CHANGE,
    "interval_limits_h": {
        "hard_min": setting(
            "12",
            "no interval for pain is published; a second infusion within 12 h is treated "
            "as a duplicate order",
            f"{RULES} L8",
        ),
        "soft_min": setting(
            "20",
            "no interval for chronic pain is published; daily regimens exist (CRPS)",
            f"[asra-crps-summary]; {RULES} L8",
        ),
    },
    "weekly_limits_mg_per_kg": {
        "soft_max": setting(
            "12",
            "no weekly limit for pain is published (L8 asks for a check); 3 sessions at "
            "the 1 mg/kg/h soft upper rate for 4 h",
            f"{RULES} L8",
        ),
    },
    # Cohen 2018 ([cohen-2018]) gives no course structure; none is invented
    "course": None,
    "vitals_schedule": VITALS_SCHEDULE,
    "vitals_thresholds": VITALS_THRESHOLDS,
    "notes": (
        "Bolus ≤0.35 mg/kg (Cohen 2018) is not part of this infusion protocol; no course "
        "template because the sources give none for chronic pain."
    ),
    "min_observation_min": MIN_OBSERVATION,
}

ESKETAMINE_NASAL = esketamine_nasal(
    weight_limits_kg=WEIGHT_LIMITS_KG,
    weight_change=WEIGHT_CHANGE,
    vitals_thresholds=VITALS_THRESHOLDS,
)

DEFAULT_LIBRARY_DATA: dict[str, Any] = {
    "schema_version": 1,
    "version": LIBRARY_VERSION,
    "drug": "ketamine (racemic) IV; esketamine nasal spray",
    "protocols": [
        DEPRESSION_STANDARD,
        PTSD_STANDARD,
        ANXIETY_STANDARD,
        CHRONIC_PAIN_COHEN,
        ESKETAMINE_NASAL,
    ],
}


@cache
def default_library() -> DrugLibrary:
    """The validated default library (built once; the dataclasses are immutable)."""
    return library_from_dict(DEFAULT_LIBRARY_DATA)
