"""The one error type of the PK engine: an input that cannot describe a real patient or dose."""

from __future__ import annotations

import math


class PharmacologyInputError(ValueError):
    """An impossible input (weight <= 0, negative age or time, NaN ...).

    ``field`` names the offending input (``weight_kg``, ``times_min`` ...) so that a form or a
    command line can point at it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field


def require_finite(field: str, value: float) -> float:
    """Return ``value`` as a float, or raise if it is NaN, infinite or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PharmacologyInputError(field, f"must be a number (got {value!r})") from None
    if not math.isfinite(number):
        raise PharmacologyInputError(field, f"must be a finite number (got {value!r})")
    return number


def require_positive(field: str, value: float) -> float:
    """Return ``value`` as a float, or raise unless it is finite and > 0."""
    number = require_finite(field, value)
    if number <= 0:
        raise PharmacologyInputError(field, f"must be > 0 (got {number:g})")
    return number


def require_non_negative(field: str, value: float) -> float:
    """Return ``value`` as a float, or raise unless it is finite and >= 0."""
    number = require_finite(field, value)
    if number < 0:
        raise PharmacologyInputError(field, f"must be >= 0 (got {number:g})")
    return number
