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
