"""``kitclinic pk``: JSON fields and values, exit codes, plots.

Independent source for the values: the oracle tables ([opentiva], [pytci]).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kitclinic.pharmacology.cli.main import main

from .conftest import ATOL_4DP, REFERENCE_CE, REFERENCE_CP, REFERENCE_TIMES_MIN

STANDARD = ["--weight-kg", "70", "--age", "40", "--dose-mg-per-kg", "0.5", "--duration-min", "40"]
TCI = [
    "tci",
    "--model",
    "kamp",
    "--weight-kg",
    "70",
    "--age",
    "40",
    "--target-ug-per-ml",
    "0.2",
    "--duration-min",
    "40",
    "--site",
    "plasma",
    "--concentration-mg-per-ml",
    "1",
    "--max-rate-ml-per-h",
    "999",
]


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("model", ["domino", "kamp", "hijazi", "clements"])
def test_simulate_json_matches_reference_table(
    capsys: pytest.CaptureFixture[str], model: str
) -> None:
    times = ",".join(f"{t:g}" for t in REFERENCE_TIMES_MIN)
    out = run_json(capsys, ["simulate", "--model", model, *STANDARD, "--times", times, "--json"])
    assert out["model"] == model
    assert out["weight_kg"] == 70.0
    assert out["times_min"] == list(REFERENCE_TIMES_MIN)
    assert out["plasma_ug_per_ml"] == pytest.approx(REFERENCE_CP[model], abs=ATOL_4DP)
    assert out["effect_site_ug_per_ml"] == pytest.approx(REFERENCE_CE[model], abs=ATOL_4DP)
    assert out["warnings"] == []
    assert out["total_mg"] == pytest.approx(35.0)
    assert out["tmax_min"] == pytest.approx(40.0)
    assert "ke0_source" in out and out["ke0_per_min"] > 0


def test_segments_and_boluses_equal_the_same_dose_given_as_mg_per_kg(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """35 mg over 40 min as two segments of 17.5 mg, plus a 0-mg bolus, is the standard dose."""
    argv = [
        "simulate",
        "--model",
        "domino",
        "--weight-kg",
        "70",
        "--age",
        "40",
        "--segment",
        "0:20:17.5",
        "--segment",
        "20:20:17.5",
        "--bolus",
        "5:0",
        "--times",
        "10,40,60,120",
        "--json",
    ]
    out = run_json(capsys, argv)
    assert out["plasma_ug_per_ml"] == pytest.approx([0.1818, 0.2403, 0.0551, 0.0358], abs=ATOL_4DP)


def test_default_time_grid_covers_two_hours(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, ["simulate", "--model", "kamp", *STANDARD, "--json"])
    assert out["times_min"][0] == 0.0 and out["times_min"][-1] >= 120.0
    assert (
        len(out["times_min"]) == len(out["plasma_ug_per_ml"]) == len(out["effect_site_ug_per_ml"])
    )


def test_adolescent_gets_a_validity_warning(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "simulate",
        "--model",
        "kamp",
        "--weight-kg",
        "55",
        "--age",
        "15",
        "--dose-mg-per-kg",
        "0.5",
        "--duration-min",
        "40",
        "--json",
    ]
    out = run_json(capsys, argv)
    assert any("age 15" in w for w in out["warnings"])


def test_tci_json_has_segments_under_the_cap_and_holds_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run_json(capsys, [*TCI, "--json"])
    segments = out["segments"]
    assert segments[0]["start_s"] == 0 and segments[0]["duration_s"] == 10
    assert all(s["rate_ml_per_h"] <= 999 for s in segments)
    assert all(s["rate_mg_per_h"] == pytest.approx(s["rate_ml_per_h"] * 1) for s in segments)
    assert out["total_mg"] == pytest.approx(34.6, abs=0.2)
    assert out["max_deviation_percent"] <= 2.0
    at_end = out["times_min"].index(40.0)
    assert out["plasma_ug_per_ml"][at_end] == pytest.approx(0.2, rel=1e-6)


def test_human_summary_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--model", "domino", *STANDARD, "--times", "40"]) == 0
    text = capsys.readouterr().out
    assert "Cmax (plasma) 0.2403 µg/mL at 40.0 min" in text
    assert main(TCI) == 0
    assert "total 34.6" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "simulate",
                "--model",
                "kamp",
                "--weight-kg",
                "0",
                "--age",
                "40",
                "--dose-mg-per-kg",
                "0.5",
                "--duration-min",
                "40",
            ],
            "--weight-kg must be > 0",
        ),
        (
            [
                "simulate",
                "--model",
                "kamp",
                "--weight-kg",
                "nan",
                "--age",
                "40",
                "--dose-mg-per-kg",
                "0.5",
                "--duration-min",
                "40",
            ],
            "--weight-kg must be > 0",
        ),
        (
            [
                "simulate",
                "--model",
                "kamp",
                "--weight-kg",
                "70",
                "--age",
                "-1",
                "--dose-mg-per-kg",
                "0.5",
                "--duration-min",
                "40",
            ],
            "--age must be >= 0",
        ),
        (
            [
                "simulate",
                "--model",
                "kamp",
                "--weight-kg",
                "70",
                "--age",
                "40",
                "--dose-mg-per-kg",
                "0.5",
            ],
            "--duration-min",
        ),
        (["simulate", "--model", "kamp", "--weight-kg", "70", "--age", "40"], "--dose-mg-per-kg"),
        (
            [
                "simulate",
                "--model",
                "kamp",
                "--weight-kg",
                "70",
                "--age",
                "40",
                "--segment",
                "0:10",
            ],
            "--segment must be START_MIN:DURATION_MIN:AMOUNT_MG",
        ),
        (
            [
                "simulate",
                "--model",
                "kamp",
                "--weight-kg",
                "70",
                "--age",
                "40",
                "--segment",
                "0:0:10",
            ],
            "--segment DURATION_MIN must be > 0",
        ),
        (
            ["simulate", "--model", "kamp", "--weight-kg", "70", "--age", "40", "--bolus", "x:1"],
            "--bolus must be TIME_MIN:AMOUNT_MG",
        ),
        (
            [
                "simulate",
                "--model",
                "kamp",
                *STANDARD[4:],
                "--weight-kg",
                "70",
                "--age",
                "40",
                "--times",
                "10,-5",
            ],
            "--times must be",
        ),
        (["simulate", "--model", "propofol", *STANDARD], "--model"),
        (["simulate", "--model", "kamp", *STANDARD, "--ke0", "fast"], "--ke0 must be one of"),
        ([*TCI[:-2], "--max-rate-ml-per-h", "0"], "--max-rate-ml-per-h must be > 0"),
        ([*TCI, "--min-segment-s", "-10"], "--min-segment-s must be > 0"),
        (["tci", "--model", "kamp", "--weight-kg", "70", "--age", "40"], "required"),
    ],
)
def test_bad_arguments_exit_2_naming_the_argument(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr()
    assert message in err.err
    assert err.out == ""


def test_plot_writes_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sim_png, tci_png = tmp_path / "sim.png", tmp_path / "tci.png"
    assert main(["simulate", "--model", "kamp", *STANDARD, "--plot", str(sim_png)]) == 0
    assert main([*TCI, "--site", "effect", "--plot", str(tci_png)]) == 0
    for png in (sim_png, tci_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim.png", "tci.png"]


def test_bad_arguments_write_no_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "never.png"
    argv = [
        "simulate",
        "--model",
        "kamp",
        "--weight-kg",
        "-70",
        "--age",
        "40",
        "--dose-mg-per-kg",
        "0.5",
        "--duration-min",
        "40",
        "--plot",
        str(png),
    ]
    assert main(argv) == 2
    assert main([*TCI[:-2], "--max-rate-ml-per-h", "-1", "--plot", str(png)]) == 2
    assert main(["simulate", "--model", "kamp", *STANDARD, "--plot", str(tmp_path / "x.pdf")]) == 2
    assert list(tmp_path.iterdir()) == []


def test_models_lists_every_model_with_its_citation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    text = capsys.readouterr().out
    for needle in ("PMID 32997732", "PMID 12538370", "PMID 7459184", "7198883", "navarrete"):
        assert needle in text


def test_level_gives_time_above_and_time_until_below_after_the_infusion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Checked against the exact curve: Cp at (end + wait) equals the level."""
    from kitclinic.pharmacology import Patient, Regimen, simulate

    out = run_json(
        capsys, ["simulate", "--model", "domino", *STANDARD, "--level-ug-per-ml", "0.1", "--json"]
    )
    wait = out["min_after_infusion_until_below_level"]
    cp = simulate(
        "domino", Patient(70, 40), Regimen.weight_based_infusion(70, 0.5, 40), [40 + wait]
    ).plasma_ug_per_ml[0]
    assert cp == pytest.approx(0.1, rel=1e-8)
    assert 0 < wait < 10  # Domino falls fast after the infusion (0.0914 at 45 min)
    assert 40 < out["time_above_level_min"] < 40 + wait
    assert main(["simulate", "--model", "domino", *STANDARD, "--level-ug-per-ml", "0"]) == 2
    assert "--level-ug-per-ml must be > 0" in capsys.readouterr().err
