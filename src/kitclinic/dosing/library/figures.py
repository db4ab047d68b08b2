"""How a figure of a drug library is written in its stored dict form: a value with its source,
either a reference (a source key and citation) or a clinic setting (with the reason it is one)."""

from __future__ import annotations

from typing import Any


def ref(value: str, section: str, citation: str, note: str = "") -> dict[str, Any]:
    source = {"kind": "reference", "section": section, "citation": citation}
    if note:
        source["reason"] = note
    return {"value": value, "source": source}


def setting(value: str, reason: str, derived_from: str = "") -> dict[str, Any]:
    source = {"kind": "clinic_setting", "reason": reason}
    if derived_from:
        source["section"] = derived_from
    return {"value": value, "source": source}
