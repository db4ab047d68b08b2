"""The dose checker against the worked example and at every limit's boundary.

Reference values: the worked example of [kitclinic-dose-rules] (70 kg × 0.5 mg/kg = 35 mg over
40 min = 52.5 mg/h, 0.75 mg/kg/h; at 1 mg/mL 52.5 mL/h, VTBI 35 mL) and its W4 (154 "kg" for a
70 kg patient gives 77 mg). Boundaries are read from the default library so the tests follow
a governance change of a figure, and each is probed just inside and just outside.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from kitclinic.dosing import (
    DoseCheck,
    DoseInputError,
    Protocol,
    Severity,
    check_dose,
    default_library,
)

D = Decimal
LIB = default_library()
DEPRESSION = LIB.default_protocol("depression")
PAIN = LIB.default_protocol("chronic_pain")

WORKED = {"weight_kg": 70, "dose": "0.5", "duration_min": 40, "concentration_mg_per_ml": 1}


def order(protocol: Protocol = DEPRESSION, **changes: Any) -> DoseCheck:
    return check_dose(protocol, **{**WORKED, **changes})


def severity(result: DoseCheck, code_prefix: str) -> Severity:
    return result.finding(code_prefix).severity


# -------------------------------------------------------------------------------- worked example


def test_worked_example_matches_the_source_exactly():
    result = order()
    assert result.dose_mg == D("35")
    assert result.rate_mg_per_h == D("52.5")
    assert result.rate_mg_per_kg_per_h == D("0.75")
    assert result.rate_ml_per_h == D("52.5")
    assert result.volume_ml == D("35")
    assert result.status is Severity.OK
    assert all(f.severity is Severity.OK for f in result.findings)


def test_worked_example_serialises_without_float_artifacts():
    data = order().to_dict()
    assert (data["dose_mg"], data["volume_ml"], data["rate_ml_per_h"]) == (35.0, 35.0, 52.5)
    assert repr(data["dose_mg"]) == "35.0"


def test_worked_example_at_10_mg_per_ml_divides_volume_and_pump_rate_by_ten():
    result = order(concentration_mg_per_ml=10)
    assert (result.volume_ml, result.rate_ml_per_h) == (D("3.5"), D("5.25"))
    assert result.status is Severity.OK


def test_float_inputs_give_the_same_decimal_amounts_as_strings():
    assert order(weight_kg=70.0, dose=0.5).dose_mg == order(weight_kg="70", dose="0.5").dose_mg


def test_non_terminating_quotients_are_rounded_half_up_to_hundredths():
    # 35 mg at 3 mg/mL is 11.666... mL; the pump rate 52.5 mg/h / 3 mg/mL is exactly 17.5 mL/h
    result = order(concentration_mg_per_ml=3)
    assert result.volume_ml == D("11.67")
    assert result.rate_ml_per_h == D("17.5")


# -------------------------------------------------------------------------------- W4


def test_w4_154_kg_for_a_70_kg_patient_is_a_hard_stop():
    result = order(weight_kg=154, previous_weight_kg=70)
    assert result.dose_mg == D("77")  # 2.2 × the intended 35 mg
    assert severity(result, "weight_change") is Severity.SOFT
    assert "lb" in result.finding("weight_change").message
    assert result.finding("dose_mg").code == "dose_mg_above_hard_max"
    assert result.status is Severity.HARD


def test_w4_is_caught_by_the_cap_even_without_a_previous_weight():
    result = order(weight_kg=154)
    assert result.finding("dose_mg").severity is Severity.HARD
    assert result.status is Severity.HARD


# -------------------------------------------------------------------------------- boundaries


def _bound(limits: Any, name: str) -> Decimal:
    value = getattr(limits, name)
    assert value is not None, f"default library has no {name}"
    return value.value


STEP = D("0.001")
DOSE = DEPRESSION.dose_limits


@pytest.mark.parametrize(
    ("dose", "duration", "code", "expected"),
    [
        (_bound(DOSE, "soft_max"), 60, "dose_within_limits", Severity.OK),
        (_bound(DOSE, "soft_max") + STEP, 60, "dose_above_soft_max", Severity.SOFT),
        (_bound(DOSE, "hard_max"), 60, "dose_above_soft_max", Severity.SOFT),
        (_bound(DOSE, "hard_max") + STEP, 60, "dose_above_hard_max", Severity.HARD),
        (_bound(DOSE, "soft_min"), 40, "dose_within_limits", Severity.OK),
        (_bound(DOSE, "soft_min") - STEP, 40, "dose_below_soft_min", Severity.SOFT),
    ],
)
def test_dose_limits_at_their_boundaries(dose, duration, code, expected):
    finding = order(dose=dose, duration_min=duration).finding("dose")
    assert (finding.code, finding.severity) == (code, expected)


DURATION = DEPRESSION.duration_limits_min
TENTH = D("0.1")


@pytest.mark.parametrize(
    ("duration", "code", "expected"),
    [
        (_bound(DURATION, "soft_min"), "duration_within_limits", Severity.OK),
        (_bound(DURATION, "soft_min") - TENTH, "duration_below_soft_min", Severity.SOFT),
        (_bound(DURATION, "hard_min"), "duration_below_soft_min", Severity.SOFT),
        (_bound(DURATION, "hard_min") - TENTH, "duration_below_hard_min", Severity.HARD),
        (_bound(DURATION, "soft_max"), "duration_within_limits", Severity.OK),
        (_bound(DURATION, "soft_max") + TENTH, "duration_above_soft_max", Severity.SOFT),
        (_bound(DURATION, "hard_max"), "duration_above_soft_max", Severity.SOFT),
        (_bound(DURATION, "hard_max") + TENTH, "duration_above_hard_max", Severity.HARD),
    ],
)
def test_duration_limits_at_their_boundaries(duration, code, expected):
    finding = order(duration_min=duration).finding("duration")
    assert (finding.code, finding.severity) == (code, expected)


RATE = DEPRESSION.rate_limits_mg_per_kg_per_h


def _duration_for_rate(rate: Decimal) -> Decimal:
    return D("0.5") * 60 / rate  # at the worked example's 0.5 mg/kg


@pytest.mark.parametrize(
    ("duration", "code", "expected"),
    [
        (_duration_for_rate(_bound(RATE, "soft_max")), "rate_within_limits", Severity.OK),
        (_duration_for_rate(_bound(RATE, "soft_max")) - TENTH, "rate_above_soft_max", Severity.SOFT),
        (_duration_for_rate(_bound(RATE, "hard_max")), "rate_above_soft_max", Severity.SOFT),
        (_duration_for_rate(_bound(RATE, "hard_max")) - TENTH, "rate_above_hard_max", Severity.HARD),
    ],
)  # fmt: skip
def test_rate_limits_at_their_boundaries(duration, code, expected):
    finding = order(duration_min=duration).finding("rate")
    assert (finding.code, finding.severity) == (code, expected)


def test_0_75_mg_per_kg_over_40_min_is_a_hard_rate_stop_but_over_45_min_is_not():
    """L2's soft dose ceiling needs a longer infusion: 0.75 mg/kg over 40 min is 1.125 mg/kg/h."""
    assert order(dose="0.75", duration_min=40).finding("rate").severity is Severity.HARD
    assert order(dose="0.75", duration_min=45).finding("rate").severity is Severity.SOFT


