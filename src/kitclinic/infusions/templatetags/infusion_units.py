"""``num``: a documented amount as ISMP wants it written (0.5, 35, 52.5: no trailing zero)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from kitclinic.dosing.units import format_number

register = template.Library()


@register.filter
def num(value: object, places: int = 3) -> str:
    if value is None or value == "":
        return ""
    try:
        return format_number(Decimal(str(value)), int(places))
    except (InvalidOperation, ValueError):
        return str(value)
