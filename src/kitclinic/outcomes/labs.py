"""Inflammatory-marker analytes: LOINC codes ([loinc] in docs/sources.md).

LOINC gives the code of each lab but **no UCUM unit** for any of them. The unit each analyte
must be entered in is a clinic setting (the clinic's own, set on its settings page, else
``KITCLINIC_LAB_UNITS``), whose default is the conventional reporting unit (CRP and hs-CRP ``mg/L``, IL-6 and TNF-α ``pg/mL``; config/settings.py). The
default is not from a published source ([kitclinic-settings]) and is labelled on the entry form as
"clinic setting, not from a published source: confirm with your laboratory". An analyte the clinic leaves without a unit cannot be
entered: the form says so on the unit field rather than store a value whose unit nobody fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from kitclinic.accounts.selectors import clinic_settings


class Analyte(models.TextChoices):
    CRP = "crp", "CRP"
    HS_CRP = "hs_crp", "hs-CRP"
    IL6 = "il6", "IL-6"
    TNF_ALPHA = "tnf_alpha", "TNF-α"


@dataclass(frozen=True)
class AnalyteCode:
    analyte: Analyte
    loinc_code: str
    description: str
    source: str


# Serum/plasma codes, each checked at the laboratory catalogues named in its source.
ANALYTE_CODES: dict[str, AnalyteCode] = {
    a.analyte.value: a
    for a in (
        AnalyteCode(Analyte.CRP, "1988-5", "CRP, serum/plasma", "[loinc] (checked at Mayo)"),
        AnalyteCode(
            Analyte.HS_CRP,
            "30522-7",
            "hs-CRP, serum/plasma (whole-blood point of care is 71426-1, not used here)",
            "[loinc] (checked at Mayo and others)",
        ),
        AnalyteCode(
            Analyte.IL6,
            "26881-3",
            "IL-6, serum/plasma (108730-3 is an order-only trial term, not used)",
            "[loinc] (checked at Northwell, LabCorp)",
        ),
        AnalyteCode(
            Analyte.TNF_ALPHA,
            "3074-2",
            "TNF-α, serum/plasma (99103-4 is units/volume, not used)",
            "[loinc] (checked at Mayo, ARUP)",
        ),
    )
}

UNIT_MISSING_FROM_REFERENCE = (
    "LOINC gives no UCUM unit for this analyte and the clinic has turned its "
    "default off; a clinic admin sets it on the clinic's settings page from the laboratory's "
    "report."
)


def unit_rows(clinic_id: int) -> list[tuple[AnalyteCode, str | None]]:
    """Each analyte's code with the unit clinic ``clinic_id`` fixed for it (None: entry off)."""
    units = clinic_settings(clinic_id).lab_units
    return [(code, (units.get(key) or "").strip() or None) for key, code in ANALYTE_CODES.items()]


def configured_unit(analyte: str, *, clinic_id: int | None) -> str | None:
    """The UCUM unit clinic ``clinic_id`` fixed for ``analyte`` (its settings, else
    ``KITCLINIC_LAB_UNITS``), or None."""
    unit = (clinic_settings(clinic_id).lab_units.get(analyte) or "").strip()
    return unit or None
