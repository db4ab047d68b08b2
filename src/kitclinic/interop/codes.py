"""The code systems and codes the FHIR export and import share (docs/fhir.md lists each).

Plain values, no Django: the export mapping and the import both read these, so a code is named
in one place. Sources: [loinc], [icd-10-cm], [rxnorm], [fhir-r4] (docs/sources.md). The rating
scales' own LOINC codes live with each scale (``kitclinic.instruments``), the lab analytes' with
``kitclinic.outcomes.labs``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kitclinic.instruments.registry import INSTRUMENTS

# -- code systems ---------------------------------------------------------------------------
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"  # Encounter.class, Consent.policyRule
PROVENANCE_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
SIGNATURE_TYPE = "urn:iso-astm:E1762-95:2013"
ADMINISTRATIVE_GENDER = "http://hl7.org/fhir/administrative-gender"

# kitclinic's own code systems, for what has no published code (scales without a LOINC code,
# a prior trial's outcome and adequacy, the information sheet of a consent).
LOCAL_BASE = "urn:kitclinic:fhir"
LOCAL_INSTRUMENT = f"{LOCAL_BASE}:instrument"
LOCAL_QUESTIONNAIRE = f"{LOCAL_BASE}:questionnaire"
LOCAL_TRIAL_OUTCOME = f"{LOCAL_BASE}:trial-outcome"
LOCAL_TREATMENT_CLASS = f"{LOCAL_BASE}:treatment-class"
LOCAL_ADVERSE_EVENT = f"{LOCAL_BASE}:adverse-event"
LOCAL_SYNTHETIC_TAG = f"{LOCAL_BASE}:tag"
LOCAL_EXTENSION = f"{LOCAL_BASE}:extension"
ORGANIZATION_BASE = f"{LOCAL_BASE}:organization:"

SYNTHETIC_TAG_CODE = "synthetic"


def mrn_system(organization_slug: str) -> str:
    """The identifier system of an organization's medical record numbers."""
    return f"{ORGANIZATION_BASE}{organization_slug}:mrn"


def is_mrn_system(system: object) -> bool:
    """Is ``system`` the MRN system of some kitclinic organization (``mrn_system``)?"""
    text = str(system or "")
    slug = text.removeprefix(ORGANIZATION_BASE).removesuffix(":mrn")
    return text == mrn_system(slug) and slug != ""


def local_id_system(organization_slug: str, kind: str) -> str:
    """The identifier system of an organization's own record ids of one kind (``session``...)."""
    return f"{ORGANIZATION_BASE}{organization_slug}:{kind}"


# -- LOINC: vital signs and consent category ([loinc]) ----------------------------------------
@dataclass(frozen=True)
class Coded:
    code: str
    display: str
    unit: str = ""  # UCUM code ("" when the concept has no unit of its own)


VITALS_PANEL = Coded("85353-1", "Vital signs, weight, height, head circumference, oximetry panel")
BLOOD_PRESSURE_PANEL = Coded("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC_BP = Coded("8480-6", "Systolic blood pressure", "mm[Hg]")
DIASTOLIC_BP = Coded("8462-4", "Diastolic blood pressure", "mm[Hg]")
HEART_RATE = Coded("8867-4", "Heart rate", "/min")
RESPIRATORY_RATE = Coded("9279-1", "Respiratory rate", "/min")
# US Core requires both codings on an oxygen saturation.
SPO2_CODES = (
    Coded("2708-6", "Oxygen saturation in Arterial blood", "%"),
    Coded("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
)
BODY_TEMPERATURE = Coded("8310-5", "Body temperature", "Cel")
BODY_WEIGHT = Coded("29463-7", "Body weight", "kg")
BODY_HEIGHT = Coded("8302-2", "Body height", "cm")
CONSENT_CATEGORY = Coded("59284-0", "Patient Consent")

UCUM_SCORE = "{score}"

# -- medication and route ([rxnorm], [fhir-r4]) -----------------------------------------------
# The RxNorm ingredient code of ketamine is to be confirmed before release ([rxnorm]).
KETAMINE_RXNORM = Coded("6130", "ketamine")
ROUTE_IV = Coded("47625008", "Intravenous route")


# -- what an import reads ([loinc], [fhir-r4]) -------------------------------------------------
ISO_11073 = "urn:iso:std:iso:11073:10101"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"  # MR: medical record number
US_CORE_BIRTH_SEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
BODY_MASS_INDEX = Coded("39156-5", "Body mass index", "kg/m2")

# Code systems a required code may come in: a code of another system is refused as unknown; a
# code of one of these that kitclinic does not keep (a SNOMED CT problem, say) is skipped.
KNOWN_SYSTEMS = frozenset({LOINC, ICD10CM, SNOMED, RXNORM, UCUM, ISO_11073, LOCAL_INSTRUMENT})


def _rating_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for inst in INSTRUMENTS.values():
        if inst.loinc and inst.loinc.panel:
            codes[inst.loinc.panel] = f"{inst.name} panel"
        if inst.loinc and inst.loinc.total:
            codes[inst.loinc.total] = f"{inst.name} total score"
        for item in (*inst.items, *inst.unscored_items):
            if item.loinc:
                codes[item.loinc] = f"{inst.name} item {item.number}"
    return codes


# The LOINC codes an imported Observation may carry (besides the laboratory analytes of
# outcomes.labs): the vital signs above and the rating scales' panels, totals and items.
IMPORTED_OBSERVATION_CODES: dict[str, str] = {
    **{
        v.code: v.display
        for v in (
            BLOOD_PRESSURE_PANEL,
            SYSTOLIC_BP,
            DIASTOLIC_BP,
            HEART_RATE,
            RESPIRATORY_RATE,
            *SPO2_CODES,
            BODY_TEMPERATURE,
            BODY_WEIGHT,
            BODY_HEIGHT,
            BODY_MASS_INDEX,
        )
    },
    **_rating_codes(),
}
