"""NPI check digit ([cms-npi-check-digit]: Luhn over 80840 + the first nine digits; CMS's worked
example 1234567893) and the EIN's form ([irs-ein])."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.billing_codes import IdentifierError, parse_ein, parse_npi
from kitclinic.billing_codes.identifiers import NPI_PREFIX, luhn_valid


def test_the_cms_example_is_valid():
    assert parse_npi("1234567893") == "1234567893"
    assert parse_npi(" 12345 67893 ") == "1234567893"


@pytest.mark.parametrize(
    "bad", ["1234567890", "123456789", "12345678931", "abcdefghij", "", None, "3234567893"]
)
def test_bad_npis_are_refused(bad):
    with pytest.raises(IdentifierError) as caught:
        parse_npi(bad)
    assert caught.value.field == "npi"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).map(lambda s: "1" + s[1:]))
def test_exactly_one_check_digit_makes_an_npi(first_nine):
    valid = [d for d in "0123456789" if luhn_valid(NPI_PREFIX + first_nine + d)]
    assert len(valid) == 1
    assert parse_npi(first_nine + valid[0]) == first_nine + valid[0]


@pytest.mark.parametrize(
    ("value", "clean"), [("12-3456789", "12-3456789"), ("123456789", "12-3456789")]
)
def test_eins(value, clean):
    assert parse_ein(value) == clean


@pytest.mark.parametrize("bad", ["12-345678", "1-23456789", "12 3456789", "AB-CDEFGHI", ""])
def test_bad_eins_are_refused(bad):
    with pytest.raises(IdentifierError) as caught:
        parse_ein(bad)
    assert caught.value.field == "tax_id"
