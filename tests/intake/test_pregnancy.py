"""Who states a pregnancy status at check-in: the sexes and the age range both ends included,
and the rule in words built from the same two constants."""

from __future__ import annotations

import pytest

from kitclinic.intake.pregnancy import (
    PREGNANCY_AGE_Y,
    PREGNANCY_SEXES,
    pregnancy_rule_text,
    pregnancy_status_required,
)

LOW, HIGH = PREGNANCY_AGE_Y


@pytest.mark.parametrize("sex", PREGNANCY_SEXES)
@pytest.mark.parametrize(
    ("age_y", "required"), [(LOW - 1, False), (LOW, True), (HIGH, True), (HIGH + 1, False)]
)
def test_the_age_range_includes_both_ends(sex: str, age_y: int, required: bool) -> None:
    assert pregnancy_status_required(sex, age_y) is required


@pytest.mark.parametrize("age_y", [LOW, (LOW + HIGH) // 2, HIGH])
def test_a_patient_of_another_sex_at_birth_states_none(age_y: int) -> None:
    assert "male" not in PREGNANCY_SEXES
    assert pregnancy_status_required("male", age_y) is False


def test_the_rule_in_words_names_the_sexes_and_the_range() -> None:
    assert PREGNANCY_SEXES == ("female", "intersex") and PREGNANCY_AGE_Y == (12, 55)
    assert pregnancy_rule_text() == "sex at birth female or intersex, age 12–55"
