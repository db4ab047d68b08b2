"""Numbers and units as ISMP wants them written ([kitclinic-dose-rules] U1).

Leading zero (0.5 mg/kg, never .5), no trailing zero (35 mg, never 35.0), a space before the unit,
"mL" not "cc", "mcg" not "µg".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def format_number(value: Decimal, places: int = 3) -> str:
    """``value`` rounded to at most ``places`` decimals, without trailing zeros or exponent."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded.normalize():f}"
    # Decimal("-0") normalises to "-0"
    return "0" if text in {"-0", "0"} else text


def format_quantity(value: Decimal, unit: str, places: int = 3) -> str:
    return f"{format_number(value, places)} {unit}"


def format_percent(fraction: Decimal) -> str:
    return f"{format_number(fraction * 100, 1)}%"
