"""The arithmetic of money, pure (no Django): amounts in cents, what a payment still has to refund,
the pro-rata value of a prepaid package's unused sessions, and a day's takings totals.

Every amount is a ``Decimal`` with two places in a currency named by its ISO 4217 code; nothing
here rounds silently: an amount with more than two decimals is refused, and the one division (a
package's price over its sessions) rounds half up to the cent, stated below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest single payment or refund: a sanity bound against a mistyped amount (a whole course
# of infusions costs a small fraction of it), not a clinical or regulatory figure.
MAX_AMOUNT = Decimal("100000.00")
# What the columns hold (12 digits, 2 decimals).
AMOUNT_DIGITS = 12
# ISO 4217 codes a clinic may keep its books in. A clinic setting (default USD); the list is the
# currencies with two minor-unit digits that the project's users are expected to use.
CURRENCIES = ("USD", "CAD", "EUR", "GBP", "AUD", "NZD", "CHF")
DEFAULT_CURRENCY = "USD"


class AmountError(ValueError):
    """An amount that cannot be taken, with the message to show on its field."""


def parse_amount(value: object, *, limit: Decimal = MAX_AMOUNT) -> Decimal:
    """``value`` as a Decimal with two places, more than 0 and at most ``limit``; else
    AmountError with the message naming the allowed range."""
    if isinstance(value, bool):
        raise AmountError("Enter an amount such as 120.00.")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise AmountError("Enter an amount such as 120.00.") from None
    if not amount.is_finite():
        raise AmountError("Enter an amount such as 120.00.")
    if amount <= 0:
        raise AmountError("Must be more than 0.00.")
    if amount > limit:
        raise AmountError(f"Must be at most {limit:,.2f}.")
    if amount != amount.quantize(CENT):
        raise AmountError("At most 2 decimals (whole cents).")
    return amount.quantize(CENT)


def cents(total: Decimal | float | int | None) -> Decimal:
    """A database sum back on the cent grid: SQLite adds decimal columns as binary floating
    point, and every stored amount has two places, so rounding the sum to cents is exact."""
    if total is None:
        return ZERO
    return Decimal(str(total)).quantize(CENT, rounding=ROUND_HALF_UP)


def refundable(paid: Decimal, given_back: Iterable[Decimal]) -> Decimal:
    """What a payment of ``paid`` still has to refund after the refunds and voids ``given_back``
    (each a positive amount); never below 0."""
    left = paid - sum(given_back, ZERO)
    return max(left, ZERO)


def package_units_value(price: Decimal, sessions: int, units: int) -> Decimal:
    """The value of ``units`` of a package of ``sessions`` sessions bought for ``price``: the
    price times units over sessions, rounded half up to the cent; all the sessions are worth
    exactly the price."""
    if sessions <= 0 or not 0 <= units <= sessions:
        raise ValueError(f"units must be 0..{sessions} of a package of {sessions}")
    if units == sessions:
        return price
    return (price * units / sessions).quantize(CENT, rounding=ROUND_HALF_UP)


def package_refund_amount(price: Decimal, sessions: int, used: int) -> Decimal:
    """The pro-rata refund of a package's unused sessions: the price less the value of the
    sessions used (so used value + refund = price to the cent)."""
    return price - package_units_value(price, sessions, used)


def day_bounds(day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The start of ``day`` and of the next day in ``zone`` (a day of 23 or 25 hours when the
    clocks change), as aware datetimes: the half-open interval of the day's takings."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


@dataclass(frozen=True)
class Line:
    """One ledger entry as the takings report counts it: ``net`` is positive for a payment and
    negative for a refund or a void."""

    method: str
    currency: str
    net: Decimal


@dataclass(frozen=True)
class Total:
    method: str
    currency: str
    received: Decimal  # the payments
    given_back: Decimal  # the refunds and voids, as a positive amount
    count: int

    @property
    def net(self) -> Decimal:
        return self.received - self.given_back


def totals(lines: Iterable[Line]) -> tuple[list[Total], dict[str, Decimal]]:
    """Totals by method and currency (sorted by currency, then method) and the net per currency.
    Amounts in different currencies are never added together."""
    received: dict[tuple[str, str], Decimal] = {}
    given_back: dict[tuple[str, str], Decimal] = {}
    counts: dict[tuple[str, str], int] = {}
    for line in lines:
        key = (line.currency, line.method)
        counts[key] = counts.get(key, 0) + 1
        if line.net >= 0:
            received[key] = received.get(key, ZERO) + line.net
        else:
            given_back[key] = given_back.get(key, ZERO) - line.net
    rows = [
        Total(
            method=method,
            currency=currency,
            received=received.get((currency, method), ZERO),
            given_back=given_back.get((currency, method), ZERO),
            count=counts[(currency, method)],
        )
        for currency, method in sorted(counts)
    ]
    net: dict[str, Decimal] = {}
    for row in rows:
        net[row.currency] = net.get(row.currency, ZERO) + row.net
    return rows, net
