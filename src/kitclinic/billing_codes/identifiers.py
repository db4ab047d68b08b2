"""The identifiers a bill carries: NPI and the employer identification number (TIN).

An NPI is 10 digits whose last is a Luhn check digit computed over the prefix 80840 and the first
nine digits ([cms-npi-check-digit]). An EIN is nine digits, written NN-NNNNNNN ([irs-ein]).
"""

from __future__ import annotations

import re
from typing import Final

NPI_PREFIX: Final = "80840"
EIN_PATTERN: Final = re.compile(r"(\d{2})-?(\d{7})")


class IdentifierError(ValueError):
    """An identifier that is refused; ``field`` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check over ``digits``, its last digit being the check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def parse_npi(value: str, *, field: str = "npi") -> str:
    """A valid NPI (10 digits, Luhn check over 80840 + the digits), spaces ignored."""
    text = "".join(str(value or "").split())
    if not re.fullmatch(r"\d{10}", text):
        raise IdentifierError(field, f"an NPI is 10 digits, got {value!r}")
    if text[0] not in "12":
        raise IdentifierError(field, "an NPI starts with 1 or 2")
    if not luhn_valid(NPI_PREFIX + text):
        raise IdentifierError(field, f"{text} is not a valid NPI (its check digit does not match)")
    return text


def parse_ein(value: str, *, field: str = "tax_id") -> str:
    """An employer identification number written NN-NNNNNNN (the hyphen may be left out)."""
    text = str(value or "").strip()
    match = EIN_PATTERN.fullmatch(text)
    if match is None:
        raise IdentifierError(field, f"an EIN is 9 digits written NN-NNNNNNN, got {value!r}")
    return f"{match.group(1)}-{match.group(2)}"
