"""The FHIR REST door's rules, pure: what each resource type supports (the one table the
CapabilityStatement is built from), the ids the export writes read back, and search parameters
read and checked (docs/fhir.md, "REST").

No Django: the views hand in the query string as (name, value) pairs and get a ``Search`` back,
or a ``SearchError`` naming the parameter and what is allowed. kitclinic refuses what it does not
understand rather than ignoring it (FHIR lets a server ignore an unknown parameter; a search that
silently ignored one would return more than was asked for)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.resource import Resource

# The FHIR version the REST door speaks (R4; the models are fhir.resources' R4B, which read R4).
FHIR_VERSION = "4.0.1"
FHIR_JSON = "application/fhir+json"

DEFAULT_COUNT = 50
MAX_COUNT = 200
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str  # FHIR search parameter type: token, string, date, reference
    documentation: str


@dataclass(frozen=True)
class Operation:
    name: str  # without the "$"
    definition: str  # the canonical URL of the OperationDefinition
    documentation: str


@dataclass(frozen=True)
class ResourceSupport:
    type: str
    # id patterns the export writes for this type (interop/export.py): kind prefix, and whether
    # the id carries a suffix after the row id (vital signs: vitals-<id>-bp)
    id_kinds: tuple[str, ...]
    search: tuple[SearchParam, ...]
    operations: tuple[Operation, ...] = ()
    interactions: tuple[str, ...] = ("read", "search-type")


_PATIENT_REF = SearchParam(
    "patient",
    "reference",
    "Required: the patient, as Patient/p-<id> or p-<id>. One patient's records at a time.",
)

# Every resource type the REST door serves: adding a type, a parameter or an operation is one
# entry here (the URL converter, the parameter checks and /fhir/metadata all read this table).
RESOURCES: tuple[ResourceSupport, ...] = (
    ResourceSupport(
        "Patient",
        id_kinds=("p",),
        search=(
            SearchParam("identifier", "token", "The MRN, as system|value or value (exact match)."),
            SearchParam("name", "string", "Part of the family or given name (contains, any case)."),
            SearchParam("birthdate", "date", "YYYY-MM-DD, with the prefix eq (default), ge or le."),
        ),
        operations=(
            Operation(
                "everything",
                "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                "The patient and every resource kitclinic's FHIR export writes for them.",
            ),
            Operation(
                "export",
                "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
                "Bulk Data export of every patient of the organization (as $export).",
            ),
        ),
    ),
    ResourceSupport("Condition", id_kinds=("cond",), search=(_PATIENT_REF,)),
    ResourceSupport(
        "Observation",
        id_kinds=("rating", "session-rating", "aldrete", "vitals", "weight", "lab"),
        search=(
            _PATIENT_REF,
            SearchParam("code", "token", "A code, as system|code or code."),
            SearchParam(
                "date",
                "date",
                "The effective date (UTC), YYYY-MM-DD, with the prefix eq (default), ge or le; "
                "may be given twice (ge and le) for a range.",
            ),
        ),
    ),
    ResourceSupport("MedicationAdministration", id_kinds=("ma",), search=(_PATIENT_REF,)),
    ResourceSupport("Encounter", id_kinds=("enc",), search=(_PATIENT_REF,)),
)
SUPPORTED = {r.type: r for r in RESOURCES}

# Operations on the whole server.
SYSTEM_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "export",
        "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
        "Bulk Data export (asynchronous, Prefer: respond-async) of the organization's records "
        "as NDJSON; _outputFormat, _type and _since; for roles that may export (docs/fhir.md).",
    ),
)

# Parameters every search takes besides its own.
RESULT_PARAMS = (
    SearchParam("_count", "number", f"Page size, 1 to {MAX_COUNT} (default {DEFAULT_COUNT})."),
    SearchParam("_offset", "number", "Index of the first match of the page (default 0)."),
)
FORMAT_PARAM = "_format"
FORMATS = ("json", "application/json", FHIR_JSON, "application/fhir json")

# The vital signs of one set are four Observations with the set's id and a suffix.
VITAL_SUFFIXES = ("bp", "hr", "rr", "spo2")
_ID = re.compile(
    r"^(?P<kind>[a-z]+(?:-[a-z]+)?)-(?P<pk>[1-9][0-9]{0,17})(?:-(?P<suffix>[a-z0-9]+))?$"
)


class SearchError(ValueError):
    """A query the REST door refuses (400); ``parameter`` names the parameter at fault."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class ResourceKey:
    """A resource id the export writes, read back: the kind of record and its row id."""

    kind: str
    pk: int


