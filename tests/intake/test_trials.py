"""Trial enums, the trial record and the adequate-duration helper ([adequate-trial-summary])."""

from __future__ import annotations

import math
from typing import Any

import pytest

from kitclinic.intake import (
    ADEQUATE_TRIAL_MIN_WEEKS_DEFAULT,
    EpisodeSeverity,
    TreatmentClass,
    Trial,
    TrialOutcome,
    is_adequate_duration,
)


def test_stored_enum_values_are_the_agreed_snake_case_strings() -> None:
    """The database stores these values; renaming one would orphan stored rows."""
    assert [c.value for c in TreatmentClass] == [
        "ssri", "snri", "tca", "maoi", "other_antidepressant", "augmentation",
        "ect_bilateral", "ect_unilateral", "tms", "esketamine", "psychotherapy", "other",
    ]  # fmt: skip
    assert [o.value for o in TrialOutcome] == [
        "response", "partial_response", "no_response", "intolerance", "ongoing",
    ]  # fmt: skip
    assert [s.value for s in EpisodeSeverity] == [
        "subsyndromal", "mild", "moderate", "severe_without_psychosis", "severe_with_psychosis",
    ]  # fmt: skip


@pytest.mark.parametrize("enum", [TreatmentClass, TrialOutcome, EpisodeSeverity])
def test_every_member_has_a_distinct_human_label_and_choices_pair(enum: Any) -> None:
    labels = [member.label for member in enum]
    assert all(label and label != member.value for label, member in zip(labels, enum, strict=True))
    assert len(set(labels)) == len(labels)
    assert enum.choices() == [(member.value, member.label) for member in enum]


def test_trial_accepts_stored_strings_and_converts_them_to_enums() -> None:
    trial = Trial("ssri", True, "no_response", True)  # type: ignore[arg-type]
    assert trial.treatment_class is TreatmentClass.SSRI
    assert trial.outcome is TrialOutcome.NO_RESPONSE


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"treatment_class": "ketamine"}, "ketamine"),
        ({"outcome": "remission"}, "remission"),
        ({"adequate": "yes"}, "adequate"),
        ({"current_episode": None}, "current_episode"),
    ],
)
def test_trial_rejects_values_outside_the_enums(kwargs: dict[str, object], fragment: str) -> None:
    fields: dict[str, object] = {
        "treatment_class": "ssri", "adequate": True, "outcome": "no_response",
        "current_episode": True,
    }  # fmt: skip
    fields.update(kwargs)
    with pytest.raises(ValueError, match=fragment):
        Trial(**fields)  # type: ignore[arg-type]


def test_trial_is_immutable() -> None:
    trial = Trial(TreatmentClass.SSRI, True, TrialOutcome.RESPONSE, True)
    with pytest.raises(AttributeError):
        trial.adequate = False  # type: ignore[misc]


def test_adequate_duration_default_is_the_lower_end_of_the_referenced_4_to_6_weeks() -> None:
    """[adequate-trial-summary]: adequate trial = 4–6 weeks at a therapeutic dose, configurable."""
    assert 4 <= ADEQUATE_TRIAL_MIN_WEEKS_DEFAULT <= 6
    assert is_adequate_duration(4) is True
    assert is_adequate_duration(3.9) is False


def test_adequate_duration_boundary_is_inclusive_at_the_configured_minimum() -> None:
    """[kitclinic-settings]: the minimum is configurable: a clinic using 6 weeks rejects a 5-week
    trial."""
    assert is_adequate_duration(6, minimum_weeks=6) is True
    assert is_adequate_duration(5.99, minimum_weeks=6) is False
    assert is_adequate_duration(5, minimum_weeks=6) is False
    assert is_adequate_duration(5, minimum_weeks=4) is True


@pytest.mark.parametrize(
    ("weeks", "minimum"), [(-1, 4), (math.nan, 4), (math.inf, 4), (4, 0), (4, -2), (4, math.nan)]
)
def test_adequate_duration_rejects_impossible_values(weeks: float, minimum: float) -> None:
    with pytest.raises(ValueError):
        is_adequate_duration(weeks, minimum_weeks=minimum)
