"""What the FHIR REST tests share: reading a response as FHIR and checking an OperationOutcome."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.operationoutcome import OperationOutcome

FHIR_JSON = "application/fhir+json"
# The types the REST door reads and searches.
SERVED = ("Patient", "Condition", "Observation", "MedicationAdministration", "Encounter")


def fhir_body(response: Any, status: int = 200) -> dict[str, Any]:
    """The body of a FHIR answer of ``status``, checked against its R4B model."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body: dict[str, Any] = json.loads(response.content)
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


def outcome(response: Any, status: int, code: str) -> str:
    """An error answer: a valid OperationOutcome whose first issue is an error of ``code``;
    returns its diagnostics."""
    body = fhir_body(response, status)
    assert body["resourceType"] == "OperationOutcome"
    OperationOutcome.model_validate(body)
    issue = body["issue"][0]
    assert issue["severity"] == "error" and issue["code"] == code
    assert issue["diagnostics"]
    return str(issue["diagnostics"])


def entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry", [])]


def ids(bundle: dict[str, Any]) -> list[str]:
    return [f"{r['resourceType']}/{r['id']}" for r in entries(bundle)]


def link(bundle: dict[str, Any], relation: str) -> str | None:
    return next((x["url"] for x in bundle.get("link", []) if x["relation"] == relation), None)
