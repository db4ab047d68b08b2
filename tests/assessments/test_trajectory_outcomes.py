"""The chart's trajectory reads response, remission and change from baseline through the
instrument library's outcome rules (``kitclinic.instruments.outcomes``), the same rules the
outcome analyses use, so the two never disagree at a boundary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kitclinic.assessments.models import Assessment
from kitclinic.assessments.selectors import _trajectory
from kitclinic.instruments.outcomes import fraction_improvement, is_remission, is_response

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _rows(*totals: int) -> list[Assessment]:
    return [
        Assessment(
            instrument="phq9", total=Decimal(t), administered_at=START + dt.timedelta(days=i)
        )
        for i, t in enumerate(totals)
    ]


@pytest.mark.parametrize("latest", [0, 4, 5, 9, 10, 11, 20, 27])
def test_trajectory_outcomes_agree_with_the_instrument_rules(latest):
    trajectory = _trajectory("phq9", _rows(20, 15, latest))
    assert trajectory.responded == is_response("phq9", 20, latest)
    assert trajectory.remitted == is_remission("phq9", latest)
    assert trajectory.improvement == float(fraction_improvement("phq9", 20, latest))


def test_boundaries_of_response_and_remission():
    half = _trajectory("phq9", _rows(10, 5))
    assert half.responded is True and half.remitted is False and half.change_percent == -50
    assert _trajectory("phq9", _rows(10, 4)).remitted is True
    assert _trajectory("phq9", _rows(10, 6)).responded is False


def test_a_single_score_or_a_zero_baseline_has_no_change():
    assert _trajectory("phq9", _rows(12)).improvement is None
    assert _trajectory("phq9", _rows(12)).responded is None
    zero = _trajectory("phq9", _rows(0, 3))
    assert zero.improvement is None and zero.change_percent is None
