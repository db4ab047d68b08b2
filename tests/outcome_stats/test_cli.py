"""``kitclinic outcomes analyze``: JSON on a small worked cohort, the text summary, and exit 2
with the line named for every kind of malformed input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kitclinic.outcome_stats.cli import main
from kitclinic.outcome_stats.estimators import wilson_interval

HEADER = "patient_id,infusion_number,score\n"

# Worked by hand (PHQ-9):
#   a: 20 → 12, 10 (= 50%: response at 2), 8 → endpoint 8: responder, not remitted (8 >= 5)
#   b: 16 → 14, 12 → endpoint 12 > 8: non-responder, censored at 2
#   c: 10 → 4: response at 1, endpoint 4 < 5: responder and remitter
#   d: no baseline row; e: baseline 0 → both excluded
# KM: at 1, 3 at risk, 1 event (c) → 2/3; at 2, 2 at risk (a, b), 1 event (a) → 1/3; at 3 → 1/3.
COHORT = HEADER + (
    "a,0,20\na,1,12\na,2,10\na,3,8\nb,0,16\nb,1,14\nb,2,12\nc,0,10\nc,1,4\nd,1,5\ne,0,0\ne,1,0\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ratings.csv"
    path.write_text(text, encoding="utf-8")
    return path


def run_json(capsys: pytest.CaptureFixture[str], path: Path, instrument: str = "phq9") -> dict:
    code = main(["analyze", "--csv", str(path), "--instrument", instrument, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_json_summary_of_worked_cohort(tmp_path, capsys):
    doc = run_json(capsys, write(tmp_path, COHORT))
    lo, hi = wilson_interval(2, 3)
    assert doc == {
        "patients": 3,
        "responders": 2,
        "response_rate": round(2 / 3, 4),
        "response_ci95": [round(lo, 4), round(hi, 4)],
        "remitters": 1,
        "remission_rate": round(1 / 3, 4),
        "median_infusions_to_response": 2,
        "km": [
            {"infusion": 1, "not_yet_responded": round(2 / 3, 4)},
            {"infusion": 2, "not_yet_responded": round(1 / 3, 4)},
            {"infusion": 3, "not_yet_responded": round(1 / 3, 4)},
        ],
        "excluded": 2,
    }


def test_patient_order_interleaving_and_extra_columns_do_not_matter(tmp_path, capsys):
    """Patients may come in any order and interleave; each patient's rows stay in infusion
    order (out-of-order rows are refused, see below)."""
    rows = [line.split(",") for line in COHORT.splitlines()[1:]]
    by_patient: dict[str, list[list[str]]] = {}
    for row in rows:
        by_patient.setdefault(row[0], []).append(row)
    interleaved = []
    for i in range(max(len(v) for v in by_patient.values())):
        for patient in sorted(by_patient, reverse=True):
            if i < len(by_patient[patient]):
                interleaved.append(by_patient[patient][i])
    assert interleaved != rows
    shuffled = ["note,score,infusion_number,patient_id"] + [
        "x,{2},{1},{0}".format(*row) for row in interleaved
    ]
    assert run_json(capsys, write(tmp_path, "\n".join(shuffled) + "\n")) == run_json(
        capsys, write(tmp_path, COHORT)
    )


def test_median_is_null_when_half_never_respond(tmp_path, capsys):
    text = HEADER + "a,0,20\na,1,9\nb,0,20\nb,1,19\nc,0,20\nc,1,18\n"
    doc = run_json(capsys, write(tmp_path, text))
    # a responds at 1 (1 of 3 at risk) → 2/3; b and c censored at 1.
    assert doc["median_infusions_to_response"] is None
    assert doc["km"] == [{"infusion": 1, "not_yet_responded": 0.6667}]


def test_patient_with_only_a_baseline_is_censored_before_infusion_1(tmp_path, capsys):
    doc = run_json(capsys, write(tmp_path, HEADER + "a,0,20\na,1,9\nb,0,20\nb,1,19\nc,0,9\n"))
    # c is censored at 0, so only a and b are at risk at 1: S(1) = 1/2 → median 1.
    assert doc["patients"] == 3 and doc["responders"] == 1 and doc["remitters"] == 0
    assert doc["median_infusions_to_response"] == 1
    assert doc["km"] == [{"infusion": 1, "not_yet_responded": 0.5}]


def test_remission_cut_off_follows_the_instrument(tmp_path, capsys):
    path = write(tmp_path, HEADER + "a,0,20\na,1,5\n")
    assert run_json(capsys, path, "phq9")["remitters"] == 0  # PHQ-9 < 5
    assert run_json(capsys, path, "qids_sr16")["remitters"] == 1  # QIDS-SR16 <= 5


def test_no_included_patients_gives_nulls_not_zero_rates(tmp_path, capsys):
    doc = run_json(capsys, write(tmp_path, HEADER + "a,1,5\n"))
    assert doc["patients"] == 0 and doc["excluded"] == 1
    assert doc["response_rate"] is None and doc["response_ci95"] is None and doc["km"] == []


def test_text_summary(tmp_path, capsys):
    assert main(["analyze", "--csv", str(write(tmp_path, COHORT)), "--instrument", "PHQ-9"]) == 0
    out = capsys.readouterr().out
    assert "Patients included: 3" in out
    assert "Responders: 2 = 66.7%" in out
    assert "PHQ-9 < 5" in out


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("patient_id,score\na,3\n", 1, "missing column infusion_number"),
        ("", 1, "empty file"),
        (HEADER + "a,0,20\na,1,\n", 3, "missing value in column score"),
        (HEADER + "a,0,20\na,1\n", 3, "missing value in column score"),
        (HEADER + "a,0,20\na,1.5,9\n", 3, "'1.5' is not a whole number"),
        (HEADER + "a,0,20\na,one,9\n", 3, "'one' is not a whole number"),
        (HEADER + "a,0,20\n\na,-1,9\n", 4, "infusion_number -1 is negative"),
        (HEADER + "a,0,20\na,1,nine\n", 3, "score 'nine' is not a number"),
        (HEADER + "a,0,20\na,1,nan\n", 3, "score 'nan' is not a number"),
        (HEADER + "a,0,20\na,1,28\n", 3, "outside the PHQ-9 range 0-27"),
        (HEADER + "a,0,20\na,1,9\nb,0,8\na,1,7\n", 5, "duplicate rating for patient_id 'a'"),
        (HEADER + "a,0,20\na,2,9\na,1,12\n", 4, "infusion_number 1 for patient_id 'a' is lower"),
        (HEADER + "a,0,20\na,3,9\nb,0,8\nb,1,7\na,2,12\n", 6, "is lower than on its previous"),
    ],
)
def test_malformed_input_exits_2_naming_the_line(tmp_path, capsys, text, line, problem):
    path = write(tmp_path, text)
    assert main(["analyze", "--csv", str(path), "--instrument", "phq9", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"line {line}: " in err
    assert problem in err


def test_out_of_order_names_the_previous_line(tmp_path, capsys):
    path = write(tmp_path, HEADER + "a,0,20\nb,0,10\na,3,9\nb,1,4\na,2,12\n")
    assert main(["analyze", "--csv", str(path), "--instrument", "phq9", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "line 6: infusion_number 2 for patient_id 'a'" in err
    assert "(infusion_number 3 on line 4)" in err


def test_baseline_after_an_infusion_row_is_out_of_order(tmp_path, capsys):
    path = write(tmp_path, HEADER + "a,1,9\na,0,20\n")
    assert main(["analyze", "--csv", str(path), "--instrument", "phq9"]) == 2
    assert "line 3: infusion_number 0 for patient_id 'a' is lower" in capsys.readouterr().err


def test_equal_infusion_numbers_of_different_patients_in_any_order_are_fine(tmp_path, capsys):
    doc = run_json(capsys, write(tmp_path, HEADER + "b,0,10\na,0,20\nb,1,4\na,1,9\n"))
    assert doc["patients"] == 2 and doc["responders"] == 2


def test_duplicate_names_the_first_line_too(tmp_path, capsys):
    path = write(tmp_path, HEADER + "a,0,20\na,1,9\na,1,7\n")
    assert main(["analyze", "--csv", str(path), "--instrument", "phq9"]) == 2
    assert "(first on line 3)" in capsys.readouterr().err


def test_unknown_instrument_exits_2_listing_the_allowed_ones(tmp_path, capsys):
    path = write(tmp_path, COHORT)
    assert main(["analyze", "--csv", str(path), "--instrument", "hamd17"]) == 2
    err = capsys.readouterr().err
    assert "unknown instrument 'hamd17'" in err
    for allowed in ("gad7", "madrs", "phq9", "qids_sr16"):
        assert allowed in err


def test_missing_file_exits_2(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert main(["analyze", "--csv", str(missing), "--instrument", "phq9"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_usage_errors_exit_2_and_help_exits_0(capsys):
    assert main([]) == 2
    assert main(["analyze", "--instrument", "phq9"]) == 2
    assert main(["analyze", "--help"]) == 0
    assert "--instrument" in capsys.readouterr().out


def test_console_script_dispatches_to_this_command(tmp_path):
    path = write(tmp_path, COHORT)
    result = subprocess.run(
        [sys.executable, "-m", "kitclinic", "outcomes", "analyze", "--csv", str(path),
         "--instrument", "phq9", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["responders"] == 2
    bad = subprocess.run(
        [sys.executable, "-m", "kitclinic", "outcomes", "analyze", "--csv", str(tmp_path / "x"),
         "--instrument", "phq9"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
