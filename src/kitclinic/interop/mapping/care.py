"""An infusion session (Encounter), its infusion (MedicationAdministration), adverse events,
consent with the information-sheet version, and signatures (Provenance)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.provenance import Provenance

from kitclinic.interop import codes as c
from kitclinic.interop.mapping.common import (
    ENCOUNTER_STATUS,
    fhir_coding,
    fhir_extension,
    fhir_meta,
    fhir_quantity,
    instant,
    ref,
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
        **fhir_meta(synthetic),
        "status": ENCOUNTER_STATUS[state],
        "class": fhir_coding(c.ACT_CODE, "AMB", "ambulatory"),
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
            **fhir_meta(synthetic),
            "extension": [
                fhir_extension("ordered-dose", valueQuantity=fhir_quantity(ordered_mg, "mg"))
            ],
            "status": "in-progress" if running else "completed",
            "medicationCodeableConcept": {
                "coding": [
                    fhir_coding(c.RXNORM, c.KETAMINE_RXNORM.code, c.KETAMINE_RXNORM.display)
                ],
                "text": "ketamine",
            },
            "subject": ref("Patient", patient_id),
            "context": ref("Encounter", encounter_id),
            "effectivePeriod": period,
            "dosage": {
                "route": {"coding": [fhir_coding(c.SNOMED, c.ROUTE_IV.code, c.ROUTE_IV.display)]},
                "dose": fhir_quantity(delivered_mg, "mg"),
                "rateQuantity": fhir_quantity(rate_mg_per_h, "mg/h"),
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
        **fhir_meta(synthetic),
        "actuality": "actual",
        "event": {"text": description},
        "subject": ref("Patient", patient_id),
        "encounter": ref("Encounter", encounter_id),
        "date": instant(occurred_at),
        "severity": {"coding": [fhir_coding(ADVERSE_EVENT_SEVERITY, severity)]},
        "extension": [fhir_extension("action-taken", valueString=action_taken)],
    }
    if rescue:
        data["extension"].append(fhir_extension("rescue-medication", valueString=rescue))
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
            **fhir_meta(synthetic),
            "status": "active",
            "scope": {"coding": [fhir_coding(c.CONSENT_SCOPE, "treatment")]},
            "category": [
                {
                    "coding": [
                        fhir_coding(c.LOINC, c.CONSENT_CATEGORY.code, c.CONSENT_CATEGORY.display)
                    ]
                }
            ],
            "patient": ref("Patient", patient_id),
            "dateTime": instant(signed_at),
            "policy": [{"uri": sheet_uri}],
            "policyRule": {"coding": [fhir_coding(c.ACT_CODE, "OPTIN")]},
            "sourceAttachment": {"title": sheet_title},
            "extension": [fhir_extension("consent-method", valueString=method)],
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
            **fhir_meta(synthetic),
            "target": [ref(t, i) for t, i in targets],
            "recorded": instant(signed_at),
            "agent": [
                {
                    "type": {"coding": [fhir_coding(c.PROVENANCE_PARTICIPANT, "author")]},
                    "who": who,
                }
            ],
            "signature": [
                {
                    "type": [fhir_coding(c.SIGNATURE_TYPE, *AUTHOR_SIGNATURE)],
                    "when": instant(signed_at),
                    "who": who,
                }
            ],
        }
    )
