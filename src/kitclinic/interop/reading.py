"""An import file read into resources, each checked against the FHIR R4 (R4B) schema with
fhir.resources: a Bundle of type collection, transaction or searchset, or NDJSON (one resource a
line). No database here; the services decide what each resource becomes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError as SchemaError

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
