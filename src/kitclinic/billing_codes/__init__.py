"""Billing codes and money, pure: which CPT/HCPCS codes a session earns and what lines cost.

No Django, no app: plain typed Python, called by ``kitclinic.infusions`` (the codes of a signed
session) and ``kitclinic.billing`` (fee schedules, estimates, superbills). Sources: [cpt-infusion]
for the infusion time rules, [hcpcs-esketamine] for the esketamine visit codes.
"""

from __future__ import annotations

from .codes import (
    CODE_DESCRIPTORS,
    ESKETAMINE_DOSES_MG,
    MAX_INFUSION_MIN,
    BillingCodeError,
    CodeUnits,
    esketamine_code,
    infusion_codes,
)
from .estimates import EstimateDeadline, estimate_due, planned_codes
from .identifiers import IdentifierError, parse_ein, parse_npi
from .money import Line, MoneyError, line_amount, lines_total, parse_currency, parse_price

__all__ = [
    "CODE_DESCRIPTORS",
    "ESKETAMINE_DOSES_MG",
    "MAX_INFUSION_MIN",
    "BillingCodeError",
    "CodeUnits",
    "EstimateDeadline",
    "IdentifierError",
    "Line",
    "MoneyError",
    "esketamine_code",
    "estimate_due",
    "infusion_codes",
    "line_amount",
    "lines_total",
    "parse_currency",
    "parse_ein",
    "parse_npi",
    "parse_price",
    "planned_codes",
]
