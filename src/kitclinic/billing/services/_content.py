"""What every billing document says about the clinic, the provider and the patient, as plain
values for its ``content`` (kept as issued)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kitclinic.accounts.models import User
from kitclinic.billing.models import BillingIdentity
from kitclinic.billing_codes import CODE_DESCRIPTORS, CodeUnits, Line, lines_total
from kitclinic.patients.models import Patient


def person_name(user: User) -> str:
    return str(user)


def facility(identity: BillingIdentity) -> dict[str, str]:
    return {
        "name": identity.billing_name,
        "npi": identity.npi,
        "tax_id": identity.tax_id,
        "address": identity.address,
        "phone": identity.phone,
    }


def patient_part(patient: Patient) -> dict[str, str]:
    return {
        "name": f"{patient.given_name} {patient.family_name}",
        "date_of_birth": patient.date_of_birth.isoformat(),
        "address": patient.address,
        "mrn": patient.mrn,
    }


def diagnoses(patient: Patient) -> list[dict[str, str]]:
    """The patient's ICD-10-CM diagnoses, the primary first ([icd-10-cm])."""
    return [
        {"code": d.icd10_code, "description": d.description}
        for d in patient.diagnoses.order_by("-is_primary", "recorded_at", "id")
    ]


def priced_lines(
    codes: tuple[CodeUnits, ...], prices: dict[str, Decimal], currency: str
) -> tuple[list[Line], list[str]]:
    """The codes as lines at ``prices``; the codes without a price come back as the second."""
    missing = [c.code for c in codes if c.code not in prices]
    lines = [Line(c.code, c.units, prices[c.code], currency) for c in codes if c.code in prices]
    return lines, missing


def lines_json(lines: list[Line]) -> list[dict[str, Any]]:
    return [
        {
            "code": line.code,
            "description": CODE_DESCRIPTORS.get(line.code, ""),
            "units": line.units,
            "unit_price": str(line.unit_price),
            "amount": str(line.amount),
        }
        for line in lines
    ]


def total_of(lines: list[Line], currency: str) -> Decimal:
    return lines_total(lines, currency=currency)
