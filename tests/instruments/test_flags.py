"""Safety and decision flags at and around their thresholds."""

from __future__ import annotations

import pytest

from kitclinic.instruments import InvalidParameterError, score

from .helpers import answers_for_total


def _with(n_items: int, item: int, value: int, base: int = 0) -> list[int]:
    answers = [base] * n_items
    answers[item - 1] = value
    return answers


@pytest.mark.parametrize(("item9", "flagged"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item9_at_one_or_more_raises_suicidal_ideation(item9, flagged):
    """Source: [kroenke-2001]: item 9 >= 1 -> same-day risk assessment and alert."""
    result = score("phq9", _with(9, 9, item9))
    assert ("suicidal_ideation" in result.flags) is flagged


def test_phq9_severe_total_without_item9_raises_no_safety_flag():
    """Source: [kroenke-2001]: the flag is item 9, not the total (item 9 = 0 ≠ no risk, but no
    rule fires)."""
    result = score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert result.severity == "severe"
    assert result.flags == ()


@pytest.mark.parametrize(("item12", "flagged"), [(0, False), (1, True), (3, True)])
def test_qids_item12_at_one_or_more_raises_suicidal_ideation(item12, flagged):
    """Source: [ids-qids]: item 12 >= 1 -> alert."""
    result = score("qids-sr16", _with(16, 12, item12))
    assert ("suicidal_ideation" in result.flags) is flagged


@pytest.mark.parametrize(("item10", "flagged"), [(0, False), (1, True), (6, True)])
def test_madrs_item10_default_level_is_any_nonzero_rating(item10, flagged):
    """Source: [kitclinic-settings]: item 10 >= configured level; no published number,
    so the documented default is the most sensitive level, 1."""
    result = score("madrs", _with(10, 10, item10))
    assert ("suicidal_ideation" in result.flags) is flagged
    assert result.settings_dict()["item10_alert_level"] == 1


@pytest.mark.parametrize(("item10", "flagged"), [(3, False), (4, True), (5, True)])
def test_madrs_item10_alert_level_is_configurable(item10, flagged):
    """Source: [kitclinic-settings]: configurable level (here 4)."""
    result = score("madrs", _with(10, 10, item10), item10_alert_level=4)
    assert ("suicidal_ideation" in result.flags) is flagged


@pytest.mark.parametrize("level", [0, 7, "4", True])
def test_madrs_item10_alert_level_outside_1_to_6_is_rejected(level):
    """Item 10 is rated 0-6 ([montgomery-asberg-1979]); a level of 0 would flag everyone."""
    with pytest.raises(InvalidParameterError, match="item10_alert_level"):
        score("madrs", [0] * 10, item10_alert_level=level)


def test_gad7_pcl5_peg_cadss_have_no_suicide_flag():
    """Source: [spitzer-2006], [weathers-2013], [bremner-1998] (no safety item); PEG [krebs-2009]."""
    for instrument, n_items, top in [
        ("gad7", 7, 3),
        ("pcl5", 20, 4),
        ("peg", 3, 10),
        ("cadss", 23, 4),
    ]:
        assert "suicidal_ideation" not in score(instrument, [top] * n_items).flags


@pytest.mark.parametrize(
    ("total", "cutoff", "flagged"),
    [(32, None, False), (33, None, True), (30, 31, False), (31, 31, True), (31, 32, False)],
)
def test_pcl5_probable_ptsd_at_configured_cutoff_default_33(total, cutoff, flagged):
    """Source: [weathers-2013]: probable PTSD at 31-33 (VA NCPTSD), configurable; default 33."""
    settings = {} if cutoff is None else {"probable_ptsd_cutoff": cutoff}
    result = score("pcl5", answers_for_total("pcl5", total), **settings)
    assert result.total == total
    assert ("probable_ptsd" in result.flags) is flagged


@pytest.mark.parametrize("cutoff", [30, 34])
def test_pcl5_cutoff_outside_31_to_33_is_rejected(cutoff):
    """Source: [weathers-2013]: configurable within 31-33 only."""
    with pytest.raises(InvalidParameterError, match="31, 32, 33"):
        score("pcl5", [0] * 20, probable_ptsd_cutoff=cutoff)


def _pcl5(symptomatic: list[int], value: int = 2) -> list[int]:
    answers = [0] * 20
    for item in symptomatic:
        answers[item - 1] = value
    return answers


def test_pcl5_provisional_diagnosis_needs_1b_1c_2d_2e_at_two_or_more():
    """Source: [weathers-2013]: item >= 2 is a symptom; needs >= 1 B, >= 1 C, >= 2 D, >= 2 E."""
    minimal = [1, 6, 8, 9, 15, 16]
    assert "provisional_ptsd_diagnosis" in score("pcl5", _pcl5(minimal)).flags


@pytest.mark.parametrize("missing", [1, 6, 9, 16], ids=["no-B", "no-C", "one-D-only", "one-E-only"])
def test_pcl5_provisional_diagnosis_fails_when_one_cluster_is_short(missing):
    """Source: [weathers-2013] cluster minimums."""
    symptoms = [i for i in [1, 6, 8, 9, 15, 16] if i != missing]
    assert "provisional_ptsd_diagnosis" not in score("pcl5", _pcl5(symptoms)).flags


def test_pcl5_items_rated_one_are_not_symptoms():
    """Source: [weathers-2013]: only item >= 2 counts as a symptom."""
    result = score("pcl5", [1] * 20)
    assert result.total == 20
    assert "provisional_ptsd_diagnosis" not in result.flags


def test_pcl5_cluster_subscores_sum_their_items():
    """Source: [weathers-2013] clusters B 1-5, C 6-7, D 8-14, E 15-20."""
    answers = list(range(5)) * 4  # 0,1,2,3,4 repeated
    sub = {s.key: (s.total, s.max) for s in score("pcl5", answers).subscores}
    assert sub == {
        "cluster_b": (0 + 1 + 2 + 3 + 4, 20),
        "cluster_c": (0 + 1, 8),
        "cluster_d": (2 + 3 + 4 + 0 + 1 + 2 + 3, 28),
        "cluster_e": (4 + 0 + 1 + 2 + 3 + 4, 24),
    }
    assert sum(t for t, _ in sub.values()) == score("pcl5", answers).total


def test_cadss_dissociation_flag_is_off_unless_enabled():
    """Source: [kitclinic-settings]: '>4 = dissociation present' is UNVERIFIED, so opt-in."""
    answers = [1] * 5 + [0] * 18  # total 5
    assert score("cadss", answers).flags == ()
    assert score("cadss", answers, dissociation_present_above=4).flags == ("dissociation_present",)
    four = [1] * 4 + [0] * 19
    assert score("cadss", four, dissociation_present_above=4).flags == ()


def test_cadss_total_range_and_cadss6_subscore():
    """Source: [bremner-1998]: 23 items 0-4, sum 0-92; CADSS-6 = items 1, 2, 6, 7, 15, 22."""
    top = score("cadss", [4] * 23)
    assert (top.total, top.max) == (92, 92)
    answers = [0] * 23
    for item in (1, 2, 6, 7, 15, 22):
        answers[item - 1] = 3
    answers[2] = 4  # item 3 is not in the short form
    result = score("cadss", answers)
    assert result.total == 22
    assert [(s.key, s.total, s.max) for s in result.subscores] == [("cadss6", 18, 24)]


@pytest.mark.parametrize(
    ("answers", "ready"),
    [
        ([2, 2, 2, 2, 2], True),
        ([2, 2, 2, 1, 2], True),  # 9, on room air
        ([1, 2, 2, 2, 2], True),  # 9
        ([2, 2, 1, 1, 2], False),  # 8
        ([1, 1, 2, 2, 2], False),  # 8
        ([2, 2, 2, 2, 1], False),  # 9 but needs O2: not >92% on room air
    ],
)
def test_aldrete_discharge_ready_at_9_on_room_air_not_at_8(answers, ready):
    """Source: [aldrete-discharge]: discharge at >= 9 ('>8') and SpO2 > 92% on room air (O2 item 2)."""
    result = score("aldrete", answers)
    assert result.total == sum(answers)
    assert ("discharge_ready" in result.flags) is ready


def test_aldrete_strict_variant_also_requires_full_respiration():
    """Source: [aldrete-variants]: one variant also requires 2 points on respiration and on O2."""
    answers = [2, 1, 2, 2, 2]  # 9, respiration 1
    assert "discharge_ready" in score("aldrete", answers).flags
    strict = score("aldrete", answers, require_full_respiration=True)
    assert "discharge_ready" not in strict.flags
    assert (
        "discharge_ready" in score("aldrete", [1, 2, 2, 2, 2], require_full_respiration=True).flags
    )


def test_aldrete_records_circulation_unit_and_o2_variant():
    """Source: [aldrete-variants]: store the variant with each score."""
    result = score("aldrete", [2] * 5, circulation_unit="percent", o2_band_variant="gt92")
    assert result.settings_dict() == {
        "circulation_unit": "percent",
        "o2_band_variant": "gt92",
        "require_full_respiration": False,
    }