def parse_id(resource_type: str, resource_id: str) -> ResourceKey | None:
    """The record behind ``resource_id`` of ``resource_type``, or None when the export writes
    no such id for that type (``Condition/p-1``, ``Observation/vitals-4-xx``, ``p-007``)."""
    support = SUPPORTED.get(resource_type)
    found = _ID.match(resource_id)
    if support is None or found is None:
        return None
    kind, suffix = found["kind"], found["suffix"]
    if kind not in support.id_kinds:
        return None
    if (suffix is not None) != (kind == "vitals") or (suffix and suffix not in VITAL_SUFFIXES):
        return None
    return ResourceKey(kind, int(found["pk"]))


@dataclass(frozen=True)
class Token:
    """A token search value: ``system|code`` (system given), ``|code`` (no system: "" ) or
    ``code`` (any system: None)."""

    system: str | None
    code: str

    def matches(self, system: str | None, code: str | None) -> bool:
        if code != self.code:
            return False
        if self.system is None:
            return True
        return (system or "") == self.system


@dataclass(frozen=True)
class DateBound:
    prefix: str  # eq, ge, le
    date: dt.date

    def matches(self, value: dt.date) -> bool:
        if self.prefix == "ge":
            return value >= self.date
        if self.prefix == "le":
            return value <= self.date
        return value == self.date


@dataclass(frozen=True)
class Search:
    resource_type: str
    count: int = DEFAULT_COUNT
    offset: int = 0
    patient_pk: int | None = None
    identifier: Token | None = None
    name: str | None = None
    birthdate: tuple[DateBound, ...] = ()
    code: Token | None = None
    date: tuple[DateBound, ...] = ()
    # the search parameters given (for the audit trail: what was searched by, not the values)
    fields: tuple[str, ...] = field(default=())


def _allowed(support: ResourceSupport) -> str:
    names = [p.name for p in support.search] + [p.name for p in RESULT_PARAMS] + [FORMAT_PARAM]
    return ", ".join(names)


