"""The arguments of ``kitclinic pk``: the parser, and the checks that name the flag at fault."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from ..simulate import Patient

MODEL_CHOICES = ("domino", "kamp", "hijazi", "clements")
# Engine field names -> the flags that set them, to name the flag in error messages.
FLAG_FOR_FIELD = {
    "weight_kg": "--weight-kg",
    "age_y": "--age",
    "dose_mg_per_kg": "--dose-mg-per-kg",
    "duration_min": "--duration-min",
    "times_min": "--times",
    "ke0": "--ke0",
    "ke0_per_min": "--ke0",
    "target_ug_per_ml": "--target-ug-per-ml",
    "concentration_mg_per_ml": "--concentration-mg-per-ml",
    "max_rate_ml_per_h": "--max-rate-ml-per-h",
    "min_segment_s": "--min-segment-s",
}


class UsageError(Exception):
    """Bad arguments: the message is printed and the command exits with status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message}")


def positive(flag: str, value: float | None) -> float:
    if value is None or not math.isfinite(value) or value <= 0:
        raise UsageError(f"{flag} must be > 0 (got {value})")
    return value


def non_negative(flag: str, value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"{flag} must be >= 0 (got {value})")
    return value


def floats(flag: str, text: str, n: int, shape: str) -> list[float]:
    parts = text.split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != n or not all(math.isfinite(v) for v in values):
        raise UsageError(f"{flag} must be {shape} (got {text!r})")
    return values


def times(text: str | None) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    if text is None:
        return None
    try:
        values = [float(p) for p in text.split(",") if p.strip()]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) and v >= 0 for v in values):
        raise UsageError(f"--times must be comma-separated minutes >= 0 (got {text!r})")
    return np.array(values)


def ke0(text: str | None) -> str | float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return positive("--ke0", value)


def plot_path(text: str | None) -> Path | None:
    if text is None:
        return None
    path = Path(text)
    if path.suffix.lower() != ".png":
        raise UsageError(f"--plot must name a .png file (got {text!r})")
    if not path.parent.is_dir():
        raise UsageError(f"--plot directory does not exist: {str(path.parent)!r}")
    return path


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", choices=MODEL_CHOICES, default="kamp", help="PK model (default kamp)")
    p.add_argument(
        "--kamp-scaling",
        choices=("linear", "allometric"),
        default="linear",
        help="Kamp weight scaling: all x W/70 (default) or clearances x (W/70)^0.75",
    )
    p.add_argument("--weight-kg", type=float, required=True, help="total body weight (kg)")
    p.add_argument(
        "--age", type=float, required=True, help="age (years), checked against the model"
    )
    p.add_argument("--ke0", help="ke0 option of the model (see `kitclinic pk models`) or 1/min")
    p.add_argument("--times", help="comma-separated output times (min)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--plot", metavar="FILE.png", help="write a concentration plot")


def parser() -> Parser:
    parser = Parser(prog="kitclinic pk", description="Ketamine PK simulation and TCI planning.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    sim = sub.add_parser("simulate", help="concentrations for a regimen")
    _common(sim)
    sim.add_argument("--dose-mg-per-kg", type=float, help="dose over --duration-min (mg/kg)")
    sim.add_argument("--duration-min", type=float, help="duration of the mg/kg infusion (min)")
    sim.add_argument(
        "--segment",
        action="append",
        default=[],
        metavar="START_MIN:DURATION_MIN:AMOUNT_MG",
        help="a constant-rate infusion (repeatable)",
    )
    sim.add_argument(
        "--bolus", action="append", default=[], metavar="TIME_MIN:AMOUNT_MG", help="(repeatable)"
    )
    sim.add_argument(
        "--level-ug-per-ml",
        type=float,
        help="also report the time above this plasma level and, after the infusion, until below it",
    )
    tci = sub.add_parser("tci", help="target-controlled infusion schedule")
    _common(tci)
    tci.add_argument("--target-ug-per-ml", type=float, required=True)
    tci.add_argument("--duration-min", type=float, required=True)
    tci.add_argument("--site", choices=("plasma", "effect"), default="plasma")
    tci.add_argument("--concentration-mg-per-ml", type=float, required=True, help="syringe (mg/mL)")
    tci.add_argument("--max-rate-ml-per-h", type=float, required=True, help="pump limit (mL/h)")
    tci.add_argument("--min-segment-s", type=float, default=10.0, help="shortest rate step (s)")
    sub.add_parser("models", help="list the models, their sources and ke0 options")
    return parser


def model_key(args: argparse.Namespace) -> str:
    if args.model == "kamp" and args.kamp_scaling == "allometric":
        return "kamp-allometric"
    return str(args.model)


def patient(args: argparse.Namespace) -> Patient:
    weight = positive("--weight-kg", args.weight_kg)
    age = non_negative("--age", args.age)
    return Patient(weight_kg=weight, age_y=age)
