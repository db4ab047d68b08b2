"""``kitclinic dose check`` / ``kitclinic dose library``: JSON shape and every exit code."""

from __future__ import annotations

import json

import pytest

from kitclinic.cli import main as kitclinic_main
from kitclinic.dosing import LIBRARY_VERSION, default_library, library_from_dict, library_to_dict
from kitclinic.dosing.cli import main

WORKED = [
    "check",
    "--indication", "depression",
    "--weight-kg", "70",
    "--dose-mg-per-kg", "0.5",
    "--duration-min", "40",
    "--concentration-mg-per-ml", "1",
]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *extra: str, base: list[str] = WORKED):
    code = main([*base, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_worked_example_json_and_exit_0(capsys):
    code, out, err = run(capsys, "--previous-weight-kg", "68", "--hours-since-last", "72", "--json")
    data = json.loads(out)
    assert code == 0 and err == ""
    assert data["status"] == "ok"
    assert (data["dose_mg"], data["volume_ml"], data["rate_ml_per_h"]) == (35.0, 35.0, 52.5)
    assert data["library_version"] == LIBRARY_VERSION
    assert data["findings"] and all(
        {"code", "severity", "message"} <= set(f) and f["severity"] == "ok"
        for f in data["findings"]
    )


def test_soft_finding_exits_3(capsys):
    code, out, _ = run(capsys, "--hours-since-last", "30", "--json")
    data = json.loads(out)
    assert (code, data["status"]) == (3, "soft")
    soft = [f for f in data["findings"] if f["severity"] == "soft"]
    assert [f["code"] for f in soft] == ["interval_below_soft_min"]
    assert "30 h" in soft[0]["message"] and "40 h" in soft[0]["message"]


def test_w4_weight_error_exits_4(capsys):
    code, out, _ = run(
        capsys, "--json", base=[*WORKED[:4], "154", *WORKED[5:], "--previous-weight-kg", "70"]
    )
    data = json.loads(out)
    assert (code, data["status"], data["dose_mg"]) == (4, "hard", 77.0)
    assert {"weight_change_above_soft_max", "dose_mg_above_hard_max"} <= {
        f["code"] for f in data["findings"]
    }


def test_concentration_not_in_library_exits_4(capsys):
    code, out, _ = run(capsys, base=[*WORKED[:-1], "5"])
    assert code == 4
    assert "concentration_not_standard" in out


def test_text_output_shows_pump_settings_for_read_back(capsys):
    code, out, _ = run(capsys)
    assert code == 0
    assert "52.5 mL/h" in out and "VTBI 35 mL" in out and "35 mg" in out


@pytest.mark.parametrize(
    ("argv", "named", "allowed"),
    [
        (["--indication", "insomnia"], "--indication", "chronic_pain"),
        (["--weight-kg", "seventy"], "--weight-kg", "number"),
        (["--weight-kg", "nan"], "--weight-kg", "number"),
        (["--weight-kg", "0"], "--weight-kg", "> 0"),
        (["--hours-since-last", "-2"], "--hours-since-last", ">= 0"),
        (["--protocol", "nope"], "--protocol", "depression-standard"),
        (["--protocol", "chronic-pain-cohen-2018"], "--protocol", "depression-standard"),
        (["--weight-lb", "154"], "--weight-lb", "unrecognized"),
        (["--weight", "154"], "--weight", "unrecognized"),  # no abbreviation of --weight-kg
    ],
)
def test_invalid_arguments_exit_2_naming_the_argument(capsys, argv, named, allowed):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert named in err and allowed in err


def test_dose_in_the_wrong_unit_for_the_protocol_exits_2(capsys):
    argv = ["check", "--indication", "chronic_pain", "--weight-kg", "70", "--dose-mg-per-kg", "0.5",
            "--duration-min", "240", "--concentration-mg-per-ml", "1"]  # fmt: skip
    code, _, err = run(capsys, base=argv)
    assert code == 2 and "--dose-mg-per-kg-per-h" in err and "mg/kg/h" in err


def test_rate_mode_protocol_checks_with_its_own_unit(capsys):
    argv = ["check", "--indication", "chronic_pain", "--weight-kg", "70",
            "--dose-mg-per-kg-per-h", "0.5", "--duration-min", "240",
            "--concentration-mg-per-ml", "1", "--json"]  # fmt: skip
    code, out, _ = run(capsys, base=argv)
    data = json.loads(out)
    assert (code, data["dose_mg"], data["rate_ml_per_h"]) == (0, 140.0, 35.0)


def test_explicit_protocol_id_is_used(capsys):
    code, out, _ = run(capsys, "--protocol", "depression-standard", "--json")
    assert code == 0 and json.loads(out)["protocol_id"] == "depression-standard"


def test_missing_required_argument_exits_2(capsys):
    code, _, err = run(capsys, base=WORKED[:-2])
    assert code == 2 and "--concentration-mg-per-ml" in err


def test_library_json_is_the_stored_form_of_the_default_library(capsys):
    code = main(["library", "--json"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert library_from_dict(json.loads(out)) == default_library()


def test_library_text_lists_every_protocol_with_sources(capsys):
    assert main(["library"]) == 0
    out, _ = capsys.readouterr()
    for protocol in default_library().protocols:
        assert protocol.id in out
    assert "clinic setting:" in out and "[kitclinic-dose-rules] L2" in out and "Cohen" in out


def test_console_script_dispatches_dose_to_this_cli(capsys):
    assert kitclinic_main(["dose", *WORKED, "--hours-since-last", "30"]) == 3


def test_diff_prints_the_difference_between_two_library_files(capsys, tmp_path):
    data = library_to_dict(default_library())
    data["protocols"][0]["dose_limits"]["soft_max"]["value"] = "0.7"
    new = tmp_path / "new.json"
    new.write_text(json.dumps(data))
    code, out, err = run(capsys, base=["diff", "-", str(new)])
    assert (code, err) == (0, "")
    assert out.strip() == (
        "Depression (TRD), 0.5 mg/kg over 40 min, Dose, soft maximum: 0.75 mg/kg → 0.7 mg/kg"
    )
    code, out, _ = run(capsys, base=["diff", str(new), str(new), "--json"])
    assert code == 0 and json.loads(out) == {"changes": {}, "lines": []}


def test_diff_refuses_a_file_the_library_rules_refuse_naming_file_and_field(capsys, tmp_path):
    """The same rule and words as the library page's limits form (tests/dosing/test_library_edit)."""
    data = library_to_dict(default_library())
    data["protocols"][0]["dose_limits"]["soft_max"]["value"] = "1.5"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, out, err = run(capsys, base=["diff", "-", str(bad)])
    assert code == 2 and out == ""
    assert (
        f"argument NEW: {bad}: protocols[0].dose_limits.hard_max: 1 is below the soft maximum 1.5"
        in err
    )
    code, _, err = run(capsys, base=["diff", str(tmp_path / "missing.json"), "-"])
    assert code == 2 and "argument OLD: cannot read" in err