CAP = _bound(DEPRESSION.dose_limits_mg, "hard_max")


@pytest.mark.parametrize(
    ("weight_kg", "expected"),
    [(CAP * 2, Severity.OK), (CAP * 2 + D("0.02"), Severity.HARD)],
)
def test_absolute_mg_cap_at_its_boundary(weight_kg, expected):
    result = order(weight_kg=weight_kg)  # 0.5 mg/kg, so the cap is reached at 2 × cap kg
    assert result.finding("dose_mg").severity is expected


WEIGHT = DEPRESSION.weight_limits_kg
CENTI = D("0.01")


@pytest.mark.parametrize(
    ("weight_kg", "code", "expected"),
    [
        (_bound(WEIGHT, "hard_min"), "weight_within_limits", Severity.OK),
        (_bound(WEIGHT, "hard_min") - CENTI, "weight_below_hard_min", Severity.HARD),
        (_bound(WEIGHT, "hard_max"), "weight_within_limits", Severity.OK),
        (_bound(WEIGHT, "hard_max") + CENTI, "weight_above_hard_max", Severity.HARD),
    ],
)
def test_weight_range_at_its_boundaries(weight_kg, code, expected):
    finding = order(weight_kg=weight_kg).finding("weight")
    assert (finding.code, finding.severity) == (code, expected)


@pytest.mark.parametrize(
    ("weight_kg", "code", "expected"),
    [
        ("115", "weight_change_within_limits", Severity.OK),  # +15% exactly
        ("115.01", "weight_change_above_soft_max", Severity.SOFT),
        ("85", "weight_change_within_limits", Severity.OK),  # -15% exactly
        ("84.99", "weight_change_above_soft_max", Severity.SOFT),
    ],
)
def test_weight_change_alerts_above_15_percent_only(weight_kg, code, expected):
    assert DEPRESSION.weight_change_max_fraction.value == D("0.15")  # [weight-documentation], W3
    finding = order(weight_kg=weight_kg, previous_weight_kg=100).finding("weight_change")
    assert (finding.code, finding.severity) == (code, expected)


def test_weight_change_message_names_both_weights_and_the_limit():
    message = order(weight_kg=80, previous_weight_kg=100).finding("weight_change").message
    assert "80 kg" in message and "100 kg" in message and "20%" in message and "15%" in message


INTERVAL = DEPRESSION.interval_limits_h


@pytest.mark.parametrize(
    ("hours", "code", "expected"),
    [
        (_bound(INTERVAL, "soft_min"), "interval_within_limits", Severity.OK),
        (_bound(INTERVAL, "soft_min") - TENTH, "interval_below_soft_min", Severity.SOFT),
        (_bound(INTERVAL, "hard_min"), "interval_below_soft_min", Severity.SOFT),
        (_bound(INTERVAL, "hard_min") - TENTH, "interval_below_hard_min", Severity.HARD),
    ],
)
def test_interval_since_last_session_at_its_boundaries(hours, code, expected):
    finding = order(hours_since_last=hours).finding("interval")
    assert (finding.code, finding.severity) == (code, expected)


