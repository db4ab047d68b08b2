"""What the import steps share: the summary they fill in and how a service's refusal becomes
the import's refusal of the entry."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from kitclinic.interop.reading import (
    Entry,
    ImportRefused,
)
from kitclinic.outcomes.labs import ANALYTE_CODES

LAB_BY_LOINC = {code.loinc_code: code for code in ANALYTE_CODES.values()}

PATIENT_PATHS = {
    "mrn": "Patient.identifier",
    "family_name": "Patient.name.family",
    "given_name": "Patient.name.given",
    "date_of_birth": "Patient.birthDate",
    "sex_at_birth": "Patient.gender",
    "phone": "Patient.telecom",
    "email": "Patient.telecom",
    "address": "Patient.address",
    "confirm_not_duplicate": "Patient",
}


@dataclass
class ImportSummary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "skipped": self.skipped,
        }


def refused_by_service(
    entry: Entry, exc: ValidationError, paths: dict[str, str], default: str
) -> ImportRefused:
    if hasattr(exc, "error_dict"):
        name, messages = next(iter(exc.message_dict.items()))
        return ImportRefused(entry.index, paths.get(name, default), " ".join(messages))
    return ImportRefused(entry.index, default, " ".join(exc.messages))
