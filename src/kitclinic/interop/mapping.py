"""kitclinic's records as FHIR R4 resources (the export mapping; docs/fhir.md has the table).

Pure: every function takes plain values (ids, codes, numbers, aware datetimes) and returns a
``fhir.resources.R4B`` resource, built with ``model_validate`` so that a resource that breaks the
FHIR schema fails here, at the export, not at the receiver. No Django: ``export.py`` reads the
records and calls these. References are relative (``Patient/p-12``); the export writes every
resource they name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.provenance import Provenance
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kitclinic.interop import codes as c

# FHIR administrative gender of each recorded sex at birth (intersex has no gender code of its
# own in R4: "other").
GENDER = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}

# Encounter.status of each infusion-session state.
ENCOUNTER_STATUS = {
    "scheduled": "planned",
    "checked_in": "arrived",
    "ordered": "arrived",
    "verified": "arrived",
    "running": "in-progress",
    "paused": "in-progress",
    "recovering": "in-progress",
    "discharged": "finished",
    "signed": "finished",
    "cancelled": "cancelled",
    "no_show": "cancelled",
}

# Trial classes that are not a medication: exported as Procedure, not MedicationStatement.
NON_DRUG_TREATMENTS = frozenset({"ect_bilateral", "ect_unilateral", "tms", "psychotherapy"})


def ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def instant(value: dt.datetime) -> str:
    """An aware datetime as a FHIR dateTime (seconds and zone required)."""
    if value.tzinfo is None:
        raise ValueError("FHIR dateTime needs a time zone")
    return value.isoformat(timespec="seconds")


def _meta(synthetic: bool) -> dict[str, Any]:
    if not synthetic:
        return {}
    tag = {"system": c.LOCAL_SYNTHETIC_TAG, "code": c.SYNTHETIC_TAG_CODE, "display": "synthetic"}
    return {"meta": {"tag": [tag]}}


def _coding(system: str, code: str, display: str = "") -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _quantity(value: Decimal | int | float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": c.UCUM, "code": unit}


def _ext(name: str, **value: Any) -> dict[str, Any]:
    return {"url": f"{c.LOCAL_EXTENSION}:{name}", **value}


def patient(
    *,
    id: str,
    mrn: str,
    mrn_system: str,
    family: str,
    given: str,
    birth_date: dt.date,
    sex_at_birth: str,
    phone: str = "",
    email: str = "",
    synthetic: bool = False,
) -> Patient:
    telecom = []
    if phone:
        telecom.append({"system": "phone", "value": phone})
    if email:
        telecom.append({"system": "email", "value": email})
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": id,
        **_meta(synthetic),
        "identifier": [{"use": "usual", "system": mrn_system, "value": mrn}],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": GENDER[sex_at_birth],
        "birthDate": birth_date.isoformat(),
    }
    if telecom:
        data["telecom"] = telecom
    return Patient.model_validate(data)


def practitioner(
    *, id: str, name: str, username: str, identifier_system: str, synthetic: bool = False
) -> Practitioner:
    """A member of staff named by a signature or a record (no more than the name and log-in)."""
    return Practitioner.model_validate(
        {
            "resourceType": "Practitioner",
            "id": id,
            **_meta(synthetic),
            "identifier": [{"system": identifier_system, "value": username}],
            "name": [{"text": name}],
        }
    )


def condition(
    *,
    id: str,
    patient_id: str,
    icd10_code: str,
    description: str,
    primary: bool,
    recorded_at: dt.datetime,
    synthetic: bool = False,
) -> Condition:
    category = "problem-list-item"
    return Condition.model_validate(
        {
            "resourceType": "Condition",
            "id": id,
            **_meta(synthetic),
            "clinicalStatus": {"coding": [_coding(c.CONDITION_CLINICAL, "active")]},
            "verificationStatus": {"coding": [_coding(c.CONDITION_VERIFICATION, "confirmed")]},
            "category": [{"coding": [_coding(c.CONDITION_CATEGORY, category)]}],
            "code": {"coding": [_coding(c.ICD10CM, icd10_code, description)], "text": description},
            "subject": ref("Patient", patient_id),
            "recordedDate": instant(recorded_at),
            **({"extension": [_ext("primary-diagnosis", valueBoolean=True)]} if primary else {}),
        }
    )


def prior_trial(
    *,
    id: str,
    patient_id: str,
    treatment_name: str,
    treatment_class: str,
    treatment_class_label: str,
    dose_text: str,
    weeks: int | None,
    adequate: bool | None,
    outcome: str,
    outcome_label: str,
    current_episode: bool,
    notes: str,
    recorded_at: dt.datetime,
    synthetic: bool = False,
) -> MedicationStatement | Procedure:
    """A prior treatment trial: MedicationStatement for a drug, Procedure for ECT, TMS and
    psychotherapy. Duration, adequacy, outcome and episode are kitclinic extensions."""
    extensions = [
        _ext("trial-outcome", valueCoding=_coding(c.LOCAL_TRIAL_OUTCOME, outcome, outcome_label)),
        _ext("trial-current-episode", valueBoolean=current_episode),
    ]
    if weeks is not None:
        extensions.append(_ext("trial-duration", valueQuantity=_quantity(weeks, "wk")))
    if adequate is not None:
        extensions.append(_ext("trial-adequate", valueBoolean=adequate))
    klass = {"coding": [_coding(c.LOCAL_TREATMENT_CLASS, treatment_class, treatment_class_label)]}
    common: dict[str, Any] = {
        "id": id,
        **_meta(synthetic),
        "extension": extensions,
        "subject": ref("Patient", patient_id),
    }
    if notes:
        common["note"] = [{"text": notes}]
    status = "active" if outcome == "ongoing" else "completed"
    if treatment_class in NON_DRUG_TREATMENTS:
        return Procedure.model_validate(
            {
                "resourceType": "Procedure",
                **common,
                "status": "in-progress" if status == "active" else "completed",
                "category": klass,
                "code": {"text": treatment_name},
            }
        )
    data: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        **common,
        "status": status,
        "category": klass,
        "medicationCodeableConcept": {"text": treatment_name},
        "dateAsserted": instant(recorded_at),
    }
    if dose_text:
        data["dosage"] = [{"text": dose_text}]
    return MedicationStatement.model_validate(data)


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
        **_meta(synthetic),
        "status": "final",
        "category": [{"coding": [_coding(c.OBSERVATION_CATEGORY, "survey")]}],
        "code": {"coding": [_coding(code.system, code.code, code.display)], "text": code.display},
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": instant(effective),
        "valueQuantity": _quantity(total, c.UCUM_SCORE),
    }
    if encounter_id:
        data["encounter"] = ref("Encounter", encounter_id)
    if derived_from:
        data["derivedFrom"] = [ref("QuestionnaireResponse", derived_from)]
    if code.items_licensed and code.item_codes and all(code.item_codes):
        components = [
            {"code": {"coding": [_coding(c.LOINC, item)]}, "valueInteger": answer}
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
        **_meta(synthetic),
        "questionnaire": f"{c.LOCAL_QUESTIONNAIRE}:{instrument_id}",
        "status": "completed",
        "subject": ref("Patient", patient_id),
        "source": ref("Patient", patient_id),
        "authored": instant(authored),
    }
    if items:
        data["item"] = items
    return QuestionnaireResponse.model_validate(data)


def _vital(
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
        **_meta(synthetic),
        "status": "final",
        "category": [{"coding": [_coding(c.OBSERVATION_CATEGORY, "vital-signs")]}],
        "code": {"coding": [_coding(c.LOINC, x.code, x.display) for x in coded]},
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
            "code": {"coding": [_coding(c.LOINC, x.code, x.display)]},
            "valueQuantity": _quantity(v, x.unit),
        }
        for x, v in ((c.SYSTOLIC_BP, sbp), (c.DIASTOLIC_BP, dbp))
    ]
    return [
        _vital(
            f"{id_prefix}-bp", *args, [c.BLOOD_PRESSURE_PANEL], synthetic, component=bp_components
        ),
        _vital(
            f"{id_prefix}-hr",
            *args,
            [c.HEART_RATE],
            synthetic,
            valueQuantity=_quantity(hr, c.HEART_RATE.unit),
        ),
        _vital(
            f"{id_prefix}-rr",
            *args,
            [c.RESPIRATORY_RATE],
            synthetic,
            valueQuantity=_quantity(rr, c.RESPIRATORY_RATE.unit),
        ),
        _vital(
            f"{id_prefix}-spo2",
            *args,
            c.SPO2_CODES,
            synthetic,
            valueQuantity=_quantity(spo2, c.SPO2_CODES[0].unit),
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
    return _vital(
        id,
        patient_id,
        encounter_id,
        measured_at,
        [c.BODY_WEIGHT],
        synthetic,
        valueQuantity=_quantity(weight_kg, c.BODY_WEIGHT.unit),
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
            **_meta(synthetic),
            "status": "final",
            "category": [{"coding": [_coding(c.OBSERVATION_CATEGORY, "laboratory")]}],
            "code": {"coding": [_coding(c.LOINC, loinc_code, display)], "text": display},
            "subject": ref("Patient", patient_id),
            "effectiveDateTime": instant(collected_at),
            "valueQuantity": _quantity(value, unit),
        }
    )


def encounter(
    *,
    id: str,
    patient_id: str,
    state: str,
    number: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
    synthetic: bool = False,
) -> Encounter:
    """An infusion session (its number in the course as the type's text)."""
    data: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": id,
        **_meta(synthetic),
        "status": ENCOUNTER_STATUS[state],
        "class": _coding(c.ACT_CODE, "AMB", "ambulatory"),
        "type": [{"text": f"Ketamine infusion session {number}"}],
        "subject": ref("Patient", patient_id),
    }
    period = {}
    if start is not None:
        period["start"] = instant(start)
    if end is not None:
        period["end"] = instant(end)
    if period:
        data["period"] = period
    return Encounter.model_validate(data)


