"""Formatting for outcome figures: a rate with its Wilson interval, numbers or a dash."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def _pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{100 * x:.{digits}f}%"


@register.filter
def pct(p: Any) -> str:
    """A Proportion's estimate as a percentage (``—`` when N = 0)."""
    return _pct(getattr(p, "estimate", None))


@register.filter
def ci_text(p: Any) -> str:
    if p is None or getattr(p, "lower", None) is None:
        return "—"
    return f"{_pct(p.lower)} to {_pct(p.upper)}"


@register.filter
def num(x: Any, digits: int = 1) -> str:
    if x is None:
        return "—"
    return f"{float(x):.{int(digits)}f}"
