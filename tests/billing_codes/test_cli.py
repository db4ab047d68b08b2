"""``kitclinic billing``: every boundary through the real command, exit 2 naming the option."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kitclinic import cli as top_level
from kitclinic.billing_codes.cli import main


@pytest.mark.parametrize(
    ("minutes", "codes"),
    [
        ("1", [{"code": "96374", "units": 1}]),
        ("15", [{"code": "96374", "units": 1}]),
        ("16", [{"code": "96365", "units": 1}]),
        ("90", [{"code": "96365", "units": 1}]),
        ("91", [{"code": "96365", "units": 1}, {"code": "96366", "units": 1}]),
        ("150", [{"code": "96365", "units": 1}, {"code": "96366", "units": 1}]),
        ("151", [{"code": "96365", "units": 1}, {"code": "96366", "units": 2}]),
        ("1440", [{"code": "96365", "units": 1}, {"code": "96366", "units": 23}]),
    ],
)
def test_infusion_codes_json(capsys, minutes, codes):
    assert top_level.main(["billing", "infusion-codes", "--minutes", minutes, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert json.loads(out) == {"codes": codes}


@pytest.mark.parametrize("minutes", ["0", "-1", "1441", "45.5", "abc", ""])
def test_bad_minutes_exit_2_naming_the_option(capsys, minutes):
    assert main(["infusion-codes", "--minutes", minutes, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--minutes" in captured.err
    assert "1440" in captured.err or "at least 1" in captured.err


@pytest.mark.parametrize(("dose", "code"), [("56", "G2082"), ("84", "G2083")])
def test_esketamine_code_json(capsys, dose, code):
    assert main(["esketamine-code", "--dose-mg", dose, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"code": code}


@pytest.mark.parametrize("dose", ["28", "57", "83", "85", "0", "-56", "x", "nan"])
def test_other_doses_exit_2_naming_the_option_and_the_label_doses(capsys, dose):
    assert main(["esketamine-code", "--dose-mg", dose]) == 2
    err = capsys.readouterr().err
    assert "--dose-mg" in err and "56 mg or 84 mg" in err


def test_human_output_names_the_codes(capsys):
    assert main(["infusion-codes", "--minutes", "100"]) == 0
    out = capsys.readouterr().out
    assert "96365 x1" in out and "96366 x1" in out


def test_missing_option_and_unknown_command_exit_2(capsys):
    assert main(["infusion-codes"]) == 2
    assert "--minutes" in capsys.readouterr().err
    assert main(["unknown"]) == 2


def test_the_console_script_runs_without_django():
    code = (
        "import sys, json; from kitclinic.cli import main; "
        "rc = main(['billing', 'infusion-codes', '--minutes', '151', '--json']); "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))); "
        "sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert json.loads(first)["codes"][1] == {"code": "96366", "units": 2}
    assert json.loads(second) == []


def test_the_console_script_exits_2_through_a_real_process():
    done = subprocess.run(
        [sys.executable, "-m", "kitclinic", "billing", "esketamine-code", "--dose-mg", "28"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--dose-mg" in done.stderr
