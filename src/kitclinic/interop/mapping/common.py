"""What every mapping shares: FHIR references, instants, codings, quantities, extensions,
the synthetic tag, and the check that every reference of an export resolves inside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

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


def fhir_meta(synthetic: bool) -> dict[str, Any]:
    if not synthetic:
        return {}
    tag = {"system": c.LOCAL_SYNTHETIC_TAG, "code": c.SYNTHETIC_TAG_CODE, "display": "synthetic"}
    return {"meta": {"tag": [tag]}}


def fhir_coding(system: str, code: str, display: str = "") -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def fhir_quantity(value: Decimal | int | float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": c.UCUM, "code": unit}


def fhir_extension(name: str, **value: Any) -> dict[str, Any]:
    return {"url": f"{c.LOCAL_EXTENSION}:{name}", **value}


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
