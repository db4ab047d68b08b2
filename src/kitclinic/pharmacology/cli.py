"""``kitclinic pk ...``: simulate a regimen or plan a TCI from the command line.

JSON for machines (``--json``), a PNG for people (``--plot FILE.png``), a short summary
otherwise. Bad arguments exit with status 2, a message naming the argument on stderr, and no
file written.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import ENGINE_VERSION
from .errors import PharmacologyInputError
from .models import MODELS, get_model
from .regimen import Bolus, Infusion, Regimen
from .simulate import (
    Patient,
    SimulationResult,
    peak,
    simulate,
    time_above,
    time_to_fall_below,
)
from .tci import TciPlan, tci_plan, time_target_reached_min

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


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: error: {message}")


def _positive(flag: str, value: float | None) -> float:
    if value is None or not math.isfinite(value) or value <= 0:
        raise _UsageError(f"{flag} must be > 0 (got {value})")
    return value


def _non_negative(flag: str, value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise _UsageError(f"{flag} must be >= 0 (got {value})")
    return value


def _floats(flag: str, text: str, n: int, shape: str) -> list[float]:
    parts = text.split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != n or not all(math.isfinite(v) for v in values):
        raise _UsageError(f"{flag} must be {shape} (got {text!r})")
    return values


def _times(text: str | None) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    if text is None:
        return None
    try:
        values = [float(p) for p in text.split(",") if p.strip()]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) and v >= 0 for v in values):
        raise _UsageError(f"--times must be comma-separated minutes >= 0 (got {text!r})")
    return np.array(values)


def _ke0(text: str | None) -> str | float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return _positive("--ke0", value)


def _plot_path(text: str | None) -> Path | None:
    if text is None:
        return None
    path = Path(text)
    if path.suffix.lower() != ".png":
        raise _UsageError(f"--plot must name a .png file (got {text!r})")
    if not path.parent.is_dir():
        raise _UsageError(f"--plot directory does not exist: {str(path.parent)!r}")
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


def _parser() -> _Parser:
    parser = _Parser(prog="kitclinic pk", description="Ketamine PK simulation and TCI planning.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
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


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(args_list)
        if args.command == "models":
            print(_models_text())
            return 0
        if args.command == "simulate":
            return _run_simulate(args)
        return _run_tci(args)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except PharmacologyInputError as exc:
        flag = FLAG_FOR_FIELD.get(exc.field, exc.field)
        print(f"kitclinic pk: error: {flag} {str(exc)[len(exc.field) + 1 :]}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)


def _model_key(args: argparse.Namespace) -> str:
    if args.model == "kamp" and args.kamp_scaling == "allometric":
        return "kamp-allometric"
    return str(args.model)


def _patient(args: argparse.Namespace) -> Patient:
    weight = _positive("--weight-kg", args.weight_kg)
    age = _non_negative("--age", args.age)
    return Patient(weight_kg=weight, age_y=age)


def _regimen(args: argparse.Namespace, weight_kg: float) -> Regimen:
    infusions: list[Infusion] = []
    boluses: list[Bolus] = []
    if args.dose_mg_per_kg is not None or args.duration_min is not None:
        if args.dose_mg_per_kg is None or args.duration_min is None:
            raise _UsageError("--dose-mg-per-kg and --duration-min must be given together")
        dose = _positive("--dose-mg-per-kg", args.dose_mg_per_kg)
        duration = _positive("--duration-min", args.duration_min)
        infusions.append(Infusion.of_amount(0.0, duration, dose * weight_kg))
    shape = "START_MIN:DURATION_MIN:AMOUNT_MG"
    for text in args.segment:
        start, duration, amount = _floats("--segment", text, 3, shape)
        _non_negative("--segment START_MIN", start)
        _positive("--segment DURATION_MIN", duration)
        _non_negative("--segment AMOUNT_MG", amount)
        infusions.append(Infusion.of_amount(start, duration, amount))
    for text in args.bolus:
        time, amount = _floats("--bolus", text, 2, "TIME_MIN:AMOUNT_MG")
        boluses.append(
            Bolus(
                _non_negative("--bolus TIME_MIN", time), _non_negative("--bolus AMOUNT_MG", amount)
            )
        )
    if not infusions and not boluses:
        raise _UsageError("give --dose-mg-per-kg with --duration-min, or --segment / --bolus")
    return Regimen(tuple(boluses), tuple(infusions))


def _run_simulate(args: argparse.Namespace) -> int:
    patient = _patient(args)
    regimen = _regimen(args, patient.weight_kg)
    times = _times(args.times)
    ke0 = _ke0(args.ke0)
    plot = _plot_path(args.plot)
    model = _model_key(args)
    result = simulate(model, patient, regimen, times, ke0=ke0)
    cmax, tmax = peak(model, patient, regimen, ke0=ke0)
    figures: dict[str, float | None] = {"cmax_ug_per_ml": cmax, "tmax_min": tmax}
    if args.level_ug_per_ml is not None:
        level = _positive("--level-ug-per-ml", args.level_ug_per_ml)
        figures["level_ug_per_ml"] = level
        figures["time_above_level_min"] = time_above(model, patient, regimen, level, ke0=ke0)
        figures["min_after_infusion_until_below_level"] = (
            None
            if regimen.infusion_end_min is None
            else time_to_fall_below(model, patient, regimen, level, ke0=ke0)
        )
    if args.json:
        print(json.dumps({**_simulation_json(result), **figures}, indent=2))
    else:
        print(_simulation_text(result, figures))
    if plot is not None:
        _plot_simulation(result, plot)
    return 0


def _simulation_json(r: SimulationResult) -> dict[str, Any]:
    return {
        "model": r.model,
        "model_title": r.model_title,
        "citation": r.citation,
        "weight_kg": r.weight_kg,
        "age_y": r.age_y,
        "total_mg": r.regimen.total_mg,
        "ke0_per_min": r.ke0_per_min,
        "ke0_source": r.ke0_source,
        "times_min": r.times_min.tolist(),
        "plasma_ug_per_ml": r.plasma_ug_per_ml.tolist(),
        "effect_site_ug_per_ml": r.effect_site_ug_per_ml.tolist(),
        "warnings": list(r.warnings),
        "notes": list(r.notes),
        "engine_version": ENGINE_VERSION,
    }


def _simulation_text(r: SimulationResult, figures: dict[str, float | None]) -> str:
    cmax, tmax = figures["cmax_ug_per_ml"], figures["tmax_min"]
    lines = [
        f"{r.model_title}: {r.weight_kg:g} kg, {r.age_y:g} y, {r.regimen.total_mg:.2f} mg in total",
        f"Cmax (plasma) {cmax:.4f} µg/mL at {tmax:.1f} min; ke0 {r.ke0_per_min:g}/min",
        "  time (min)   Cp (µg/mL)   Ce (µg/mL, indicative)",
    ]
    shown = _summary_rows(r.times_min)
    for i in shown:
        t, cp, ce = r.times_min[i], r.plasma_ug_per_ml[i], r.effect_site_ug_per_ml[i]
        lines.append(f"  {t:10.1f}   {cp:10.4f}   {ce:10.4f}")
    if len(shown) < r.times_min.size:
        lines.append(f"  ({len(shown)} of {r.times_min.size} times shown; --json gives all)")
    if "level_ug_per_ml" in figures:
        level, above = figures["level_ug_per_ml"], figures["time_above_level_min"]
        lines.append(f"plasma above {level:g} µg/mL for {above:.1f} min")
        wait = figures["min_after_infusion_until_below_level"]
        if wait is not None:
            lines.append(f"below {level:g} µg/mL {wait:.1f} min after the end of the infusion")
    lines += [f"warning: {w}" for w in r.warnings] + [f"note: {n}" for n in r.notes]
    return "\n".join(lines)


def _summary_rows(times_min: np.ndarray[Any, np.dtype[np.float64]]) -> list[int]:
    """Indices of the rows a person needs: all of a short grid, else every 10 min."""
    if times_min.size <= 15:
        return list(range(times_min.size))
    tens = np.flatnonzero(np.isclose(np.mod(times_min, 10.0), 0.0))
    if 2 <= tens.size <= 25:
        return [int(i) for i in tens]
    return sorted({int(i) for i in np.linspace(0, times_min.size - 1, 13).round()})


def _plot_simulation(r: SimulationResult, path: Path) -> None:
    from .plot import PlotSpec, render_png

    horizon = float(max(r.times_min.max(), r.regimen.end_min + 10.0))
    events = [b.time_min for b in r.regimen.boluses] + [
        x for i in r.regimen.infusions for x in (i.start_min, i.end_min)
    ]
    grid = _fine_grid(horizon, events)
    fine = simulate(r.model, Patient(r.weight_kg, r.age_y), r.regimen, grid, ke0=r.ke0_per_min)
    spec = PlotSpec(
        title=f"Ketamine, {r.model_title} model",
        subtitle=(
            f"{r.weight_kg:g} kg, {r.age_y:g} y; {r.regimen.total_mg:.1f} mg "
            f"({r.regimen.total_mg / r.weight_kg:.2f} mg/kg)"
        ),
        times_min=fine.times_min,
        plasma_ug_per_ml=fine.plasma_ug_per_ml,
        effect_site_ug_per_ml=fine.effect_site_ug_per_ml,
        infusion_spans_min=[(i.start_min, i.end_min) for i in r.regimen.infusions],
        bolus_times_min=[b.time_min for b in r.regimen.boluses],
        show_anchor=True,
        footnote=(
            f"ke0 {r.ke0_per_min:g}/min ({r.ke0_source.split(':')[0]}); Ce is indicative. "
            f"{r.citation}. Simulation aid, not a pump controller."
            + "".join(f"\nWarning: {w}" for w in r.warnings)
        ),
    )
    render_png(spec, path)


def _fine_grid(
    horizon_min: float, events_min: list[float] | None = None
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """1,201 plot points, plus the event times so that kinks and bolus jumps are drawn sharp."""
    grid = np.linspace(0.0, horizon_min, 1201)
    if events_min:
        events = np.array([e for e in events_min if 0 <= e <= horizon_min])
        grid = np.union1d(grid, np.concatenate([events, np.maximum(events - 1e-6, 0.0)]))
    return grid


def _run_tci(args: argparse.Namespace) -> int:
    patient = _patient(args)
    target = _positive("--target-ug-per-ml", args.target_ug_per_ml)
    duration = _positive("--duration-min", args.duration_min)
    conc = _positive("--concentration-mg-per-ml", args.concentration_mg_per_ml)
    max_rate = _positive("--max-rate-ml-per-h", args.max_rate_ml_per_h)
    seg_s = _positive("--min-segment-s", args.min_segment_s)
    times = _times(args.times)
    ke0 = _ke0(args.ke0)
    plot = _plot_path(args.plot)
    model = _model_key(args)
    plan = tci_plan(
        model,
        patient,
        target_ug_per_ml=target,
        duration_min=duration,
        concentration_mg_per_ml=conc,
        max_rate_ml_per_h=max_rate,
        site=args.site,
        min_segment_s=seg_s,
        ke0=ke0,
    )
    if times is None:
        times = np.arange(0.0, duration + 20.0 + 0.25, 0.5)
    result = simulate(model, patient, plan.regimen, times, ke0=ke0)
    check = _tci_check(plan, model, patient, ke0)
    if args.json:
        print(json.dumps(_tci_json(plan, result, check), indent=2))
    else:
        print(_tci_text(plan, check))
    if plot is not None:
        _plot_tci(plan, model, patient, ke0, path=plot)
    return 0


def _tci_check(
    plan: TciPlan, model: str, patient: Patient, ke0: str | float | None
) -> dict[str, float | None]:
    """When the target is reached and the worst deviation after, on a 1-s grid."""
    t = np.arange(0.0, plan.duration_min * 60.0 + 0.5) / 60.0
    r = simulate(model, patient, plan.regimen, t, ke0=ke0)
    c = r.plasma_ug_per_ml if plan.site == "plasma" else r.effect_site_ug_per_ml
    reached = time_target_reached_min(t, c, plan.target_ug_per_ml)
    if reached is None:
        return {"time_target_reached_min": None, "max_deviation_percent": None}
    after = c[t >= reached]
    deviation = float(np.abs(after / plan.target_ug_per_ml - 1.0).max() * 100.0)
    return {"time_target_reached_min": reached, "max_deviation_percent": deviation}


def _tci_json(plan: TciPlan, r: SimulationResult, check: dict[str, float | None]) -> dict[str, Any]:
    return {
        "model": plan.model,
        "weight_kg": plan.weight_kg,
        "age_y": plan.age_y,
        "site": plan.site,
        "target_ug_per_ml": plan.target_ug_per_ml,
        "duration_min": plan.duration_min,
        "concentration_mg_per_ml": plan.concentration_mg_per_ml,
        "max_rate_ml_per_h": plan.max_rate_ml_per_h,
        "min_segment_s": plan.min_segment_s,
        "segments": [
            {
                "start_s": s.start_s,
                "duration_s": s.duration_s,
                "rate_ml_per_h": round(s.rate_ml_per_h, 6),  # float noise, not pump resolution
                "rate_mg_per_h": round(s.rate_mg_per_h, 6),
            }
            for s in plan.segments
        ],
        "total_mg": plan.total_mg,
        "total_ml": plan.total_ml,
        **check,
        "ke0_per_min": plan.ke0_per_min,
        "ke0_source": plan.ke0_source,
        "times_min": r.times_min.tolist(),
        "plasma_ug_per_ml": r.plasma_ug_per_ml.tolist(),
        "effect_site_ug_per_ml": r.effect_site_ug_per_ml.tolist(),
        "warnings": list(plan.warnings),
        "engine_version": ENGINE_VERSION,
    }


def _tci_text(plan: TciPlan, check: dict[str, float | None]) -> str:
    reached = check["time_target_reached_min"]
    lines = [
        f"TCI {plan.model}, {plan.site} target {plan.target_ug_per_ml:g} µg/mL for "
        f"{plan.duration_min:g} min; {plan.weight_kg:g} kg; syringe {plan.concentration_mg_per_ml:g}"
        f" mg/mL, pump limit {plan.max_rate_ml_per_h:g} mL/h",
        f"total {plan.total_mg:.2f} mg ({plan.total_ml:.2f} mL) in {len(plan.segments)} segments",
        "target not reached"
        if reached is None
        else f"target reached at {reached:.2f} min; then within "
        f"{check['max_deviation_percent']:.2f}% of it",
        "  start (s)   duration (s)   rate (mL/h)   rate (mg/h)",
    ]
    shown = plan.segments[:8]
    for s in shown:
        lines.append(
            f"  {s.start_s:9.0f}   {s.duration_s:12.0f}   {s.rate_ml_per_h:11.2f}   "
            f"{s.rate_mg_per_h:11.2f}"
        )
    if len(plan.segments) > len(shown):
        lines.append(f"  ... {len(plan.segments) - len(shown)} more (use --json)")
    lines += [f"warning: {w}" for w in plan.warnings]
    return "\n".join(lines)


def _plot_tci(
    plan: TciPlan, model: str, patient: Patient, ke0: str | float | None, *, path: Path
) -> None:
    from .plot import PlotSpec, render_png

    horizon = plan.duration_min + 20.0
    r = simulate(model, patient, plan.regimen, _fine_grid(horizon), ke0=ke0)
    edges = np.array([s.start_s / 60.0 for s in plan.segments] + [plan.duration_min])
    rates = np.array([s.rate_ml_per_h for s in plan.segments])
    spec = PlotSpec(
        title=f"Ketamine TCI, {get_model(model).title} model, {plan.site} target",
        subtitle=(
            f"{plan.weight_kg:g} kg; target {plan.target_ug_per_ml:g} µg/mL for "
            f"{plan.duration_min:g} min; {plan.total_mg:.1f} mg ({plan.total_ml:.1f} mL of "
            f"{plan.concentration_mg_per_ml:g} mg/mL), pump limit {plan.max_rate_ml_per_h:g} mL/h"
        ),
        times_min=r.times_min,
        plasma_ug_per_ml=r.plasma_ug_per_ml,
        effect_site_ug_per_ml=r.effect_site_ug_per_ml,
        infusion_spans_min=[(i.start_min, i.end_min) for i in plan.regimen.infusions],
        target_ug_per_ml=plan.target_ug_per_ml,
        rate_steps=(edges, rates),
        footnote=(
            f"ke0 {plan.ke0_per_min:g}/min ({plan.ke0_source.split(':')[0]}); Ce is indicative. "
            "Segment-wise plan on the model's prediction: a simulation aid, not a pump controller."
            + "".join(f"\nWarning: {w}" for w in plan.warnings)
        ),
    )
    render_png(spec, path)


def _models_text() -> str:
    lines = []
    for m in MODELS.values():
        lines.append(f"{m.key}: {m.title}. {m.citation}")
        lines.append(f"    population: {m.population}; {m.structure}")
        lines.append(f"    status: {m.status}")
        for key, opt in m.ke0_options.items():
            default = " (default)" if key == m.default_ke0 else ""
            lines.append(f"    ke0 {key}{default}: {opt.source}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
