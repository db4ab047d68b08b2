"""The contraindication screen as data, and the clinic's grouping of it for eligibility.

Sources: each item names its own ([cohen-2018], [esketamine-label-summary], [osmind-intake-guide],
[psyon-exclusions]); the default grouping is the one in [kitclinic-workflow], which is a clinic
setting, not a guideline. A clinic may move items between the two groups; the grouping carries a
version string and every eligibility decision records it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

__all__ = [
    "CATALOGUE",
    "CATALOGUE_BY_CODE",
    "DEFAULT_CONTRAINDICATION_LIST_VERSION",
    "DEFAULT_GROUPING",
    "ContraindicationGroup",
    "ContraindicationGrouping",
    "ContraindicationItem",
    "build_grouping",
]


class ContraindicationGroup(StrEnum):
    """What a present item does to the eligibility decision. Values are stored."""

    NOT_ELIGIBLE = "not_eligible"
    NEEDS_REVIEW = "needs_review"

    @property
    def label(self) -> str:
        return {
            ContraindicationGroup.NOT_ELIGIBLE: "Not eligible",
            ContraindicationGroup.NEEDS_REVIEW: "Needs physician review",
        }[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


@dataclass(frozen=True)
class ContraindicationItem:
    """One screen question. ``code`` is stored with every screen answer; never rename it."""

    code: str
    label: str
    default_group: ContraindicationGroup
    source: str


_COHEN_2018: Final[str] = (
    "Cohen et al., Reg Anesth Pain Med 2018;43(5):521–546, relative contraindications "
    "(https://www.guidelinecentral.com/guideline/8150/) [P]"
)
_ESKETAMINE_LABEL: Final[str] = (
    "Esketamine label contraindications, used as a model "
    "(https://www.usmedicine.com/2021online-dir/inc/html/30.html) [S]"
)
_OSMIND: Final[str] = (
    "Osmind intake guide (https://osmind.org/blog/iv-ketamine-intake-documentation-guide) [S]"
)
_PSYON: Final[str] = (
    "Example clinic exclusion list (https://www.psyon.cz/en/faq/exclusion-criteria/) [C]"
)

_NE = ContraindicationGroup.NOT_ELIGIBLE
_NR = ContraindicationGroup.NEEDS_REVIEW

# Order is the order the screen shows. Groups: the default grouping of [kitclinic-workflow].
CATALOGUE: Final[tuple[ContraindicationItem, ...]] = (
    ContraindicationItem(
        "hypersensitivity_ketamine",
        "Hypersensitivity to ketamine",
        _NE,
        _ESKETAMINE_LABEL,
    ),
    ContraindicationItem(
        "aneurysmal_vascular_disease_or_avm",
        "Aneurysmal vascular disease (aorta, intracranial or peripheral arteries) "
        "or arteriovenous malformation",
        _NE,
        _ESKETAMINE_LABEL,
    ),
    ContraindicationItem(
        "intracerebral_haemorrhage_history",
        "History of intracerebral haemorrhage",
        _NE,
        _ESKETAMINE_LABEL,
    ),
    ContraindicationItem("active_psychosis", "Active psychosis", _NE, _COHEN_2018),
    ContraindicationItem(
        "uncontrolled_cardiovascular_disease",
        "Uncontrolled hypertension or poorly controlled cardiovascular disease",
        _NR,
        _COHEN_2018,
    ),
    ContraindicationItem("pregnancy", "Pregnancy", _NR, _COHEN_2018),
    # Cohen 2018 separates severe hepatic disease (avoid) from moderate (caution); two items let a
    # clinic move only the severe one to "not eligible".
    ContraindicationItem(
        "hepatic_disease_severe", "Severe hepatic disease", _NR, _COHEN_2018 + "; avoid"
    ),
    ContraindicationItem(
        "hepatic_disease_moderate", "Moderate hepatic disease", _NR, _COHEN_2018 + "; caution"
    ),
    ContraindicationItem(
        "raised_intracranial_or_intraocular_pressure",
        "Raised intracranial or intraocular pressure",
        _NR,
        _COHEN_2018,
    ),
    ContraindicationItem(
        "substance_use_disorder",
        "Substance-use disorder or active substance abuse (incl. active addiction, "
        "<1 year abstinent)",
        _NR,
        f"{_COHEN_2018}; {_OSMIND}; {_PSYON}",
    ),
    ContraindicationItem(
        "bipolar_without_mood_stabilizer",
        "Bipolar disorder without a mood stabilizer",
        _NR,
        _OSMIND,
    ),
    ContraindicationItem(
        "psychosis_history",
        "Psychotic disorder or history of psychosis (incl. schizophrenia spectrum)",
        _NR,
        f"{_OSMIND}; {_PSYON}",
    ),
    ContraindicationItem(
        "psychosis_family_risk",
        "High psychosis risk (psychotic disorder in a first-degree relative)",
        _NR,
        _PSYON,
    ),
    ContraindicationItem("severe_personality_disorder", "Severe personality disorder", _NR, _PSYON),
)

CATALOGUE_BY_CODE: Final[Mapping[str, ContraindicationItem]] = MappingProxyType(
    {item.code: item for item in CATALOGUE}
)

# Bump whenever CATALOGUE or a default group changes: stored decisions name the list they used.
DEFAULT_CONTRAINDICATION_LIST_VERSION: Final[str] = "kitclinic-default-2026-11-27"


@dataclass(frozen=True)
class ContraindicationGrouping:
    """A complete assignment of every catalogue code to a group, with the version that names it.

    Build it with ``build_grouping``; ``groups`` is read-only and always covers every code.
    """

    version: str
    groups: Mapping[str, ContraindicationGroup]

    def group_of(self, code: str) -> ContraindicationGroup:
        try:
            return self.groups[code]
        except KeyError:
            raise ValueError(f"unknown contraindication code: {code!r}") from None


def build_grouping(
    overrides: Mapping[str, ContraindicationGroup | str] | None = None,
    *,
    version: str = DEFAULT_CONTRAINDICATION_LIST_VERSION,
) -> ContraindicationGrouping:
    """The default grouping with the clinic's ``overrides`` applied, under ``version``.

    ``overrides`` maps item codes to a group (enum member or its stored value). Unknown codes
    and unknown groups raise ValueError naming them. An override that actually changes a group
    must come with a version other than ``DEFAULT_CONTRAINDICATION_LIST_VERSION``: otherwise a
    decision would record the default list's version while using a different list.
    """
    overrides = dict(overrides or {})
    unknown = sorted(code for code in overrides if code not in CATALOGUE_BY_CODE)
    if unknown:
        raise ValueError(f"unknown contraindication code(s): {', '.join(unknown)}")
    if not isinstance(version, str) or not version.strip():
        raise ValueError("version must be a non-empty string")

    groups: dict[str, ContraindicationGroup] = {item.code: item.default_group for item in CATALOGUE}
    for code, group in overrides.items():
        try:
            groups[code] = ContraindicationGroup(group)
        except ValueError:
            allowed = ", ".join(g.value for g in ContraindicationGroup)
            raise ValueError(f"unknown group {group!r} for {code}; allowed: {allowed}") from None

    changed = any(groups[item.code] != item.default_group for item in CATALOGUE)
    if changed and version == DEFAULT_CONTRAINDICATION_LIST_VERSION:
        raise ValueError(
            "overrides change the default grouping; give them their own version string "
            f"instead of {DEFAULT_CONTRAINDICATION_LIST_VERSION!r}"
        )
    return ContraindicationGrouping(version=version, groups=MappingProxyType(groups))


DEFAULT_GROUPING: Final[ContraindicationGrouping] = build_grouping()
