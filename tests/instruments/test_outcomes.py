"""Response and remission at their edges (docs/sources.md, section 5: rating instruments)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kitclinic.instruments import (
    InstrumentError,
    InvalidParameterError,
    fraction_improvement,
    is_remission,
    is_response,
)


@pytest.mark.parametrize("instrument", ["phq9", "gad7", "qids-sr16", "madrs"])
@pytest.mark.parametrize(
    ("baseline", "current", "responded"),
    [
        (20, 10, True),  # exactly 50%
        (20, 11, False),  # 45%
        (21, 10, True),  # 52.4%
        (21, 11, False),  # 47.6%
        (9, 5, False),  # 44.4%
        (9, 4, True),  # 55.6%
        (10, 0, True),
        (10, 12, False),  # worse
    ],
)
def test_response_is_a_fall_of_at_least_half(instrument, baseline, current, responded):
    """Sources: [phq9-remission], [trivedi-2006], [montgomery-asberg-1979]: response >= 50% drop
    (PHQ-9, GAD-7, QIDS-SR16, MADRS)."""
    assert is_response(instrument, baseline, current) is responded


@pytest.mark.parametrize("current", [0, 3])
def test_baseline_zero_never_counts_as_response(current):
    """A fall cannot be measured from 0; the relative change is undefined (None), not a crash."""
    assert is_response("phq9", 0, current) is False
    assert fraction_improvement("phq9", 0, current) is None


def test_fraction_improvement_is_exact():
    """(27 - 9) / 27 = 2/3 exactly."""
    assert fraction_improvement("phq9", 27, 9) == Fraction(2, 3)
    assert fraction_improvement("phq9", 10, 15) == Fraction(-1, 2)


def test_peg_response_uses_exact_decimals_not_binary_floats():
    """Source: [immpact] (default >= 50%). 4.67 -> 2.335 would be exactly half;
    2.33 is a fall of 2.34/4.67 (50.1%), 2.34 a fall of 2.33/4.67 (49.9%)."""
    assert is_response("peg", 4.67, 2.33) is True
    assert is_response("peg", 4.67, 2.34) is False
    assert is_response("peg", 6.0, 3.0) is True


def test_peg_moderate_improvement_threshold_is_thirty_percent():
    """Source: [immpact]: >= 30% moderate improvement."""
    assert is_response("peg", 10, 7, min_fraction="0.3") is True
    assert is_response("peg", 10, 7.01, min_fraction="0.3") is False


def test_response_fraction_is_fixed_where_the_sources_verify_it():
    """Source: [phq9-remission]: PHQ-9 response >= 50% is verified, so not configurable."""
    with pytest.raises(InvalidParameterError, match="response fraction"):
        is_response("phq9", 20, 14, min_fraction="0.3")


def test_gad7_response_fraction_is_configurable_because_unverified():
    """Source: [kitclinic-settings]: response >= 50% for GAD-7 is an UNVERIFIED convention."""
    assert is_response("gad7", 20, 14, min_fraction="0.3") is True


@pytest.mark.parametrize(
    ("instrument", "remitted", "not_remitted"),
    [("phq9", 4, 5), ("gad7", 4, 5), ("qids-sr16", 5, 6), ("madrs", 10, 11)],
)
def test_remission_thresholds(instrument, remitted, not_remitted):
    """Sources: [phq9-remission], [trivedi-2006], [ekstrand-2022]: PHQ-9 < 5, GAD-7 < 5, QIDS-SR16
    <= 5, MADRS <= 10
    (KARMA-Dep default)."""
    assert is_remission(instrument, remitted) is True
    assert is_remission(instrument, not_remitted) is False


def test_madrs_remission_can_use_the_esketamine_threshold_12():
    """Source: [ekstrand-2022]: remission <= 12 (esketamine trials) or <= 10, configurable."""
    assert is_remission("madrs", 12, threshold=12) is True
    assert is_remission("madrs", 13, threshold=12) is False
    with pytest.raises(InvalidParameterError, match="10, 12"):
        is_remission("madrs", 11, threshold=11)


def test_phq9_and_qids_remission_thresholds_are_not_configurable():
    """Sources: [phq9-remission], [trivedi-2006], [ekstrand-2022] (verified)."""
    with pytest.raises(InvalidParameterError):
        is_remission("phq9", 5, threshold=6)
    with pytest.raises(InvalidParameterError):
        is_remission("qids-sr16", 5, threshold=7)


def test_gad7_remission_threshold_is_configurable_within_range():
    """Source: [kitclinic-settings]: GAD-7 remission < 5 is an UNVERIFIED convention."""
    assert is_remission("gad7", 5, threshold=6) is True
    with pytest.raises(InvalidParameterError):
        is_remission("gad7", 5, threshold=22)


@pytest.mark.parametrize("instrument", ["pcl5", "cadss", "aldrete"])
def test_scales_without_a_response_definition_refuse(instrument):
    """Source: [weathers-2013], [bremner-1998], [aldrete-variants] define no percentage response."""
    with pytest.raises(InstrumentError, match="no response criterion"):
        is_response(instrument, 40, 10)


@pytest.mark.parametrize(("baseline", "current"), [(28, 5), (10, -1), (True, 0), ("10", 5)])
def test_totals_outside_the_scale_or_not_numbers_are_rejected(baseline, current):
    """PHQ-9 totals are 0-27 ([kroenke-2001])."""
    with pytest.raises(InstrumentError):
        is_response("phq9", baseline, current)
