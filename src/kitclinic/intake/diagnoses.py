"""Which ICD-10-CM diagnoses qualify a patient for an indication: versioned code lists.

A code list names, for one indication, the ICD-10-CM codes, categories or ranges that qualify,
each with its source. A patient's diagnosis qualifies when it falls under an entry by the
ICD-10-CM hierarchy: codes are fixed-position, so a code lies under a header when its characters
(without the dot) start with the header's (``F43.1`` covers ``F43.10``, ``F43.11``, ``F43.12``),
and a range ``F32-F33`` covers every code whose leading characters lie between the two ends
(``F32.0`` … ``F33.9``).

The default lists (version 1) follow kitclinic's indication scope ([kitclinic-workflow]:
TRD, PTSD, anxiety and chronic pain) and the ICD-10-CM tabular list; a clinic organization may
publish its own version, and every eligibility decision records the version it used.
Pure Python: no Django import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from kitclinic.intake.eligibility import Indication

__all__ = [
    "DEFAULT_CODE_LISTS",
    "DEFAULT_CODE_LIST_VERSION",
    "ICD10CM_CODE_PATTERN",
    "MAX_CODE_LIST_ENTRIES",
    "CodeList",
    "CodeListEntry",
    "DiagnosisCode",
    "build_code_list",
    "icd10cm_compact",
    "normalize_icd10cm",
]

# ICD-10-CM shape (CMS/NCHS tabular list conventions): 3 to 7 characters; the first a letter,
# the second a digit, the rest letters or digits; a dot after the third when there are more.
ICD10CM_CODE_PATTERN: Final[re.Pattern[str]] = re.compile(
    r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$"
)
_RANGE_SEPARATORS: Final[tuple[str, ...]] = ("–", "—", "-")
DEFAULT_CODE_LIST_VERSION: Final[int] = 1
MAX_CODE_LIST_ENTRIES: Final[int] = 200
_MAX_TEXT: Final[int] = 300


def normalize_icd10cm(code: str) -> str:
    """The canonical form of an ICD-10-CM code or header: upper case, no spaces, a dot after the
    third character when there are more (``f4310`` and `` F43.10 `` give ``F43.10``).

    The dot is optional on input but, when present, must follow the category (third character).
    Raises ValueError naming the code when it is not shaped like an ICD-10-CM code.
    """
    if not isinstance(code, str):
        raise ValueError(f"an ICD-10-CM code must be text, got {code!r}")
    cleaned = code.strip().upper().replace(" ", "")
    if not ICD10CM_CODE_PATTERN.match(cleaned):
        raise ValueError(
            f"{code.strip() or '(empty)'!r} is not an ICD-10-CM code: expected a letter, a digit, "
            "a letter or digit, then optionally a dot and 1–4 letters or digits "
            "(for example F32.9, F43.10 or G90.50)"
        )
    compact = cleaned.replace(".", "")
    return compact if len(compact) == 3 else f"{compact[:3]}.{compact[3:]}"


def icd10cm_compact(code: str) -> str:
    """The code's characters without the dot (``F43.10`` → ``F4310``): the hierarchy key."""
    return normalize_icd10cm(code).replace(".", "")


@dataclass(frozen=True)
class DiagnosisCode:
    """A diagnosis on file: its ICD-10-CM code (any accepted spelling) and description."""

    code: str
    description: str = ""

    def __post_init__(self) -> None:
        # Frozen dataclass: normalisation has to bypass __setattr__.
        object.__setattr__(self, "code", normalize_icd10cm(self.code))
        if not isinstance(self.description, str):
            raise ValueError(f"description must be text, got {self.description!r}")

    @property
    def text(self) -> str:
        return f"{self.code} ({self.description})" if self.description else self.code