def medication_administration(
    *,
    id: str,
    patient_id: str,
    encounter_id: str,
    running: bool,
    ordered_mg: Decimal,
    delivered_mg: Decimal,
    rate_mg_per_h: Decimal,
    start: dt.datetime,
    end: dt.datetime | None,
    synthetic: bool = False,
) -> MedicationAdministration:
    """One ketamine infusion: the delivered dose (the pump replay) as ``dosage.dose``, the
    ordered dose as a kitclinic extension, the ordered rate, route intravenous, the period."""
    period = {"start": instant(start)}
    if end is not None:
        period["end"] = instant(end)
    return MedicationAdministration.model_validate(
        {
            "resourceType": "MedicationAdministration",
            "id": id,
            **_meta(synthetic),
            "extension": [_ext("ordered-dose", valueQuantity=_quantity(ordered_mg, "mg"))],
            "status": "in-progress" if running else "completed",
            "medicationCodeableConcept": {
                "coding": [_coding(c.RXNORM, c.KETAMINE_RXNORM.code, c.KETAMINE_RXNORM.display)],
                "text": "ketamine",
            },
            "subject": ref("Patient", patient_id),
            "context": ref("Encounter", encounter_id),
            "effectivePeriod": period,
            "dosage": {
                "route": {"coding": [_coding(c.SNOMED, c.ROUTE_IV.code, c.ROUTE_IV.display)]},
                "dose": _quantity(delivered_mg, "mg"),
                "rateQuantity": _quantity(rate_mg_per_h, "mg/h"),
            },
        }
    )


