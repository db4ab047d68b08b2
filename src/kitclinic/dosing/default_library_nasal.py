"""The default library's esketamine nasal-spray protocol, as data (the stored dict form): every
figure the label gives is cited to it; what it leaves to the prescriber is a clinic setting
marked not verified (docs/esketamine.md). Part of ``default_library.DEFAULT_LIBRARY_DATA``."""

from __future__ import annotations

from typing import Any

from .library.figures import ref, setting

# Esketamine nasal spray (Spravato): every figure the label gives is cited to it; what it leaves
# to the prescriber (the pre-dose pressure figure, hours between sessions, the recheck interval)
# is a clinic setting marked not verified (docs/esketamine.md).
SPRAVATO = "[spravato-label]"
SPRAVATO_DEVICE = (
    "Spravato prescribing information: one device holds 28 mg (two sprays, one per nostril), "
    "56 mg = 2 devices, 84 mg = 3 devices, 5 min rest after each device; spravatohcp.com "
    "dosing-and-administration [P]; NDC 50458-028, 28 mg/0.2 mL [P]"
)
SPRAVATO_SCHEDULE = (
    "Spravato prescribing information, TRD: induction weeks 1–4 twice a week (day 1 56 mg, "
    "then 56 or 84 mg), weeks 5–8 once a week, week 9 on every 2 weeks or weekly; "
    "spravatohcp.com trd/dosing-and-administration [P]"
)
SPRAVATO_MONITORING = (
    "Spravato prescribing information: BP before dosing and about 40 min after, then as "
    "clinically warranted; pulse oximetry; at least 2 h observation until safe to leave; "
    "spravatohcp.com dosing-spravato-trd [P]"
)
NOT_VERIFIED = "not verified in the label text found"

RULES = "[kitclinic-dose-rules]"


def esketamine_nasal(
    *, weight_limits_kg: Any, weight_change: Any, vitals_thresholds: Any
) -> dict[str, Any]:
    """The protocol, sharing the library's weight limits and vital-sign thresholds."""
    return {
        "id": "esketamine-nasal",
        "name": "Esketamine nasal spray (Spravato), 56 or 84 mg",
        "indication": "depression",
        "is_default": False,
        "treatment_kind": "esketamine_nasal",
        "dosing_mode": "fixed_mg",
        "default_dose": ref("56", SPRAVATO, SPRAVATO_DEVICE, "day 1 starting dose"),
        "default_duration_min": setting(
            "10",
            "the label gives no administration time; 3 devices with 5 min rest between them take "
            "about 10 min",
            SPRAVATO,
        ),
        "dose_limits": {
            "hard_min": ref("56", SPRAVATO, SPRAVATO_DEVICE, "the lowest labelled TRD dose"),
            "hard_max": ref("84", SPRAVATO, SPRAVATO_DEVICE, "the highest labelled dose"),
        },
        "duration_limits_min": {
            "hard_max": setting(
                "30",
                "the label gives no administration time; 30 min is three times the usual 10",
                SPRAVATO,
            ),
        },
        "rate_limits_mg_per_kg_per_h": None,
        "dose_limits_mg": {
            "hard_max": ref("84", SPRAVATO, SPRAVATO_DEVICE, "the highest labelled dose"),
        },
        "concentrations_mg_per_ml": [],
        "weight_limits_kg": weight_limits_kg,
        "weight_change_max_fraction": weight_change,
        "interval_limits_h": {
            "hard_min": setting(
                "20",
                "a second dose the same day is treated as a duplicate order (the label doses at "
                "most twice a week)",
                f"{RULES} L8; {SPRAVATO}",
            ),
            "soft_min": setting(
                "48",
                f"the label gives a frequency (twice a week in induction), not hours; {NOT_VERIFIED}",
                SPRAVATO,
            ),
        },
        "weekly_limits_mg_per_kg": {},
        "course": {
            "infusions": ref("8", SPRAVATO, SPRAVATO_SCHEDULE, "twice a week for weeks 1–4"),
            "window_days": ref("28", SPRAVATO, SPRAVATO_SCHEDULE, "weeks 1–4"),
            "max_per_week": ref("2", SPRAVATO, SPRAVATO_SCHEDULE, "twice a week in induction"),
        },
        "vitals_schedule": {
            "during_every_min": ref("40", SPRAVATO, SPRAVATO_MONITORING, "BP about 40 min after"),
            "after_every_min": setting(
                "30",
                f"the label says 'as clinically warranted' after the 40-min reading; {NOT_VERIFIED}",
                SPRAVATO,
            ),
        },
        "vitals_thresholds": vitals_thresholds,
        "notes": (
            "Self-administered by the patient under supervision in a REMS-certified setting; given "
            "with an oral antidepressant ([spravato-label])."
        ),
        "min_observation_min": ref("120", SPRAVATO, SPRAVATO_MONITORING, "at least 2 h"),
        "nasal": {
            "fixed_doses_mg": [
                ref("56", SPRAVATO, SPRAVATO_DEVICE, "2 devices"),
                ref("84", SPRAVATO, SPRAVATO_DEVICE, "3 devices, only after a first dose of 56 mg"),
            ],
            "first_dose_mg": ref("56", SPRAVATO, SPRAVATO_SCHEDULE, "day 1 starting dose"),
            "mg_per_device": ref("28", SPRAVATO, SPRAVATO_DEVICE, "two sprays per device"),
            "device_interval_min": ref("5", SPRAVATO, SPRAVATO_DEVICE, "5 min after each device"),
            "predose_sbp_mmhg": setting(
                "140",
                "the label asks to weigh the risk when the pressure before dosing is elevated; the "
                f"figure (e.g. >140/90 mmHg) is {NOT_VERIFIED}",
                SPRAVATO,
            ),
            "predose_dbp_mmhg": setting(
                "90",
                "the label asks to weigh the risk when the pressure before dosing is elevated; the "
                f"figure (e.g. >140/90 mmHg) is {NOT_VERIFIED}",
                SPRAVATO,
            ),
            "post_dose_bp_at_min": ref("40", SPRAVATO, SPRAVATO_MONITORING, "about 40 min after"),
        },
    }
