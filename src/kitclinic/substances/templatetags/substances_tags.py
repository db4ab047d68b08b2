"""Template filters of the controlled-substance pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain(value: Decimal | None) -> str:
    """A Decimal without trailing zeros or exponent: 50.000 → "50", 12.500 → "12.5"."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return "0" if text in ("-0", "0") else text


@register.filter
def signed(value: Decimal | None) -> str:
    """Like ``plain``, with a "+" in front of positive values."""
    if value is None:
        return ""
    return ("+" if value > 0 else "") + plain(value)


@register.filter
def actor_may(actor: object, action: str) -> bool:
    """``{% if actor|actor_may:"substance_log.view" %}``: whether the acting role may do it."""
    from kitclinic.accounts.roles import Action

    return bool(actor) and actor.may(Action(action))  # type: ignore[attr-defined]
