"""Template filters for showing stored codes as words, and the one way a page shows a source."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action

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
