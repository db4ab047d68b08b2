"""Check-in weight plausibility (kitclinic.dosing.weights): today's weight against the last
accepted weight and the median of the recent accepted weights, with the default library's 15%
change limit ([weight-documentation], [kitclinic-dose-rules] W3) and its 30–250 kg hard limits."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kitclinic.dosing import Severity, default_library
from kitclinic.dosing.weights import median_kg, relative_change, weight_plausibility

PROTOCOL = default_library().protocol("depression-standard")
D = Decimal


def _change(verdict):  # type: ignore[no-untyped-def]
    return next(f for f in verdict.findings if f.rule == "weight_change")


def test_median_of_odd_and_even_counts_and_of_nothing():
    assert median_kg([D(80), D(70), D(90)]) == D(80)
    assert median_kg([D(80), D(70), D(90), D(100)]) == D(85)
    assert median_kg([]) is None


def test_without_an_accepted_weight_nothing_is_compared_and_the_weight_is_a_reference():
    verdict = weight_plausibility(PROTOCOL, D(82), last_kg=None)
    assert _change(verdict).code == "weight_change_no_previous"
    assert verdict.is_reference and not verdict.soft_findings


def test_a_weight_within_15_percent_of_the_last_and_the_median_is_a_reference():
    verdict = weight_plausibility(PROTOCOL, D(85), last_kg=D(82), recent_kg=[D(82), D(80), D(83)])
    assert _change(verdict).code == "weight_change_within_limits"
    assert verdict.is_reference


def test_exactly_15_percent_is_within_the_limit():
    verdict = weight_plausibility(PROTOCOL, D(92), last_kg=D(80))
    assert _change(verdict).severity is Severity.OK


def test_180_kg_for_an_82_kg_patient_is_a_soft_finding_and_no_reference():
    verdict = weight_plausibility(PROTOCOL, D(180), last_kg=D(82), recent_kg=[D(82)])
    finding = _change(verdict)
    assert finding.severity is Severity.SOFT
    assert finding.code == "weight_change_above_soft_max"
    assert "Re-weigh" in finding.message and "82 kg" in finding.message
    assert "entered in lb" in finding.message  # 180 / 82 = 2.195, the lb-for-kg slip
    assert not verdict.is_reference and not verdict.hard_findings


def test_the_median_of_recent_weights_catches_a_drift_the_last_weight_misses():
    """92 is within 15% of 80 and 104 within 15% of 92, but 104 is 30% above the median 80."""
    verdict = weight_plausibility(PROTOCOL, D(104), last_kg=D(92), recent_kg=[D(92), D(80), D(80)])
    finding = _change(verdict)
    assert finding.severity is Severity.SOFT
    assert "median 80 kg of the last 3 accepted" in finding.message
    assert finding.value == D("0.3")


def test_outside_the_hard_weight_limits_is_refused():
    verdict = weight_plausibility(PROTOCOL, D(300), last_kg=D(82))
    assert [f.code for f in verdict.hard_findings] == ["weight_above_hard_max"]
    assert not verdict.is_reference


def test_a_second_visit_agreeing_with_an_unconfirmed_weight_confirms_it():
    """82 accepted; 100 overridden (unconfirmed); 99 is again overridden against 82 but agrees
    with 100 within 15%: it becomes the reference."""
    verdict = weight_plausibility(PROTOCOL, D(99), last_kg=D(82), unconfirmed_kg=D(100))
    assert verdict.soft_findings and verdict.is_reference and verdict.confirms_previous
    stray = weight_plausibility(PROTOCOL, D(180), last_kg=D(82), unconfirmed_kg=D(100))
    assert not stray.is_reference


@given(st.decimals(min_value=30, max_value=250, places=2))
def test_the_last_accepted_weight_itself_is_always_plausible(weight):
    verdict = weight_plausibility(PROTOCOL, weight, last_kg=weight, recent_kg=[weight])
    assert verdict.is_reference and not verdict.soft_findings and not verdict.hard_findings


@given(
    st.decimals(min_value=30, max_value=250, places=2),
    st.decimals(min_value=30, max_value=250, places=2),
)
def test_relative_change_is_symmetric_in_sign_and_zero_only_for_equal_weights(a, b):
    assert relative_change(a, b) >= 0
    assert (relative_change(a, b) == 0) is (a == b)
