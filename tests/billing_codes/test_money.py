"""Money: Decimal to the cent, ISO 4217 currencies, no floats, one currency per total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.billing_codes import Line, MoneyError, lines_total, parse_currency, parse_price


def test_a_line_is_units_times_unit_price():
    line = Line("96366", 2, Decimal("125.50"), "USD")
    assert line.amount == Decimal("251.00")
    assert str(line.amount) == "251.00"


def test_a_total_adds_lines_of_one_currency():
    lines = [Line("96365", 1, Decimal("450.00"), "USD"), Line("96366", 2, Decimal("99.99"), "USD")]
    assert lines_total(lines, currency="USD") == Decimal("649.98")
    assert lines_total([], currency="USD") == Decimal("0.00")


def test_a_total_refuses_a_second_currency():
    lines = [Line("96365", 1, Decimal("450.00"), "USD"), Line("96366", 1, Decimal("1"), "EUR")]
    with pytest.raises(MoneyError, match="EUR"):
        lines_total(lines, currency="USD")


@pytest.mark.parametrize("bad", ["usd", "US", "USDD", "", "12A", None])
def test_currency_is_three_capital_letters(bad):
    with pytest.raises(MoneyError) as caught:
        parse_currency(bad)
    assert caught.value.field == "currency"


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("1.005", "two decimals"),
        ("-1", "between"),
        ("1000000.01", "between"),
        ("1e400", "between"),
        ("nan", "amount such as"),
        ("Infinity", "amount such as"),
        ("abc", "amount such as"),
        (1.5, "decimal amount"),
        (True, "decimal amount"),
    ],
)
def test_bad_prices_are_refused_naming_the_field(bad, words):
    with pytest.raises(MoneyError) as caught:
        parse_price(bad)
    assert caught.value.field == "unit_price"
    assert words in caught.value.message


def test_prices_come_back_to_the_cent():
    assert str(parse_price("450")) == "450.00"
    assert str(parse_price(" 99.9 ")) == "99.90"


@pytest.mark.parametrize("units", [0, -1, True, 1.0])
def test_a_line_needs_whole_positive_units(units):
    with pytest.raises(MoneyError):
        Line("96365", units, Decimal("1.00"), "USD")


@given(
    st.integers(1, 50),
    st.decimals(min_value=0, max_value=10000, places=2, allow_nan=False, allow_infinity=False),
)
def test_line_amount_is_exact(units, price):
    line = Line("96366", units, price, "USD")
    assert line.amount == price * units
    assert line.amount.as_tuple().exponent == -2