def test_first_session_has_no_interval_finding_against_it():
    assert order().finding("interval").code == "interval_no_previous"


WEEKLY = _bound(DEPRESSION.weekly_limits_mg_per_kg, "soft_max")


@pytest.mark.parametrize(
    ("extra_mg", "code", "expected"),
    [
        (D("0"), "weekly_dose_within_limits", Severity.OK),
        (D("0.1"), "weekly_dose_above_soft_max", Severity.SOFT),
    ],
)
def test_weekly_cumulative_dose_at_its_boundary(extra_mg, code, expected):
    # the 7-day total includes today's 35 mg; at 70 kg the limit is reached exactly
    cumulative = WEEKLY * 70 - 35 + extra_mg
    finding = order(cumulative_mg_last_7_days=cumulative).finding("weekly_dose")
    assert (finding.code, finding.severity) == (code, expected)


@pytest.mark.parametrize("concentration", ["1", "1.0", "10", 10.0])
def test_standard_concentrations_pass(concentration):
    finding = order(concentration_mg_per_ml=concentration).finding("concentration")
    assert (finding.code, finding.severity) == ("concentration_standard", Severity.OK)


@pytest.mark.parametrize("concentration", ["5", "100", "0.1"])
def test_concentration_not_in_the_library_is_a_hard_stop(concentration):
    result = order(concentration_mg_per_ml=concentration)
    finding = result.finding("concentration")
    assert (finding.code, finding.severity) == ("concentration_not_standard", Severity.HARD)
    assert "1 mg/mL" in finding.message and "10 mg/mL" in finding.message
    assert result.status is Severity.HARD


# -------------------------------------------------------------------------------- rate mode


def test_pain_protocol_doses_a_rate_for_a_duration():
    """Cohen 2018 range 0.5–2 mg/kg/h ([cohen-2018]): 0.5 mg/kg/h × 70 kg for 4 h = 140 mg at 35
    mg/h."""
    result = order(PAIN, dose="0.5", duration_min=240)
    assert result.dose_mg == D("140")
    assert result.rate_mg_per_h == D("35")
    assert result.rate_mg_per_kg_per_h == D("0.5")
    assert result.dose_mg_per_kg == D("2")
    assert (result.volume_ml, result.rate_ml_per_h) == (D("140"), D("35"))
    assert result.status is Severity.OK
    assert not any(f.code.startswith("rate_") for f in result.findings)


def test_pain_rate_limits_come_from_the_dose_limits_in_mg_per_kg_per_h():
    assert order(PAIN, dose="2", duration_min=120).finding("dose").severity is Severity.SOFT
    hard = order(PAIN, dose="2.001", duration_min=120).finding("dose")
    assert (hard.code, hard.severity) == ("dose_above_hard_max", Severity.HARD)
    assert "2.001 mg/kg/h" in hard.message and "2 mg/kg/h" in hard.message


def test_pain_total_below_cohen_80_mg_is_a_soft_finding():
    # 0.5 mg/kg/h × 70 kg × 2 h = 70 mg < 80 mg (Cohen 2018: total ≥80 mg over >2 h)
    finding = order(PAIN, dose="0.5", duration_min=120).finding("dose_mg")
    assert (finding.code, finding.severity) == ("dose_mg_below_soft_min", Severity.SOFT)


# -------------------------------------------------------------------------------- messages, status


def test_messages_follow_ismp_number_style():
    """U1: leading zero, no trailing zero, space before the unit, mL not cc."""
    result = order(dose="0.80", duration_min="60.0")
    message = result.finding("dose").message
    assert "0.8 mg/kg" in message and "0.75 mg/kg" in message
    assert "0.80" not in message and " .8" not in message
    text = " ".join(f.message for f in result.findings)
    assert not re.search(r"\bcc\b", text) and "µg" not in text  # the unit, not "accepted"
    assert "60 min" in result.finding("duration").message


def test_status_is_the_worst_finding_and_overrides_list_the_soft_ones():
    result = order(dose="0.8", duration_min=60, hours_since_last=30)
    assert result.status is Severity.SOFT
    assert {f.code for f in result.soft_findings} == {
        "dose_above_soft_max",
        "rate_above_soft_max",
        "interval_below_soft_min",
    }
    assert result.hard_findings == ()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_kg", 0),
        ("weight_kg", "-70"),
        ("weight_kg", "nan"),
        ("dose", "abc"),
        ("duration_min", 0),
        ("concentration_mg_per_ml", "inf"),
        ("previous_weight_kg", 0),
        ("hours_since_last", -1),
        ("cumulative_mg_last_7_days", -5),
        ("weight_kg", True),
    ],
)
def test_impossible_inputs_raise_naming_the_field(field, value):
    with pytest.raises(DoseInputError) as caught:
        order(**{field: value})
    assert caught.value.field == field
