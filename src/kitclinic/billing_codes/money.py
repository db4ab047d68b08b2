"""Money for bills: Decimal amounts to the cent with an ISO 4217 currency; never a float.

A line is a code, its units and the unit price; its amount is units x unit price, and a total adds
lines of one currency only (adding dollars to euros is refused, not converted).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

CENT: Final = Decimal("0.01")
MAX_PRICE: Final = Decimal("1000000.00")  # a unit price beyond this is a typing slip
CURRENCY_PATTERN: Final = re.compile(r"[A-Z]{3}")


class MoneyError(ValueError):
    """An amount or currency that is refused; ``field`` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_currency(value: str, *, field: str = "currency") -> str:
    """An ISO 4217 alphabetic code (three capital letters, e.g. ``USD``)."""
    if not isinstance(value, str) or not CURRENCY_PATTERN.fullmatch(value):
        raise MoneyError(field, f"must be an ISO 4217 code of three capital letters, got {value!r}")
    return value


def parse_price(value: Decimal | int | str, *, field: str = "unit_price") -> Decimal:
    """A price from 0.00 to 1,000,000.00 with at most two decimals (cents), as a Decimal."""
    if isinstance(value, (bool, float)):
        raise MoneyError(field, f"a decimal amount is required (not {type(value).__name__})")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise MoneyError(field, f"must be an amount such as 150.00, got {value!r}") from None
    if not amount.is_finite():
        raise MoneyError(field, f"must be an amount such as 150.00, got {value!r}")
    if amount < 0 or amount > MAX_PRICE:
        raise MoneyError(field, f"must be between 0.00 and {MAX_PRICE:,}, got {value}")
    if amount != amount.quantize(CENT):
        raise MoneyError(field, f"at most two decimals (cents), got {value}")
    return amount.quantize(CENT)


@dataclass(frozen=True)
class Line:
    """A billed line: ``units`` of ``code`` at ``unit_price`` in ``currency``."""

    code: str
    units: int
    unit_price: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.units, bool) or not isinstance(self.units, int) or self.units < 1:
            raise MoneyError("units", f"a whole number of at least 1 is required, {self.units!r}")
        parse_price(self.unit_price)
        parse_currency(self.currency)

    @property
    def amount(self) -> Decimal:
        return line_amount(self.units, self.unit_price)


def line_amount(units: int, unit_price: Decimal) -> Decimal:
    """``units`` x ``unit_price``, to the cent."""
    return (unit_price * units).quantize(CENT)


def lines_total(lines: Iterable[Line], *, currency: str) -> Decimal:
    """The sum of the lines' amounts; every line must be in ``currency``."""
    parse_currency(currency)
    total = Decimal("0.00")
    for line in lines:
        if line.currency != currency:
            raise MoneyError(
                "currency", f"a {line.code} line is in {line.currency}, the total in {currency}"
            )
        total += line.amount
    return total.quantize(CENT)
