"""Good Faith Estimate deadlines (45 CFR 149.610(b)(1)(vi), [nsa-gfe]) and planned codes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.billing_codes import BillingCodeError, CodeUnits, estimate_due, planned_codes
from kitclinic.billing_codes.estimates import add_business_days, business_days_between

MONDAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("first_service", "requested", "due"),
    [
        # Monday scheduling, service the next Monday: 5 business days ahead -> 1 business day
        (MONDAY + dt.timedelta(days=7), False, MONDAY + dt.timedelta(days=1)),
        # exactly 3 business days ahead (Thursday) -> 1 business day
        (MONDAY + dt.timedelta(days=3), False, MONDAY + dt.timedelta(days=1)),
        # 2 business days ahead (Wednesday): the rule sets no deadline
        (MONDAY + dt.timedelta(days=2), False, None),
        # exactly 10 business days ahead (two weeks later) -> 3 business days (Thursday)
        (MONDAY + dt.timedelta(days=14), False, MONDAY + dt.timedelta(days=3)),
        # asked for: 3 business days whatever the date
        (MONDAY + dt.timedelta(days=1), True, MONDAY + dt.timedelta(days=3)),
    ],
)
def test_deadlines(first_service, requested, due):
    found = estimate_due(scheduled_on=MONDAY, first_service_on=first_service, requested=requested)
    assert found.due_by == due


def test_a_friday_scheduling_is_due_on_monday():
    friday = MONDAY + dt.timedelta(days=4)
    found = estimate_due(
        scheduled_on=friday, first_service_on=friday + dt.timedelta(days=7), requested=False
    )
    assert found.due_by == friday + dt.timedelta(days=3)


def test_a_service_before_its_scheduling_is_refused():
    with pytest.raises(BillingCodeError) as caught:
        estimate_due(
            scheduled_on=MONDAY, first_service_on=MONDAY - dt.timedelta(days=1), requested=False
        )
    assert caught.value.field == "first_service_on"


@given(st.dates(dt.date(2020, 1, 1), dt.date(2035, 1, 1)), st.integers(0, 40))
def test_business_days_round_trip(start, count):
    end = add_business_days(start, count)
    assert business_days_between(start, end) == count
    assert end.weekday() < 5 or count == 0


@given(st.dates(dt.date(2020, 1, 1), dt.date(2035, 1, 1)), st.integers(0, 60), st.booleans())
def test_the_deadline_is_never_after_the_first_service_when_it_is_set(start, ahead, requested):
    first = start + dt.timedelta(days=ahead)
    found = estimate_due(scheduled_on=start, first_service_on=first, requested=requested)
    if found.due_by is not None and not requested:
        assert found.due_by <= first


def test_planned_codes_add_the_units_of_each_session():
    assert planned_codes(kind="iv_ketamine", sessions=6, minutes=100) == (
        CodeUnits("96365", 6),
        CodeUnits("96366", 6),
    )
    assert planned_codes(kind="esketamine_nasal", sessions=8, dose_mg=56) == (
        CodeUnits("G2082", 8),
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "iv_ketamine", "sessions": 0, "minutes": 40}, "sessions"),
        ({"kind": "iv_ketamine", "sessions": 53, "minutes": 40}, "sessions"),
        ({"kind": "iv_ketamine", "sessions": True, "minutes": 40}, "sessions"),
        ({"kind": "iv_ketamine", "sessions": 6}, "minutes"),
        ({"kind": "esketamine_nasal", "sessions": 6}, "dose_mg"),
        ({"kind": "esketamine_nasal", "sessions": 6, "dose_mg": 28}, "dose_mg"),
        ({"kind": "ketamine_im", "sessions": 6}, "kind"),
    ],
)
def test_bad_plans_name_the_field(values, field):
    with pytest.raises(BillingCodeError) as caught:
        planned_codes(**values)
    assert caught.value.field == field