def _number(name: str, text: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[0-9]{1,10}", text) or not low <= int(text) <= high:
        raise SearchError(name, f"must be a whole number from {low} to {high}, not {text!r}.")
    return int(text)


def _token(name: str, text: str) -> Token:
    if "," in text:
        raise SearchError(name, "one value only (a comma-separated list is not supported).")
    system, bar, code = text.rpartition("|")
    if not bar:
        return Token(None, text)
    if not code:
        raise SearchError(name, "the code after '|' is missing (system|code or code).")
    return Token(system, code)


_DATE = re.compile(r"^(?P<prefix>[a-z]{2})?(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})$")
DATE_PREFIXES = ("eq", "ge", "le")


def _date(name: str, text: str) -> DateBound:
    found = _DATE.match(text)
    if found is None:
        raise SearchError(
            name, f"must be a date YYYY-MM-DD, optionally prefixed by eq, ge or le; not {text!r}."
        )
    prefix = found["prefix"] or "eq"
    if prefix not in DATE_PREFIXES:
        raise SearchError(name, f"the prefix {prefix!r} is not supported; use eq, ge or le.")
    try:
        day = dt.date.fromisoformat(found["date"])
    except ValueError:
        raise SearchError(name, f"{found['date']!r} is not a calendar date.") from None
    return DateBound(prefix, day)


def patient_pk(name: str, text: str) -> int:
    """The row id of a Patient reference as the export writes it (``Patient/p-12``, ``p-12``)."""
    key = parse_id("Patient", text.removeprefix("Patient/"))
    if key is None:
        raise SearchError(
            name, f"must be a Patient id, Patient/p-<number> or p-<number>; not {text!r}."
        )
    return key.pk


def parse_search(resource_type: str, pairs: Iterable[tuple[str, str]]) -> Search:
    """The search of ``resource_type`` the query string ``pairs`` asks for; ``SearchError`` for
    an unknown parameter, one given twice, an empty or malformed value."""
    support = SUPPORTED[resource_type]
    own = {p.name for p in support.search}
    values: dict[str, list[str]] = {}
    for raw_name, value in pairs:
        name = "name" if raw_name == "name:contains" and "name" in own else raw_name
        if name == FORMAT_PARAM:
            continue  # read by the content negotiation
        if name not in own and name not in {p.name for p in RESULT_PARAMS}:
            raise SearchError(
                raw_name,
                f"{resource_type} cannot be searched by this parameter. Allowed: "
                f"{_allowed(support)}.",
            )
        if not value.strip():
            raise SearchError(raw_name, "is empty.")
        values.setdefault(name, []).append(value.strip())
    for name, given in values.items():
        if len(given) > 1 and name not in {"date", "birthdate"}:
            raise SearchError(name, "given more than once; give it once.")
    if "patient" in own and "patient" not in values:
        raise SearchError(
            "patient",
            f"is required: kitclinic searches {resource_type} one patient at a time "
            "(patient=Patient/p-<number>).",
        )

    def one(name: str) -> str | None:
        return values[name][0] if name in values else None

    count = _number("_count", one("_count") or str(DEFAULT_COUNT), 1, MAX_COUNT)
    offset = _number("_offset", one("_offset") or "0", 0, MAX_OFFSET)
    patient = one("patient")
    identifier = one("identifier")
    code = one("code")
    name_part = one("name")
    return Search(
        resource_type=resource_type,
        count=count,
        offset=offset,
        patient_pk=patient_pk("patient", patient) if patient is not None else None,
        identifier=_token("identifier", identifier) if identifier is not None else None,
        name=name_part.lower() if name_part is not None else None,
        birthdate=tuple(_date("birthdate", v) for v in values.get("birthdate", [])),
        code=_token("code", code) if code is not None else None,
        date=tuple(_date("date", v) for v in values.get("date", [])),
        fields=tuple(sorted(n for n in values if n in own)),
    )


def refuse_parameters(where: str, pairs: Iterable[tuple[str, str]]) -> None:
    """A read or an operation takes no parameter but ``_format``."""
    for name, _value in pairs:
        if name != FORMAT_PARAM:
            raise SearchError(name, f"{where} takes no parameter but {FORMAT_PARAM}.")


def utc_date(value: Any) -> dt.date | None:
    """The UTC date of a FHIR dateTime as the models hold it (an aware datetime or a date)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.date()
        return value.astimezone(dt.UTC).date()
    if isinstance(value, dt.date):
        return value
    return None


def observation_matches(search: Search, resource: Any) -> bool:
    """Whether an Observation matches the search's code and date."""
    if search.code is not None:
        codings = (resource.code.coding or []) if resource.code is not None else []
        if not any(search.code.matches(c.system, c.code) for c in codings):
            return False
    if search.date:
        day = utc_date(getattr(resource, "effectiveDateTime", None))
        if day is None or not all(bound.matches(day) for bound in search.date):
            return False
    return True


def searchset(
    *,
    base_url: str,
    resources: Sequence[Resource],
    total: int,
    links: Sequence[tuple[str, str]],
    timestamp: str,
) -> Bundle:
    """A Bundle of type searchset: ``resources`` (one page) with ``total`` matches in all and
    the ``links`` (relation, URL) of the page."""
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "timestamp": timestamp,
            "total": total,
            "link": [{"relation": rel, "url": url} for rel, url in links],
            "entry": [
                {
                    "fullUrl": f"{base_url}/{r.get_resource_type()}/{r.id}",
                    "resource": r,
                    "search": {"mode": "match"},
                }
                for r in resources
            ],
        }
    )


def _operation(op: Operation) -> dict[str, str]:
    return {"name": op.name, "definition": op.definition, "documentation": op.documentation}


def capability_statement(*, base_url: str, date: str, software_version: str) -> CapabilityStatement:
    """What the REST door serves, from ``RESOURCES`` and ``SYSTEM_OPERATIONS``: nothing more."""
    resources = []
    for r in RESOURCES:
        entry: dict[str, Any] = {
            "type": r.type,
            "interaction": [{"code": code} for code in r.interactions],
            "searchParam": [
                {"name": p.name, "type": p.type, "documentation": p.documentation}
                for p in (*r.search, *RESULT_PARAMS)
            ],
        }
        if r.operations:
            entry["operation"] = [_operation(op) for op in r.operations]
        resources.append(entry)
    rest: dict[str, Any] = {
        "mode": "server",
        "documentation": (
            "Read and search-type only; an unknown or malformed search parameter is refused "
            "with 400 naming it. Results are one organization's patients at the clinics where "
            "the user's role may read clinical records."
        ),
        "security": {
            "description": (
                "An API token (Authorization: Bearer kit_...) or a signed-in browser session; "
                "the user's role must allow reading clinical records (clinical.view)."
            )
        },
        "resource": resources,
    }
    if SYSTEM_OPERATIONS:
        rest["operation"] = [_operation(op) for op in SYSTEM_OPERATIONS]
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": date,
            "publisher": "kitclinic",
            "kind": "instance",
            "software": {"name": "kitclinic", "version": software_version},
            "implementation": {"description": "kitclinic FHIR R4 REST API", "url": base_url},
            "fhirVersion": FHIR_VERSION,
            "format": [FHIR_JSON, "json"],
            "rest": [rest],
        }
    )
