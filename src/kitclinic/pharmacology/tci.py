"""Target-controlled infusion: a piecewise-constant pump schedule that holds a target.

The controller works on segments of ``min_segment_s`` (10 s by default), like a pump that may
change its rate only that often, and predicts with the exact closed form of ``linear``:

* plasma target (Jacobs 1990, segment controller as in R ``tci::tci_plasma``): for each segment,
  rate = (target - Cp at the segment end with no new drug) / (Cp at the segment end after a unit
  rate from zero), clamped to [0, cap]. Cp then lands on the target at every segment end;
* effect-site target (Shafer & Gregg 1992, J Pharmacokinet Biopharm, PMID 1629794, the peak
  method): for each segment, the largest rate such that the predicted Ce with this segment's
  drug and nothing after never rises above the target, clamped to [0, cap]. The first
  segments give the "bolus" (at the cap if needed) and the pump pauses while Ce climbs to its
  peak, where Cp = Ce = target; from then on the plasma controller holds Cp, and so Ce, at the
  target.

Sources: [jacobs-1990], [shafer-gregg-1992]; peers [opentiva], [pytci].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .errors import PharmacologyInputError, require_positive
from .linear import modal_of
from .models import PKModel, get_model, validity_warnings
from .regimen import Infusion, Regimen
from .simulate import Patient

FloatArray = NDArray[np.float64]
Site = Literal["plasma", "effect"]

# The site concentration counts as having reached the target within this fraction of it.
REACHED_TOLERANCE = 0.002


@dataclass(frozen=True)
class RateSegment:
    """A pump segment: from ``start_s`` for ``duration_s`` seconds at a constant rate."""

    start_s: float
    duration_s: float
    rate_mg_per_h: float
    rate_ml_per_h: float


@dataclass(frozen=True)
class TciPlan:
    """The schedule, its regimen (for simulation) and what it was asked for."""

    model: str
    weight_kg: float
    age_y: float
    site: Site
    target_ug_per_ml: float
    duration_min: float
    concentration_mg_per_ml: float
    max_rate_ml_per_h: float
    min_segment_s: float
    ke0_per_min: float
    ke0_source: str
    segments: tuple[RateSegment, ...]
    warnings: tuple[str, ...]

    @property
    def total_mg(self) -> float:
        return sum(s.rate_mg_per_h * s.duration_s / 3600.0 for s in self.segments)

    @property
    def total_ml(self) -> float:
        return self.total_mg / self.concentration_mg_per_ml

    @property
    def regimen(self) -> Regimen:
        return Regimen(
            infusions=tuple(
                Infusion(s.start_s / 60.0, s.duration_s / 60.0, s.rate_mg_per_h / 60.0)
                for s in self.segments
                if s.rate_mg_per_h > 0
            )
        )


def tci_plan(
    model: str | PKModel,
    patient: Patient,
    *,
    target_ug_per_ml: float,
    duration_min: float,
    concentration_mg_per_ml: float,
    max_rate_ml_per_h: float,
    site: Site = "plasma",
    min_segment_s: float = 10.0,
    ke0: str | float | None = None,
) -> TciPlan:
    """Rate schedule that brings ``site`` to ``target_ug_per_ml`` and holds it for the duration.

    No segment's rate exceeds ``max_rate_ml_per_h`` x ``concentration_mg_per_ml``. Segments of
    equal rate are merged; every segment is at least ``min_segment_s`` long except possibly the
    last.
    """
    spec = get_model(model)
    target = require_positive("target_ug_per_ml", target_ug_per_ml)
    duration = require_positive("duration_min", duration_min)
    conc = require_positive("concentration_mg_per_ml", concentration_mg_per_ml)
    max_rate = require_positive("max_rate_ml_per_h", max_rate_ml_per_h)
    seg_s = require_positive("min_segment_s", min_segment_s)
    if site not in ("plasma", "effect"):
        raise PharmacologyInputError("site", f"must be 'plasma' or 'effect' (got {site!r})")
    if seg_s / 60.0 > duration:
        raise PharmacologyInputError("min_segment_s", "must not exceed the duration")

    micro = spec.micro_constants(patient.weight_kg, ke0)
    modal, _ = modal_of(micro)
    cap_mg_per_min = max_rate * conc / 60.0
    v1 = float(micro.v1_l[0])
    n_full = int(np.floor(duration * 60.0 / seg_s + 1e-9))
    lengths_min = [seg_s / 60.0] * n_full
    rest = duration - n_full * seg_s / 60.0
    if rest > 1e-9:
        lengths_min.append(rest)

    plasma = _Predictor(modal.eigenvalues[0], modal.input_gain[0], modal.to_plasma_amount[0] / v1)
    if site == "plasma":
        rates = _schedule(plasma, lengths_min, target, cap_mg_per_min, _plasma_step)
    else:
        effect = _Predictor(
            modal.eigenvalues[0], modal.input_gain[0], modal.to_effect_amount[0] / v1
        )
        rates = _schedule(effect, lengths_min, target, cap_mg_per_min, _effect_step, hold=plasma)
    segments = _merge(lengths_min, rates, conc)
    return TciPlan(
        model=spec.key,
        weight_kg=patient.weight_kg,
        age_y=patient.age_y,
        site=site,
        target_ug_per_ml=target,
        duration_min=duration,
        concentration_mg_per_ml=conc,
        max_rate_ml_per_h=max_rate,
        min_segment_s=seg_s,
        ke0_per_min=float(micro.ke0_per_min[0]),
        ke0_source=spec.ke0_source(ke0),
        segments=segments,
        warnings=validity_warnings(spec, patient.weight_kg, patient.age_y),
    )


@dataclass(frozen=True)
class _Predictor:
    """Closed-form predictions for one patient in modal coordinates (see ``linear.Modal``)."""

    lam: FloatArray  # (M,)
    gain: FloatArray  # (M,)
    out: FloatArray  # (M,) weights mode -> site concentration (µg/mL)

    def free(self, z: FloatArray, tau: FloatArray) -> FloatArray:
        """Site concentration at times ``tau`` after now with no new drug: (G,)."""
        return np.asarray(np.exp(np.outer(tau, self.lam)) @ (self.out * z))

    def unit(self, length: float, tau: FloatArray) -> FloatArray:
        """Site concentration at ``tau`` from 1 mg/min during [0, length] and nothing after."""
        during = np.minimum(tau, length)
        grown = np.expm1(np.outer(during, self.lam)) / self.lam  # modes at min(tau, length)
        decay = np.exp(np.outer(np.maximum(tau - length, 0.0), self.lam))
        return np.asarray((grown * decay) @ (self.out * self.gain))

    def advance(self, z: FloatArray, rate: float, length: float) -> FloatArray:
        e = np.exp(self.lam * length)
        return np.asarray(z * e + self.gain * rate * np.expm1(self.lam * length) / self.lam)


def _plasma_step(p: _Predictor, z: FloatArray, length: float, target: float) -> float:
    end = np.array([length])
    return float((target - p.free(z, end)[0]) / p.unit(length, end)[0])


def _effect_step(p: _Predictor, z: FloatArray, length: float, target: float) -> float:
    # Horizon: long enough for the slowest effect-site equilibration (5 / ke0), at 1-s steps,
    # then refined around the binding time.
    ke0 = -float(p.lam[-1])
    horizon = length + max(10.0, 5.0 / ke0)
    tau = np.arange(1, int(np.ceil(horizon * 60.0)) + 1) / 60.0
    tau = np.union1d(tau, [length])
    unit = p.unit(length, tau)
    ok = unit > 1e-12 * unit.max()
    ratio = (target - p.free(z, tau[ok])) / unit[ok]
    i = int(np.argmin(ratio))
    t_ok = tau[ok]
    lo, hi = t_ok[max(i - 1, 0)], t_ok[min(i + 1, t_ok.size - 1)]
    fine = np.linspace(lo, hi, 201)
    ratio_fine = (target - p.free(z, fine)) / p.unit(length, fine)
    return float(min(ratio.min(), ratio_fine.min()))


def _schedule(
    pred: _Predictor,
    lengths_min: list[float],
    target: float,
    cap_mg_per_min: float,
    step: Callable[[_Predictor, FloatArray, float, float], float],
    hold: _Predictor | None = None,
) -> list[float]:
    """Rate (mg/min) of each segment, in order, each clamped to [0, cap].

    With ``hold`` (effect-site targeting), once the site has reached the target the plan
    switches to holding the plasma at the target with the plasma controller: at the Ce peak
    Cp = Ce, so Ce then stays at the target without the on/off ringing that re-applying the
    peak method every 10 s causes.
    """
    z = np.zeros_like(pred.lam)
    rates: list[float] = []
    holding = False
    for length in lengths_min:
        now = pred.free(z, np.zeros(1))[0]
        holding = holding or (hold is not None and now >= target * (1.0 - REACHED_TOLERANCE))
        wanted = (
            _plasma_step(hold, z, length, target)
            if holding and hold
            else (step(pred, z, length, target))
        )
        rate = float(min(max(wanted, 0.0), cap_mg_per_min))
        rates.append(rate)
        z = pred.advance(z, rate, length)
    return rates


def _merge(lengths_min: list[float], rates: list[float], conc: float) -> tuple[RateSegment, ...]:
    out: list[RateSegment] = []
    start_s = 0.0
    for length, rate in zip(lengths_min, rates, strict=True):
        length_s = length * 60.0
        mg_h = rate * 60.0
        if out and out[-1].rate_mg_per_h == mg_h:
            last = out[-1]
            out[-1] = RateSegment(last.start_s, last.duration_s + length_s, mg_h, mg_h / conc)
        else:
            out.append(RateSegment(start_s, length_s, mg_h, mg_h / conc))
        start_s += length_s
    return tuple(out)


def time_target_reached_min(
    times_min: FloatArray, conc_ug_per_ml: FloatArray, target_ug_per_ml: float
) -> float | None:
    """First time the concentration is within ``REACHED_TOLERANCE`` of the target, or None."""
    hit = np.flatnonzero(conc_ug_per_ml >= target_ug_per_ml * (1.0 - REACHED_TOLERANCE))
    return float(times_min[hit[0]]) if hit.size else None


__all__ = [
    "REACHED_TOLERANCE",
    "RateSegment",
    "TciPlan",
    "tci_plan",
    "time_target_reached_min",
]
