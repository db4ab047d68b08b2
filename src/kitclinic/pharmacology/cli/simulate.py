"""``kitclinic pk simulate``: concentrations for a regimen, as JSON, a summary or a plot."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from .. import ENGINE_VERSION
from ..regimen import Bolus, Infusion, Regimen
from ..simulate import (
    Patient,
    SimulationResult,
    peak,
    simulate,
    time_above,
    time_to_fall_below,
)
from . import arguments


def _regimen(args: argparse.Namespace, weight_kg: float) -> Regimen:
    infusions: list[Infusion] = []
    boluses: list[Bolus] = []
    if args.dose_mg_per_kg is not None or args.duration_min is not None:
        if args.dose_mg_per_kg is None or args.duration_min is None:
            raise arguments.UsageError("--dose-mg-per-kg and --duration-min must be given together")
        dose = arguments.positive("--dose-mg-per-kg", args.dose_mg_per_kg)
        duration = arguments.positive("--duration-min", args.duration_min)
        infusions.append(Infusion.of_amount(0.0, duration, dose * weight_kg))
    shape = "START_MIN:DURATION_MIN:AMOUNT_MG"
    for text in args.segment:
        start, duration, amount = arguments.floats("--segment", text, 3, shape)
        arguments.non_negative("--segment START_MIN", start)
        arguments.positive("--segment DURATION_MIN", duration)
        arguments.non_negative("--segment AMOUNT_MG", amount)
        infusions.append(Infusion.of_amount(start, duration, amount))
    for text in args.bolus:
        time, amount = arguments.floats("--bolus", text, 2, "TIME_MIN:AMOUNT_MG")
        boluses.append(
            Bolus(
                arguments.non_negative("--bolus TIME_MIN", time),
                arguments.non_negative("--bolus AMOUNT_MG", amount),
            )
        )
    if not infusions and not boluses:
        raise arguments.UsageError(
            "give --dose-mg-per-kg with --duration-min, or --segment / --bolus"
        )
    return Regimen(tuple(boluses), tuple(infusions))


def run_simulate(args: argparse.Namespace) -> int:
    patient = arguments.patient(args)
    regimen = _regimen(args, patient.weight_kg)
    times = arguments.times(args.times)
    ke0 = arguments.ke0(args.ke0)
    plot = arguments.plot_path(args.plot)
    model = arguments.model_key(args)
    result = simulate(model, patient, regimen, times, ke0=ke0)
    cmax, tmax = peak(model, patient, regimen, ke0=ke0)
    figures: dict[str, float | None] = {"cmax_ug_per_ml": cmax, "tmax_min": tmax}
    if args.level_ug_per_ml is not None:
        level = arguments.positive("--level-ug-per-ml", args.level_ug_per_ml)
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
    from ..plot import PlotSpec, render_png

    horizon = float(max(r.times_min.max(), r.regimen.end_min + 10.0))
    events = [b.time_min for b in r.regimen.boluses] + [
        x for i in r.regimen.infusions for x in (i.start_min, i.end_min)
    ]
    grid = fine_grid(horizon, events)
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


def fine_grid(
    horizon_min: float, events_min: list[float] | None = None
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """1,201 plot points, plus the event times so that kinks and bolus jumps are drawn sharp."""
    grid = np.linspace(0.0, horizon_min, 1201)
    if events_min:
        events = np.array([e for e in events_min if 0 <= e <= horizon_min])
        grid = np.union1d(grid, np.concatenate([events, np.maximum(events - 1e-6, 0.0)]))
    return grid