@dataclass(frozen=True)
class CodeListEntry:
    """One qualifying code, header or range, with what it is and where it comes from.

    ``first`` and ``last`` are canonical codes of the same length and chapter letter; they are
    equal for a single code or header. Build entries with ``CodeListEntry.parse``.
    """

    first: str
    last: str
    label: str
    source: str

    @classmethod
    def parse(cls, code: str, *, label: str = "", source: str) -> CodeListEntry:
        """``code`` is a code or header (``F43.1``) or a range of two (``F32-F33``, en dash
        accepted). ValueError names what is wrong."""
        if not isinstance(code, str):
            raise ValueError(f"code must be text, got {code!r}")
        text = code.strip()
        ends = [text]
        for separator in _RANGE_SEPARATORS:
            if separator in text:
                ends = [part.strip() for part in text.split(separator)]
                break
        if len(ends) > 2:
            raise ValueError(f"{text!r}: a range has exactly two ends, like F32-F33")
        first = normalize_icd10cm(ends[0])
        last = normalize_icd10cm(ends[-1])
        if len(first) != len(last):
            raise ValueError(
                f"{text!r}: both ends of a range must be at the same level of the hierarchy "
                "(F32-F33 or G90.50-G90.59, not F32-F33.9)"
            )
        if first[0] != last[0]:
            raise ValueError(f"{text!r}: a range must stay within one chapter letter")
        if first > last:
            raise ValueError(f"{text!r}: the range's first code comes after its last")
        if not isinstance(label, str) or len(label.strip()) > _MAX_TEXT:
            raise ValueError(f"{text!r}: the label must be text of at most {_MAX_TEXT} characters")
        if not isinstance(source, str) or not source.strip():
            raise ValueError(f"{text!r}: give the source of this entry")
        if len(source.strip()) > _MAX_TEXT:
            raise ValueError(f"{text!r}: the source must be at most {_MAX_TEXT} characters")
        return cls(first=first, last=last, label=label.strip(), source=source.strip())

    @property
    def code(self) -> str:
        """The entry as written back: ``F43.1`` or ``F32-F33``."""
        return self.first if self.first == self.last else f"{self.first}-{self.last}"

    @property
    def text(self) -> str:
        return f"{self.code} {self.label}" if self.label else self.code

    def covers(self, code: str) -> bool:
        """True when ``code`` (any accepted spelling) lies under this entry in the hierarchy.

        A code less specific than the entry (``F43`` against ``F43.1``) is not covered: the
        category F43 also holds conditions that are not PTSD."""
        compact = icd10cm_compact(code)
        low, high = self.first.replace(".", ""), self.last.replace(".", "")
        if len(compact) < len(low):
            return False
        head = compact[: len(low)]
        return low <= head <= high

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label, "source": self.source}


@dataclass(frozen=True)
class CodeList:
    """The codes that qualify for ``indication``, as version ``version``. Build with
    ``build_code_list``; ``entries`` is never empty."""

    indication: Indication
    version: int
    entries: tuple[CodeListEntry, ...]

    @property
    def codes_text(self) -> str:
        return ", ".join(entry.code for entry in self.entries)

    def entry_for(self, code: str) -> CodeListEntry | None:
        """The first entry covering ``code``, or None."""
        for entry in self.entries:
            if entry.covers(code):
                return entry
        return None

    def qualifying(
        self, diagnoses: Iterable[DiagnosisCode]
    ) -> tuple[DiagnosisCode, CodeListEntry] | None:
        """The first diagnosis (in the order given, so primary first when the caller orders
        them so) that an entry covers, with that entry; None when none qualifies."""
        for diagnosis in diagnoses:
            entry = self.entry_for(diagnosis.code)
            if entry is not None:
                return diagnosis, entry
        return None

    def as_json(self) -> list[dict[str, str]]:
        return [entry.as_json() for entry in self.entries]


def build_code_list(
    indication: Indication | str,
    *,
    version: int,
    entries: Iterable[CodeListEntry | Mapping[str, Any]],
) -> CodeList:
    """A validated code list. ``entries`` are ``CodeListEntry`` objects or mappings with
    ``code``, ``source`` and optionally ``label``.

    Raises ValueError listing every problem, each naming its entry (1-based): an unknown
    indication, a version below 1, no entries or more than ``MAX_CODE_LIST_ENTRIES``, a
    malformed code or range, a missing source, an unknown key, or the same code twice.
    """
    try:
        indication = Indication(indication)
    except ValueError:
        allowed = ", ".join(i.value for i in Indication)
        raise ValueError(f"unknown indication {indication!r}; allowed: {allowed}") from None
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"version must be a whole number >= 1, got {version!r}")
    if isinstance(entries, str | bytes | Mapping):
        raise ValueError("entries must be a list of entries, each with a code and a source")
    try:
        raw_entries = list(entries)
    except TypeError:
        raise ValueError(
            "entries must be a list of entries, each with a code and a source"
        ) from None
    if not raw_entries:
        raise ValueError("a code list needs at least one entry")
    if len(raw_entries) > MAX_CODE_LIST_ENTRIES:
        raise ValueError(
            f"a code list has at most {MAX_CODE_LIST_ENTRIES} entries, got {len(raw_entries)}"
        )
    parsed: list[CodeListEntry] = []
    problems: list[str] = []
    for number, raw in enumerate(raw_entries, start=1):
        try:
            parsed.append(_entry(raw))
        except ValueError as exc:
            problems.append(f"entry {number}: {exc}")
    seen: set[str] = set()
    for entry in parsed:
        if entry.code in seen:
            problems.append(f"{entry.code} is listed twice")
        seen.add(entry.code)
    if problems:
        raise ValueError("; ".join(problems))
    return CodeList(indication=indication, version=version, entries=tuple(parsed))


