"""``kitclinic pk tci``: a target-controlled infusion schedule, as JSON, a summary or a plot."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from .. import ENGINE_VERSION
from ..models import get_model
from ..simulate import Patient, SimulationResult, simulate
from ..tci import TciPlan, tci_plan, time_target_reached_min
from . import arguments
from .simulate import fine_grid


def run_tci(args: argparse.Namespace) -> int:
    patient = arguments.patient(args)
    target = arguments.positive("--target-ug-per-ml", args.target_ug_per_ml)
    duration = arguments.positive("--duration-min", args.duration_min)
    conc = arguments.positive("--concentration-mg-per-ml", args.concentration_mg_per_ml)
    max_rate = arguments.positive("--max-rate-ml-per-h", args.max_rate_ml_per_h)
    seg_s = arguments.positive("--min-segment-s", args.min_segment_s)
    times = arguments.times(args.times)
    ke0 = arguments.ke0(args.ke0)
    plot = arguments.plot_path(args.plot)
    model = arguments.model_key(args)
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
    from ..plot import PlotSpec, render_png

    horizon = plan.duration_min + 20.0
    r = simulate(model, patient, plan.regimen, fine_grid(horizon), ke0=ke0)
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
