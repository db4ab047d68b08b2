"""Every severity band boundary of every banded scale, from the published sources."""

from __future__ import annotations

import pytest

from kitclinic.instruments import score

from .helpers import SHAPE, answers_for_total

# (instrument, settings, [(band key, low, high), ...]) transcribed from docs/sources.md:
# [kroenke-2001] (PHQ-9), [spitzer-2006] (GAD-7), [ids-qids] (QIDS-SR16) and
# [montgomery-asberg-1979], [muller-2003] (MADRS common cut-offs; Muller 2003 split at 31).
BANDS: list[tuple[str, dict[str, object], list[tuple[str, int, int]]]] = [
    (
        "phq9",
        {},
        [
            ("none_minimal", 0, 4),
            ("mild", 5, 9),
            ("moderate", 10, 14),
            ("moderately_severe", 15, 19),
            ("severe", 20, 27),
        ],
    ),
    ("gad7", {}, [("minimal", 0, 4), ("mild", 5, 9), ("moderate", 10, 14), ("severe", 15, 21)]),
    (
        "qids-sr16",
        {},
        [
            ("none", 0, 5),
            ("mild", 6, 10),
            ("moderate", 11, 15),
            ("severe", 16, 20),
            ("very_severe", 21, 27),
        ],
    ),
    (
        "madrs",
        {},
        [("normal", 0, 6), ("mild", 7, 19), ("moderate", 20, 34), ("severe", 35, 60)],
    ),
    (
        "madrs",
        {"band_scheme": "muller2003"},
        [("normal", 0, 6), ("mild", 7, 19), ("moderate", 20, 30), ("severe", 31, 60)],
    ),
]

CASES = [
    pytest.param(inst, settings, total, key, id=f"{inst}-{settings.get('band_scheme', '')}-{total}")
    for inst, settings, bands in BANDS
    for key, low, high in bands
    for total in (low, high)
]


@pytest.mark.parametrize(("instrument", "settings", "total", "expected"), CASES)
def test_band_boundaries_match_the_sources(instrument, settings, total, expected):
    """Sources: [kroenke-2001], [spitzer-2006], [ids-qids], [montgomery-asberg-1979] (bands are
    inclusive ranges)."""
    result = score(instrument, answers_for_total(instrument, total), **settings)
    assert result.total == total
    assert result.severity == expected


def test_phq9_five_to_nine_is_mild_not_moderate():
    """Source: [kroenke-2001]: OpenEMR shows 5-9 as 'Moderate', which is wrong."""
    for total in range(5, 10):
        result = score("phq9", answers_for_total("phq9", total))
        assert result.severity == "mild"
        assert result.severity_label == "Mild"


def test_madrs_31_is_moderate_by_default_but_severe_under_muller2003():
    """Source: [montgomery-asberg-1979]: Muller 2003 splits moderate/severe at 31."""
    answers = answers_for_total("madrs", 31)
    assert score("madrs", answers).severity == "moderate"
    assert score("madrs", answers, band_scheme="muller2003").severity == "severe"


def test_madrs_result_records_which_band_scheme_was_used():
    """Source: [aldrete-variants], [muller-2003]: record which version a score used."""
    result = score("madrs", answers_for_total("madrs", 31), band_scheme="muller2003")
    assert result.settings_dict()["band_scheme"] == "muller2003"


@pytest.mark.parametrize("instrument", ["pcl5", "peg", "cadss", "aldrete"])
def test_scales_without_standard_bands_report_no_severity(instrument):
    """Source: [weathers-2013], [krebs-2009], [bremner-1998], [aldrete-variants] define no severity
    bands for these scales."""
    n_items, top = SHAPE[instrument]
    assert score(instrument, [top] * n_items).severity is None
    assert score(instrument, [0] * n_items).severity is None