def _entry(raw: CodeListEntry | Mapping[str, Any]) -> CodeListEntry:
    if isinstance(raw, CodeListEntry):
        return CodeListEntry.parse(raw.code, label=raw.label, source=raw.source)
    if not isinstance(raw, Mapping):
        raise ValueError(f"expected an object with code, label and source, got {raw!r}")
    unknown = sorted(str(key) for key in raw if key not in {"code", "label", "source"})
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; allowed: code, label, source")
    if "code" not in raw:
        raise ValueError("give the code (e.g. F43.1 or F32-F33)")
    # a missing source is refused by parse, as an empty one is
    return CodeListEntry.parse(
        raw["code"], label=raw.get("label", ""), source=raw.get("source", "")
    )


# --- The default lists (version 1) -------------------------------------------------------------
# Codes and titles: ICD-10-CM tabular list, FY2026 (CMS and CDC NCHS). The indications are the
# scope of [kitclinic-workflow] (TRD, PTSD, anxiety, chronic pain); the codes kitclinic records
# for them are those of [icd-10-cm]. A clinic narrows or widens a list by publishing its
# own version (kitclinic.patients.services.indication_code_list_publish).

_ICD10CM: Final[str] = (
    "ICD-10-CM FY2026 tabular list (CMS https://www.cms.gov/medicare/coding-billing/icd-10-codes; "
    "CDC NCHS https://www.cdc.gov/nchs/icd/icd-10-cm/)"
)


def _default(indication: Indication, rows: Iterable[tuple[str, str, str]]) -> CodeList:
    return build_code_list(
        indication,
        version=DEFAULT_CODE_LIST_VERSION,
        entries=[
            {"code": code, "label": label, "source": f"{_ICD10CM}; {why}"}
            for code, label, why in rows
        ],
    )


_SCOPE: Final[str] = "kitclinic indication scope"

DEFAULT_CODE_LISTS: Final[Mapping[Indication, CodeList]] = MappingProxyType(
    {
        Indication.DEPRESSION: _default(
            Indication.DEPRESSION,
            [
                (
                    "F32-F33",
                    "Depressive episode (F32); major depressive disorder, recurrent (F33)",
                    # ICD-10-CM has no code for treatment resistance: the episode is coded and
                    # TRD is the separate trial-history rule ([icd-10-cm], [trd-definition]).
                    f"{_SCOPE}: treatment-resistant depression",
                ),
            ],
        ),
        Indication.PTSD: _default(
            Indication.PTSD,
            [
                (
                    "F43.1",
                    "Post-traumatic stress disorder (F43.10 unspecified, F43.11 acute, "
                    "F43.12 chronic)",
                    f"{_SCOPE}: PTSD",
                )
            ],
        ),
        Indication.ANXIETY: _default(
            Indication.ANXIETY,
            [
                (
                    "F40-F41",
                    "Phobic anxiety disorders (F40); other anxiety disorders (F41)",
                    f"{_SCOPE}: anxiety",
                )
            ],
        ),
        # The G89 family without G89.1 (acute pain, not elsewhere classified): acute pain does
        # not qualify for the chronic-pain indication.
        Indication.CHRONIC_PAIN: _default(
            Indication.CHRONIC_PAIN,
            [
                ("G89.0", "Central pain syndrome", f"{_SCOPE}: chronic pain"),
                (
                    "G89.2",
                    "Chronic pain, not elsewhere classified (G89.21, G89.22, G89.28, G89.29)",
                    f"{_SCOPE}: chronic pain",
                ),
                ("G89.3", "Neoplasm related pain (acute) (chronic)", f"{_SCOPE}: chronic pain"),
                ("G89.4", "Chronic pain syndrome", f"{_SCOPE}: chronic pain"),
                ("M79.7", "Fibromyalgia", f"{_SCOPE}: chronic pain"),
                (
                    "G90.5",
                    "Complex regional pain syndrome I (G90.50–G90.59)",
                    f"{_SCOPE}: chronic pain",
                ),
            ],
        ),
    }
)
