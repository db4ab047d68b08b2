"""Is this the same person? The keys registration compares to warn of a likely duplicate.

Two records are likely the same person when they have the same name and date of birth, or the
same phone number, or the same e-mail address. Names are compared without case, accents,
spaces or punctuation ("José  de la Cruz" = "jose DELACRUZ"), phone numbers by their digits
(the last 10, so a country prefix or its absence does not matter), e-mail addresses without
case. A key that is empty matches nothing. Pure Python: the patients app stores the keys on each
patient and asks the database for equal ones.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum

# Phone numbers are compared on their last digits: "+1 555 010 0199" and "(555) 010-0199" are
# the same line. Fewer digits than PHONE_MIN_DIGITS is not a number to compare (an extension).
PHONE_DIGITS = 10
PHONE_MIN_DIGITS = 7


def _plain(text: str) -> str:
    """Case-folded, accents removed (NFKD, combining marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(family_name: str, given_name: str) -> str:
    """The family and given names without case, accents, spaces or punctuation, family first."""
    family = "".join(ch for ch in _plain(family_name) if ch.isalnum())
    given = "".join(ch for ch in _plain(given_name) if ch.isalnum())
    return f"{family}|{given}" if family and given else ""


def phone_key(phone: str) -> str:
    """The last ``PHONE_DIGITS`` digits of a phone number, or "" with fewer than
    ``PHONE_MIN_DIGITS``."""
    digits = "".join(ch for ch in phone if ch.isascii() and ch.isdigit())
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_MIN_DIGITS else ""


def email_key(email: str) -> str:
    return email.strip().casefold()


class Match(Enum):
    NAME_AND_BIRTH_DATE = "name_and_birth_date"
    PHONE = "phone"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return _MATCH_LABELS[self]


_MATCH_LABELS = {
    Match.NAME_AND_BIRTH_DATE: "same name and date of birth",
    Match.PHONE: "same phone number",
    Match.EMAIL: "same e-mail address",
}


@dataclass(frozen=True)
class IdentityKeys:
    """The keys of one person's record (``birth_date`` as an ISO date string or any comparable
    value)."""

    name: str
    birth_date: object
    phone: str
    email: str


def keys_of(
    *, family_name: str, given_name: str, birth_date: object, phone: str, email: str
) -> IdentityKeys:
    return IdentityKeys(
        name=name_key(family_name, given_name),
        birth_date=birth_date,
        phone=phone_key(phone),
        email=email_key(email),
    )


def matches(new: IdentityKeys, existing: IdentityKeys) -> list[Match]:
    """Why ``existing`` is likely the same person as ``new``, in a fixed order (none: not)."""
    found = []
    if new.name and new.name == existing.name and new.birth_date == existing.birth_date:
        found.append(Match.NAME_AND_BIRTH_DATE)
    if new.phone and new.phone == existing.phone:
        found.append(Match.PHONE)
    if new.email and new.email == existing.email:
        found.append(Match.EMAIL)
    return found
