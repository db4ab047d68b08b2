"""Field rules for patient data, shared by forms, serializers and services."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

from kitclinic.intake import diagnoses

MRN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,31}$")
MAX_AGE_YEARS = 120


def normalize_icd10cm(code: str) -> str:
    """Upper-case, trimmed, with the dot after the category (``f329`` -> ``F32.9``)."""
    cleaned = code.strip().upper().replace(" ", "")
    if "." not in cleaned and len(cleaned) > 3:
        cleaned = cleaned[:3] + "." + cleaned[3:]
    return cleaned


def validate_icd10cm(code: str) -> None:
    """A stored code is in the canonical ICD-10-CM form of the intake core (one shape rule for
    the chart and the eligibility rules): a letter, two characters (digit, then digit or
    letter), then optionally a dot and 1–4 characters (e.g. F32.9, F33.41, G90.50, T14.91XA)."""
    try:
        canonical = diagnoses.normalize_icd10cm(code) == code
    except ValueError:
        canonical = False
    if not canonical:
        raise ValidationError(
            "%(code)s is not an ICD-10-CM code: expected a letter, two characters and optionally "
            "a dot with 1–4 more (for example F32.9 or F33.41).",
            code="icd10_format",
            params={"code": code or "(empty)"},
        )


def validate_mrn(mrn: str) -> None:
    if not MRN_PATTERN.match(mrn):
        raise ValidationError(
            "The MRN must be 1–32 letters, digits or hyphens, starting with a letter or digit.",
            code="mrn_format",
        )


def validate_date_of_birth(value: dt.date, *, today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    if value > today:
        raise ValidationError("The date of birth cannot be in the future.", code="dob_future")
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age > MAX_AGE_YEARS:
        raise ValidationError(
            "The date of birth gives an age over %(max)s years; check the year.",
            code="dob_too_old",
            params={"max": MAX_AGE_YEARS},
        )


def age_years(date_of_birth: dt.date, *, on: dt.date | None = None) -> int:
    on = on or dt.date.today()
    return (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )
