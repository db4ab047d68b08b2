"""Infusion and esketamine codes: the boundaries of [cpt-infusion] and [hcpcs-esketamine]."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.billing_codes import (
    MAX_INFUSION_MIN,
    BillingCodeError,
    CodeUnits,
    esketamine_code,
    infusion_codes,
)

# minutes -> codes, from the time rules: 15 min or less a push; 96365 up to 90 min; 96366 per
# further hour when more than 30 minutes of it ran (91-150 -> 1, 151-210 -> 2, ...)
BOUNDARIES = [
    (1, [("96374", 1)]),
    (15, [("96374", 1)]),
    (16, [("96365", 1)]),
    (40, [("96365", 1)]),
    (60, [("96365", 1)]),
    (75, [("96365", 1)]),
    (90, [("96365", 1)]),
    (91, [("96365", 1), ("96366", 1)]),
    (105, [("96365", 1), ("96366", 1)]),
    (150, [("96365", 1), ("96366", 1)]),
    (151, [("96365", 1), ("96366", 2)]),
    (210, [("96365", 1), ("96366", 2)]),
    (211, [("96365", 1), ("96366", 3)]),
    (1440, [("96365", 1), ("96366", 23)]),
]


@pytest.mark.parametrize(("minutes", "expected"), BOUNDARIES)
def test_boundaries(minutes, expected):
    assert infusion_codes(minutes) == tuple(CodeUnits(c, u) for c, u in expected)


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (0, "at least 1"),
        (-5, "at least 1"),
        (MAX_INFUSION_MIN + 1, "at most 1440"),
        (10**9, "at most 1440"),
        (45.0, "whole number"),
        (Decimal("45"), "whole number"),
        ("45", "whole number"),
        (True, "whole number"),
        (None, "whole number"),
    ],
)
def test_bad_minutes_are_refused_naming_the_field(bad, words):
    with pytest.raises(BillingCodeError) as caught:
        infusion_codes(bad)
    assert caught.value.field == "minutes"
    assert words in str(caught.value)


def _units(minutes: int) -> int:
    return sum(c.units for c in infusion_codes(minutes) if c.code == "96366")


@given(st.integers(1, MAX_INFUSION_MIN - 1))
def test_add_on_units_never_fall_as_minutes_rise(minutes):
    assert _units(minutes + 1) >= _units(minutes)
    assert _units(minutes + 1) - _units(minutes) <= 1


@given(st.integers(16, MAX_INFUSION_MIN))
def test_every_add_on_hour_had_more_than_30_minutes(minutes):
    """k units of 96366 need more than 60 + 60 (k - 1) + 30 minutes, and k + 1 are not yet due."""
    k = _units(minutes)
    assert infusion_codes(minutes)[0] == CodeUnits("96365", 1)
    assert minutes > 60 * k + 30 or k == 0
    assert minutes <= 60 * (k + 1) + 30


@given(st.integers(1, MAX_INFUSION_MIN))
def test_codes_never_repeat_and_units_are_positive(minutes):
    codes = infusion_codes(minutes)
    assert len({c.code for c in codes}) == len(codes)
    assert all(c.units >= 1 for c in codes)


@pytest.mark.parametrize(
    ("dose", "code"),
    [(56, "G2082"), (84, "G2083"), ("56", "G2082"), (Decimal("84.0"), "G2083"), (" 84 ", "G2083")],
)
def test_label_doses(dose, code):
    assert esketamine_code(dose) == code


@pytest.mark.parametrize(
    "dose", [28, 0, -56, 55, 57, 83, 85, 112, 560, "abc", "nan", "inf", 56.0, True, ""]
)
def test_other_doses_are_refused(dose):
    with pytest.raises(BillingCodeError) as caught:
        esketamine_code(dose)
    assert caught.value.field == "dose_mg"
