"""Scored ratings, self-reports (QuestionnaireResponse), vital signs, body weight and
inflammatory markers as Observations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kitclinic.interop import codes as c
from kitclinic.interop.mapping.common import (
    fhir_coding,
    fhir_meta,
    fhir_quantity,
    instant,
    ref,
)


@dataclass(frozen=True)
class ScoreCode:
    """How a rating scale is coded: LOINC when it has a code, kitclinic's own otherwise."""

    system: str
    code: str
    display: str
    item_codes: tuple[str | None, ...] = ()  # LOINC item codes, in item order
    items_licensed: bool = False


def score_observation(
    *,
    id: str,
    patient_id: str,
    code: ScoreCode,
    total: Decimal | int,
    answers: Sequence[int | None],
    effective: dt.datetime,
    encounter_id: str | None = None,
    derived_from: str | None = None,
    synthetic: bool = False,
) -> Observation:
    """A scored rating: the total as the value; each answered item as a component when the
    scale's items have LOINC codes and its licence allows reproducing them; ``derived_from``
    names the QuestionnaireResponse of a self-report."""
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": id,
        **fhir_meta(synthetic),
        "status": "final",
        "category": [{"coding": [fhir_coding(c.OBSERVATION_CATEGORY, "survey")]}],
        "code": {
            "coding": [fhir_coding(code.system, code.code, code.display)],
            "text": code.display,
        },
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": instant(effective),
        "valueQuantity": fhir_quantity(total, c.UCUM_SCORE),
    }
    if encounter_id:
        data["encounter"] = ref("Encounter", encounter_id)
    if derived_from:
        data["derivedFrom"] = [ref("QuestionnaireResponse", derived_from)]
    if code.items_licensed and code.item_codes and all(code.item_codes):
        components = [
            {"code": {"coding": [fhir_coding(c.LOINC, item)]}, "valueInteger": answer}
            for item, answer in zip(code.item_codes, answers, strict=False)
            if item and answer is not None
        ]
        if components:
            data["component"] = components
    return Observation.model_validate(data)


def questionnaire_response(
    *,
    id: str,
    patient_id: str,
    instrument_id: str,
    item_codes: Sequence[str | None],
    answers: Sequence[int | None],
    authored: dt.datetime,
    synthetic: bool = False,
) -> QuestionnaireResponse:
    """A self-report as the patient gave it: one item per question, linkId ``/<LOINC item
    code>`` where the item has one (the HL7 convention), else the item's number; the answer as
    ``valueInteger``. Codes and numbers only: no item wording, whatever the licence."""
    items = []
    for number, answer in enumerate(answers, start=1):
        item_code = item_codes[number - 1] if number <= len(item_codes) else None
        item: dict[str, Any] = {"linkId": f"/{item_code}" if item_code else str(number)}
        if answer is not None:
            item["answer"] = [{"valueInteger": answer}]
        items.append(item)
    data: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": id,
        **fhir_meta(synthetic),
        "questionnaire": f"{c.LOCAL_QUESTIONNAIRE}:{instrument_id}",
        "status": "completed",
        "subject": ref("Patient", patient_id),
        "source": ref("Patient", patient_id),
        "authored": instant(authored),
    }
    if items:
        data["item"] = items
    return QuestionnaireResponse.model_validate(data)


def vital_observation(
    id: str,
    patient_id: str,
    encounter_id: str | None,
    effective: dt.datetime,
    coded: Sequence[c.Coded],
    synthetic: bool,
    **value: Any,
) -> Observation:
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": id,
        **fhir_meta(synthetic),
        "status": "final",
        "category": [{"coding": [fhir_coding(c.OBSERVATION_CATEGORY, "vital-signs")]}],
        "code": {"coding": [fhir_coding(c.LOINC, x.code, x.display) for x in coded]},
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": instant(effective),
        **value,
    }
    if encounter_id:
        data["encounter"] = ref("Encounter", encounter_id)
    return Observation.model_validate(data)


def vital_signs(
    *,
    id_prefix: str,
    patient_id: str,
    encounter_id: str | None,
    taken_at: dt.datetime,
    sbp: int,
    dbp: int,
    hr: int,
    rr: int,
    spo2: int,
    synthetic: bool = False,
) -> list[Observation]:
    """One set of vitals as four Observations: the blood-pressure panel (systolic and diastolic
    as components), heart rate, respiratory rate and oxygen saturation."""
    args = (patient_id, encounter_id, taken_at)
    bp_components = [
        {
            "code": {"coding": [fhir_coding(c.LOINC, x.code, x.display)]},
            "valueQuantity": fhir_quantity(v, x.unit),
        }
        for x, v in ((c.SYSTOLIC_BP, sbp), (c.DIASTOLIC_BP, dbp))
    ]
    return [
        vital_observation(
            f"{id_prefix}-bp", *args, [c.BLOOD_PRESSURE_PANEL], synthetic, component=bp_components
        ),
        vital_observation(
            f"{id_prefix}-hr",
            *args,
            [c.HEART_RATE],
            synthetic,
            valueQuantity=fhir_quantity(hr, c.HEART_RATE.unit),
        ),
        vital_observation(
            f"{id_prefix}-rr",
            *args,
            [c.RESPIRATORY_RATE],
            synthetic,
            valueQuantity=fhir_quantity(rr, c.RESPIRATORY_RATE.unit),
        ),
        vital_observation(
            f"{id_prefix}-spo2",
            *args,
            c.SPO2_CODES,
            synthetic,
            valueQuantity=fhir_quantity(spo2, c.SPO2_CODES[0].unit),
        ),
    ]


def body_weight(
    *,
    id: str,
    patient_id: str,
    encounter_id: str | None,
    measured_at: dt.datetime,
    weight_kg: Decimal,
    synthetic: bool = False,
) -> Observation:
    return vital_observation(
        id,
        patient_id,
        encounter_id,
        measured_at,
        [c.BODY_WEIGHT],
        synthetic,
        valueQuantity=fhir_quantity(weight_kg, c.BODY_WEIGHT.unit),
    )


def lab_observation(
    *,
    id: str,
    patient_id: str,
    loinc_code: str,
    display: str,
    value: Decimal,
    unit: str,
    collected_at: dt.datetime,
    synthetic: bool = False,
) -> Observation:
    """An inflammatory-marker result: LOINC code, the value in the UCUM unit it was entered in."""
    return Observation.model_validate(
        {
            "resourceType": "Observation",
            "id": id,
            **fhir_meta(synthetic),
            "status": "final",
            "category": [{"coding": [fhir_coding(c.OBSERVATION_CATEGORY, "laboratory")]}],
            "code": {"coding": [fhir_coding(c.LOINC, loinc_code, display)], "text": display},
            "subject": ref("Patient", patient_id),
            "effectiveDateTime": instant(collected_at),
            "valueQuantity": fhir_quantity(value, unit),
        }
    )