ADVERSE_EVENT_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"


def adverse_event(
    *,
    id: str,
    patient_id: str,
    encounter_id: str,
    administration_id: str | None,
    occurred_at: dt.datetime,
    description: str,
    severity: str,
    action_taken: str,
    rescue: str,
    synthetic: bool = False,
) -> AdverseEvent:
    data: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "id": id,
        **_meta(synthetic),
        "actuality": "actual",
        "event": {"text": description},
        "subject": ref("Patient", patient_id),
        "encounter": ref("Encounter", encounter_id),
        "date": instant(occurred_at),
        "severity": {"coding": [_coding(ADVERSE_EVENT_SEVERITY, severity)]},
        "extension": [_ext("action-taken", valueString=action_taken)],
    }
    if rescue:
        data["extension"].append(_ext("rescue-medication", valueString=rescue))
    if administration_id:
        data["suspectEntity"] = [{"instance": ref("MedicationAdministration", administration_id)}]
    return AdverseEvent.model_validate(data)


def consent(
    *,
    id: str,
    patient_id: str,
    signed_at: dt.datetime,
    sheet_uri: str,
    sheet_title: str,
    method: str,
    synthetic: bool = False,
) -> Consent:
    """Consent to treatment, on the information sheet version the patient was given."""
    return Consent.model_validate(
        {
            "resourceType": "Consent",
            "id": id,
            **_meta(synthetic),
            "status": "active",
            "scope": {"coding": [_coding(c.CONSENT_SCOPE, "treatment")]},
            "category": [
                {"coding": [_coding(c.LOINC, c.CONSENT_CATEGORY.code, c.CONSENT_CATEGORY.display)]}
            ],
            "patient": ref("Patient", patient_id),
            "dateTime": instant(signed_at),
            "policy": [{"uri": sheet_uri}],
            "policyRule": {"coding": [_coding(c.ACT_CODE, "OPTIN")]},
            "sourceAttachment": {"title": sheet_title},
            "extension": [_ext("consent-method", valueString=method)],
        }
    )


AUTHOR_SIGNATURE = ("1.2.840.10065.1.12.1.1", "Author's Signature")


def signature_provenance(
    *,
    id: str,
    targets: Sequence[tuple[str, str]],
    signed_at: dt.datetime,
    signer: tuple[str, str],
    synthetic: bool = False,
) -> Provenance:
    """A signature (a session's sign-off, a consent) as Provenance of the records it signs;
    ``signer`` is (resource type, id): a Practitioner or the Patient."""
    who = ref(*signer)
    return Provenance.model_validate(
        {
            "resourceType": "Provenance",
            "id": id,
            **_meta(synthetic),
            "target": [ref(t, i) for t, i in targets],
            "recorded": instant(signed_at),
            "agent": [
                {
                    "type": {"coding": [_coding(c.PROVENANCE_PARTICIPANT, "author")]},
                    "who": who,
                }
            ],
            "signature": [
                {
                    "type": [_coding(c.SIGNATURE_TYPE, *AUTHOR_SIGNATURE)],
                    "when": instant(signed_at),
                    "who": who,
                }
            ],
        }
    )


def references(node: Any) -> list[str]:
    """Every ``reference`` string in a resource's JSON."""
    if isinstance(node, dict):
        found: list[str] = []
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += references(value)
        return found
    if isinstance(node, list):
        return [r for value in node for r in references(value)]
    return []


def unresolved_references(resources: Sequence[dict[str, Any]]) -> list[str]:
    """The references among ``resources`` (JSON) that name none of them: an export must
    hold everything it points at."""
    held = {f"{r['resourceType']}/{r['id']}" for r in resources}
    return [ref for r in resources for ref in references(r) if ref not in held]
