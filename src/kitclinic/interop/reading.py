"""An import file read into resources, each checked against the FHIR R4 (R4B) schema with
fhir.resources: a Bundle of type collection, transaction or searchset, or NDJSON (one resource a
line). No database here; the services decide what each resource becomes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError as SchemaError

from kitclinic.interop.codes import (
    IDENTIFIER_TYPE,
    LOCAL_SYNTHETIC_TAG,
    SYNTHETIC_TAG_CODE,
    US_CORE_BIRTH_SEX,
    mrn_system,
)
from kitclinic.interop.mapping import GENDER

SUPPORTED_TYPES = (
    "Patient",
    "Condition",
    "Observation",
    "MedicationStatement",
    "AllergyIntolerance",
)
BUNDLE_TYPES = ("collection", "transaction", "searchset")


class ImportRefused(Exception):
    """The file cannot be imported: ``entry`` (index in the Bundle, or line of the NDJSON file,
    from 0) and ``path`` (FHIRPath-like, from the resource type) name where."""

    def __init__(self, entry: int | None, path: str, message: str) -> None:
        self.entry = entry
        self.path = path
        self.message = message
        where = f"entry {entry}, " if entry is not None else ""
        super().__init__(f"{where}{path}: {message}")


@dataclass(frozen=True)
class Entry:
    index: int
    resource_type: str
    resource: dict[str, Any]
    full_url: str = ""

    @property
    def local_reference(self) -> str:
        """``Type/id`` as other resources of the file refer to it (empty without an id)."""
        rid = self.resource.get("id")
        return f"{self.resource_type}/{rid}" if rid else ""


def _loc_path(resource_type: str, loc: tuple[Any, ...]) -> str:
    path = resource_type
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validate_schema(entry: Entry) -> None:
    """Refuse a resource that the FHIR R4 schema refuses, naming the first wrong element."""
    model = get_fhir_model_class(entry.resource_type)
    try:
        model.model_validate(entry.resource)
    except SchemaError as exc:
        first = exc.errors()[0]
        raise ImportRefused(
            entry.index, _loc_path(entry.resource_type, tuple(first["loc"])), first["msg"]
        ) from exc


def _entry(index: int, resource: Any, full_url: str = "") -> Entry:
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise ImportRefused(index, "resourceType", "each entry must be a resource with a type.")
    return Entry(index, resource["resourceType"], resource, full_url)


def read_entries(text: str) -> list[Entry]:
    """The resources of a Bundle (JSON) or of NDJSON, in file order."""
    stripped = text.strip()
    if not stripped:
        raise ImportRefused(None, "file", "the file is empty.")
    try:
        whole = json.loads(stripped)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict):
        if whole.get("resourceType") != "Bundle":
            return [_entry(0, whole)]
        if whole.get("type") not in BUNDLE_TYPES:
            raise ImportRefused(
                None,
                "Bundle.type",
                f"{whole.get('type')!r} is not read; allowed: {', '.join(BUNDLE_TYPES)}.",
            )
        entries = whole.get("entry") or []
        if not isinstance(entries, list):
            raise ImportRefused(None, "Bundle.entry", "must be a list.")
        out = []
        for i, item in enumerate(entries):
            if not isinstance(item, dict) or "resource" not in item:
                raise ImportRefused(i, "Bundle.entry.resource", "the entry has no resource.")
            out.append(_entry(i, item["resource"], str(item.get("fullUrl") or "")))
        return out
    out = []
    for i, line in enumerate(stripped.splitlines()):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportRefused(i, "line", f"not JSON ({exc.msg}).") from exc
        out.append(_entry(i, resource))
    return out


# --- Elements read from a resource (plain dicts, checked by validate_schema first) ---------------

BIRTH_SEX = {"F": "female", "M": "male", "UNK": "unknown"}


def mrn_of(entry: Entry, organization_slug: str) -> str:
    identifiers = entry.resource.get("identifier") or []
    own = mrn_system(organization_slug)
    for ident in identifiers:
        if ident.get("system") == own and ident.get("value"):
            return str(ident["value"]).strip()
    for ident in identifiers:
        codings = (ident.get("type") or {}).get("coding") or []
        if any(c.get("system") == IDENTIFIER_TYPE and c.get("code") == "MR" for c in codings):
            if ident.get("value"):
                return str(ident["value"]).strip()
    for ident in identifiers:
        if ident.get("value"):
            return str(ident["value"]).strip()
    raise ImportRefused(
        entry.index, "Patient.identifier", "a patient needs an identifier: kitclinic's MRN."
    )


def name_of(entry: Entry) -> tuple[str, str]:
    names = entry.resource.get("name") or []
    chosen = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    family = str(chosen.get("family") or "").strip()
    given = " ".join(str(g) for g in chosen.get("given") or []).strip()
    if not family or not given:
        raise ImportRefused(
            entry.index, "Patient.name", "a patient needs a family name and a given name."
        )
    return family, given


def sex_at_birth_of(resource: dict[str, Any], kitclinic_export: bool) -> str:
    """From US Core's birth-sex extension; administrative gender and the individual-sex
    extension are not sex at birth, so without it "unknown" unless the patient comes from a
    kitclinic export (identified in the organization's MRN system), whose gender carries the sex
    at birth (mapping.GENDER)."""
    for ext in resource.get("extension") or []:
        if ext.get("url") == US_CORE_BIRTH_SEX and ext.get("valueCode") in BIRTH_SEX:
            return BIRTH_SEX[ext["valueCode"]]
    if kitclinic_export:
        return {v: k for k, v in GENDER.items()}.get(str(resource.get("gender")), "unknown")
    return "unknown"


def telecom_of(resource: dict[str, Any], system: str) -> str | None:
    for point in resource.get("telecom") or []:
        if point.get("system") == system and point.get("value"):
            return str(point["value"]).strip()
    return None


def address_of(resource: dict[str, Any]) -> str | None:
    addresses = resource.get("address") or []
    if not addresses:
        return None
    a = addresses[0]
    if a.get("text"):
        return str(a["text"])
    city_line = " ".join(str(a[k]) for k in ("city", "state", "postalCode") if a.get(k))
    return "\n".join([*(str(line) for line in a.get("line") or []), city_line]).strip()


def resource_key(entry: Entry) -> str:
    for ident in entry.resource.get("identifier") or []:
        if ident.get("value"):
            return f"{ident.get('system') or ''}|{ident['value']}"
    key = entry.full_url or entry.local_reference
    if not key:
        raise ImportRefused(
            entry.index,
            f"{entry.resource_type}.identifier",
            "an identifier (or an id) is needed so that a second import recognises the resource.",
        )
    return key


def codings_of(entry: Entry, element: str = "code") -> list[dict[str, Any]]:
    return list((entry.resource.get(element) or {}).get("coding") or [])


def effective_at_of(entry: Entry) -> dt.datetime:
    r = entry.resource
    raw = r.get("effectiveDateTime") or (r.get("effectivePeriod") or {}).get("start")
    raw = raw or r.get("effectiveInstant") or r.get("issued")
    path = "Observation.effective[x]"
    if not raw:
        raise ImportRefused(entry.index, path, "the time of the observation is needed.")
    try:
        moment = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        raise ImportRefused(
            entry.index, path, f"{raw!r}: a full date (YYYY-MM-DD) or date and time is needed."
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def quantity_of(q: dict[str, Any] | None) -> tuple[Decimal | None, str]:
    if not q or q.get("value") is None:
        return None, ""
    return Decimal(str(q["value"])), str(q.get("code") or q.get("unit") or "")


def answer_text_of(r: dict[str, Any]) -> str:
    if r.get("valueString") is not None:
        return str(r["valueString"])[:200]
    concept = r.get("valueCodeableConcept")
    if concept:
        first = (concept.get("coding") or [{}])[0]
        return str(concept.get("text") or first.get("display") or first.get("code") or "")[:200]
    return ""


def code_in(concept: dict[str, Any] | None, system: str) -> str:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def tagged_synthetic(resource: dict[str, Any]) -> bool:
    tags = (resource.get("meta") or {}).get("tag") or []
    return any(
        t.get("system") == LOCAL_SYNTHETIC_TAG and t.get("code") == SYNTHETIC_TAG_CODE for t in tags
    )
