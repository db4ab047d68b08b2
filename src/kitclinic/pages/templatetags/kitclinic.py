"""Template filters for showing stored codes as words, and the one way a page shows a source."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import ROLE_LABELS, Action, Role

register = template.Library()

# Codes whose words are not their capitalized spelling.
_WORDS = {
    "ptsd": "PTSD",
    "ect": "ECT",
    "tms": "TMS",
    "ssri": "SSRI",
    "snri": "SNRI",
    "tca": "TCA",
    "maoi": "MAOI",
}


@register.filter
def humanize_code(value: object) -> str:
    """``not_eligible`` -> ``Not eligible``, ``chronic_pain`` -> ``Chronic pain``, ``ptsd`` -> ``PTSD``."""
    text = str(value or "")
    if text in _WORDS:
        return _WORDS[text]
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_SOURCE_KEYS = re.compile(r"\[([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\]")


@register.filter
def plain_value(value: object) -> object:
    """A stored value as a reader sees it: codes (``partial_response``), alone or inside a list
    or a mapping, in words; None stays None (for ``default_if_none``)."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(plain_value(v)) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{humanize_code(k)}: {plain_value(v)}" for k, v in value.items())
    if isinstance(value, str):
        return _CODE.sub(lambda m: humanize_code(m.group(0)).lower(), value)
    return value


@register.filter
def field_labels(names: Iterable[object]) -> str:
    """Stored field names in words (``administered_at`` -> ``Administered at``), comma-joined."""
    return ", ".join(humanize_code(n) for n in names)


@register.filter
def role_label(value: object) -> str:
    """A role code (``front_desk``) as its label (``Front desk``); empty stays empty."""
    try:
        return str(ROLE_LABELS[Role(str(value))])
    except ValueError:
        return humanize_code(value)


@register.filter
def may(actor: object, action: str) -> bool:
    """``{% if actor|may:"outcomes.view" %}``: whether the acting role may do the action (no
    actor, as on the log-in page, may do nothing)."""
    return isinstance(actor, Actor) and actor.may(Action(action))


@register.simple_tag
def source(citation: object, label: str = "Source") -> SafeString | str:
    """A citation one click away, not in the running text: a collapsed "Source" (``label``)
    that opens on the citation. Nothing when there is no citation."""
    text = str(citation or "").strip()
    if not text:
        return ""
    return format_html(
        '<details class="source"><summary>{}</summary><span class="small">{}</span></details>',
        label,
        text,
    )


@register.simple_tag
def cited(text: object) -> SafeString | str:
    """``text`` with its source keys (``[riva-posse-2018]``) taken out of the running text and
    put one click away (:func:`source`)."""
    raw = str(text or "")
    keys = _SOURCE_KEYS.findall(raw)
    plain = _SOURCE_KEYS.sub("", raw)
    plain = re.sub(r"\((?:\s*(?:see|cf\.?)?\s*[;,]?)*\s*\)", "", plain)  # emptied brackets
    plain = re.sub(r"\s+(?=[.,;)])", "", plain)
    plain = re.sub(r"\s{2,}", " ", plain).strip()
    if not keys:
        return plain
    return format_html("{} {}", plain, source(", ".join(keys), "Sources"))
