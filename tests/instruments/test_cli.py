"""``kitclinic score``: JSON output, human line and exit codes."""

from __future__ import annotations

import json

import pytest

from kitclinic import cli as top_level
from kitclinic.instruments import INSTRUMENT_IDS
from kitclinic.instruments.cli import main


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one object, one line
    return json.loads(out)


def test_json_output_has_exactly_the_documented_keys(capsys):
    """Source: [kroenke-2001]: 1+1+2+2+1+2+2+1+2 = 14 -> moderate; item 9 = 2 -> safety flag."""
    data = _json(capsys, ["phq9", "--answers", "1,1,2,2,1,2,2,1,2", "--json"])
    assert data == {
        "instrument": "phq9",
        "total": 14,
        "max": 27,
        "severity": "moderate",
        "flags": ["suicidal_ideation"],
    }


def test_json_severity_keys_are_snake_case(capsys):
    """Source: [kroenke-2001]: 15-19 moderately severe; 0-4 none/minimal."""
    assert _json(capsys, ["phq9", "--answers", "3,3,3,3,3,0,0,0,0", "--json"])["severity"] == (
        "moderately_severe"
    )
    assert _json(capsys, ["phq9", "--answers", "0,0,0,0,0,0,0,0,0", "--json"])["severity"] == (
        "none_minimal"
    )


def test_json_peg_total_is_the_rounded_mean_and_severity_null(capsys):
    """Source: [krebs-2009]: mean of 3 items to 2 decimals; (3+5+6)/3 = 4.67."""
    data = _json(capsys, ["peg", "--answers", "3,5,6", "--json"])
    assert data["total"] == 4.67
    assert data["max"] == 10
    assert data["severity"] is None
    assert data["flags"] == []


def test_qids_blank_entries_mean_skipped_items(capsys):
    """Source: [ids-qids]: items 7 and 9 skipped; max(6-9) = 2."""
    answers = "0,0,0,0,0,1,,2,-,0,0,0,0,0,0,0"
    assert _json(capsys, ["qids-sr16", "--answers", answers, "--json"])["total"] == 2


def test_set_overrides_a_documented_setting(capsys):
    """Source: [weathers-2013]: probable PTSD cut-off configurable 31-33."""
    answers = ",".join(["4"] * 7 + ["3"] + ["0"] * 12)  # 31
    assert _json(capsys, ["pcl5", "--answers", answers, "--json"])["flags"] == []
    data = _json(
        capsys, ["pcl5", "--answers", answers, "--json", "--set", "probable_ptsd_cutoff=31"]
    )
    assert data["flags"] == ["probable_ptsd"]


def test_human_readable_line(capsys):
    assert main(["gad7", "--answers", "2,2,2,2,2,0,0"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == "GAD-7: total 10 of 21; severity Moderate; flags: none"


def test_wrong_answer_count_exits_2_naming_expected_and_got(capsys):
    assert main(["phq9", "--answers", "1,2,3"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "expected 9 answers, got 3" in captured.err


def test_out_of_range_answer_exits_2_naming_item_and_allowed_values(capsys):
    assert main(["madrs", "--answers", "0,0,0,0,0,0,0,0,0,7", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "item 10 (suicidal thoughts)" in captured.err
    assert "allowed values: 0-6" in captured.err


def test_non_numeric_answer_exits_2_naming_the_item(capsys):
    assert main(["gad7", "--answers", "0,0,x,0,0,0,0"]) == 2
    err = capsys.readouterr().err
    assert "item 3 (worrying too much)" in err
    assert "allowed values: 0-3" in err


def test_unknown_instrument_exits_2_listing_valid_ids(capsys):
    assert main(["hamd", "--answers", "0"]) == 2
    err = capsys.readouterr().err
    assert "hamd" in err
    for instrument_id in INSTRUMENT_IDS:
        assert instrument_id in err


def test_bad_setting_exits_2(capsys):
    assert (
        main(["pcl5", "--answers", ",".join(["0"] * 20), "--set", "probable_ptsd_cutoff=40"]) == 2
    )
    assert "31, 32, 33" in capsys.readouterr().err


def test_missing_answers_option_exits_2(capsys):
    assert main(["phq9"]) == 2
    assert "--answers" in capsys.readouterr().err


def test_console_script_dispatches_score_to_this_module(capsys):
    assert top_level.main(["score", "gad7", "--answers", "0,0,0,0,0,0,1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 1
