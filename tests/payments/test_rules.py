"""The pure arithmetic of money (kitclinic.payments.rules): amounts, refunds, pro-rata package
refunds and takings totals, with Hypothesis properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.payments import rules
from kitclinic.payments.rules import AmountError, Line

CENTS = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100)


@pytest.mark.parametrize(
    "value", ["0", "-1", "0.001", "100000.01", "abc", "NaN", "sNaN", "-Infinity", True]
)
def test_bad_amounts_are_refused(value):
    with pytest.raises(AmountError):
        rules.parse_amount(value)


def test_good_amounts_come_back_with_two_places():
    assert str(rules.parse_amount("12.5")) == "12.50"
    assert str(rules.parse_amount(Decimal("100000"))) == "100000.00"


@given(price=CENTS, sessions=st.integers(1, 50), data=st.data())
def test_used_value_plus_refund_is_the_price_to_the_cent(price, sessions, data):
    used = data.draw(st.integers(0, sessions))
    value = rules.package_units_value(price, sessions, used)
    refund = rules.package_refund_amount(price, sessions, used)
    assert value + refund == price
    assert refund >= 0 and value >= 0
    assert refund == refund.quantize(rules.CENT)
    # more sessions used never means more money back
    if used < sessions:
        assert rules.package_refund_amount(price, sessions, used + 1) <= refund


def test_a_third_of_a_thousand_rounds_half_up():
    assert rules.package_units_value(Decimal("1000.00"), 3, 1) == Decimal("333.33")
    assert rules.package_units_value(Decimal("0.05"), 2, 1) == Decimal("0.03")
    assert rules.package_refund_amount(Decimal("1000.00"), 3, 1) == Decimal("666.67")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["card", "cash"]), st.sampled_from(["USD", "EUR"]), CENTS, st.booleans()
        ),
        max_size=40,
    )
)
def test_totals_add_up_to_the_lines_per_currency(raw):
    lines = [Line(method=m, currency=c, net=a if pos else -a) for m, c, a, pos in raw]
    rows, net = rules.totals(lines)
    for currency in {"USD", "EUR"}:
        expected = sum((line.net for line in lines if line.currency == currency), Decimal(0))
        assert net.get(currency, Decimal(0)) == expected
    assert sum(r.count for r in rows) == len(lines)


def test_a_day_in_a_zone_is_23_or_25_hours_when_the_clocks_change():
    zone = ZoneInfo("America/New_York")
    for day, hours in ((dt.date(2026, 3, 8), 23), (dt.date(2026, 11, 1), 25)):
        start, end = rules.day_bounds(day, zone)
        assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=hours)


def test_refundable_never_goes_below_zero():
    assert rules.refundable(Decimal("10.00"), [Decimal("4.00"), Decimal("6.00")]) == Decimal("0.00")
    assert rules.refundable(Decimal("10.00"), []) == Decimal("10.00")
