"""The allergy list: the words the database stores and the one rule that ties it to the
contraindication screen.

The categories, criticality and statuses are the value sets of HL7 FHIR R4 AllergyIntolerance
([fhir-r4]), so a record goes out and comes back in without translation. A list
entry is never deleted: it is resolved, made inactive, or marked entered in error (final), each
with its reason.

The rule: while an active allergy to ketamine is on file, a contraindication screen may not answer
"no hypersensitivity to ketamine" (``hypersensitivity_ketamine``). Ketamine is recognised by the
word in the substance's name, which also covers esketamine; not by an RxNorm code, while the
ingredient code is still being confirmed ([rxnorm]).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "KETAMINE_SCREEN_ITEM",
    "AllergyCategory",
    "AllergyCriticality",
    "AllergyStatus",
    "is_ketamine",
    "screen_answer_problem",
    "status_change_problem",
]

KETAMINE_SCREEN_ITEM: Final[str] = "hypersensitivity_ketamine"


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


class AllergyCategory(_Labelled):
    """FHIR ``allergy-intolerance-category``; stored, never rename."""

    MEDICATION = "medication"
    FOOD = "food"
    ENVIRONMENT = "environment"
    BIOLOGIC = "biologic"


class AllergyCriticality(_Labelled):
    """FHIR ``allergy-intolerance-criticality``; stored, never rename."""

    LOW = "low"
    HIGH = "high"
    UNABLE_TO_ASSESS = "unable-to-assess"


class AllergyStatus(_Labelled):
    """Where an entry stands. ``active``/``inactive``/``resolved`` are FHIR's clinical status;
    ``entered-in-error`` is FHIR's verification status of the same name (the entry was never
    true; it stays on file, struck through, and cannot change again)."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    RESOLVED = "resolved"
    ENTERED_IN_ERROR = "entered-in-error"


def is_ketamine(substance: str) -> bool:
    """True for an allergy to ketamine (or esketamine), recognised by the word in its name."""
    return "ketamine" in substance.casefold()


def status_change_problem(current: AllergyStatus, new: AllergyStatus, reason: str) -> str | None:
    """Why an entry may not move from ``current`` to ``new``, in words; None when it may."""
    if current is AllergyStatus.ENTERED_IN_ERROR:
        return "An entry marked entered in error is final; record a new allergy instead."
    if new is current:
        return f"The allergy is already {current.label.lower()}."
    if not reason.strip():
        return "Give the reason for the change."
    return None


def screen_answer_problem(active_substances: list[str], answers: dict[str, bool]) -> str | None:
    """Why a contraindication screen's answers contradict the active allergy list; None if they
    do not. The screen may not say "no hypersensitivity to ketamine" while an active allergy to
    ketamine is on file."""
    ketamine = [s for s in active_substances if is_ketamine(s)]
    if ketamine and answers.get(KETAMINE_SCREEN_ITEM) is False:
        return (
            f"An active allergy to {ketamine[0]} is on the allergy list: answer 'present' for "
            "hypersensitivity to ketamine, or first resolve that allergy or mark it entered in "
            "error."
        )
    return None
