"""Simulation of one patient or many, and the figures derived from a concentration curve.

Concentrations in µg/mL (= mg/L), times in minutes from the start (t = 0, nothing on board),
amounts in mg. Every function here is pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import PharmacologyInputError, require_positive
from .linear import simulate_piecewise
from .models import (
    DEFAULT_MODEL,
    MicroConstants,
    PKModel,
    check_age,
    get_model,
    validity_warnings,
)
from .regimen import PiecewiseInput, Regimen, to_piecewise

FloatArray = NDArray[np.float64]
Site = Literal["plasma", "effect"]

# Resolution of the dense grid behind the derived figures, refined by root finding after.
_DENSE_STEP_MIN = 1.0 / 60.0


@dataclass(frozen=True)
class Patient:
    """The covariates the models use (weight) or check (age)."""

    weight_kg: float
    age_y: float

    def __post_init__(self) -> None:
        require_positive("weight_kg", self.weight_kg)
        check_age(self.age_y)


@dataclass(frozen=True)
class SimulationResult:
    """One patient's predicted concentrations and amounts on ``times_min`` (T,).

    ``amounts_mg`` (n, T) are the compartment amounts; ``eliminated_mg`` (T,) the cumulative
    amount cleared; ``infused_mg`` (T,) the cumulative amount given. Ce is indicative: ketamine's
    ke0 is not settled, so ``ke0_source`` travels with every result.
    """

    model: str
    model_title: str
    citation: str
    weight_kg: float
    age_y: float
    ke0_per_min: float
    ke0_source: str
    regimen: Regimen
    times_min: FloatArray
    plasma_ug_per_ml: FloatArray
    effect_site_ug_per_ml: FloatArray
    amounts_mg: FloatArray
    eliminated_mg: FloatArray
    infused_mg: FloatArray
    warnings: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class PopulationResult:
    """P patients on one time grid: concentrations (P, T) in µg/mL."""

    model: str
    weights_kg: FloatArray
    times_min: FloatArray
    plasma_ug_per_ml: FloatArray
    effect_site_ug_per_ml: FloatArray
    ke0_per_min: FloatArray
    ke0_source: str


def default_times_min(regimen: Regimen, step_min: float = 1.0) -> FloatArray:
    """0 to max(120, end of the last input + 80) min: the standard 2-h view and the tail."""
    horizon = max(120.0, float(np.ceil(regimen.end_min + 80.0)))
    return np.arange(0.0, horizon + step_min / 2, step_min)


def simulate(
    model: str | PKModel,
    patient: Patient,
    regimen: Regimen,
    times_min: ArrayLike | None = None,
    *,
    ke0: str | float | None = None,
) -> SimulationResult:
    """Exact Cp, Ce and amounts for one patient (closed form, see ``linear``).

    ``times_min``: any non-negative times, default ``default_times_min(regimen)``.
    ``ke0``: a key of ``model.ke0_options``, a value in 1/min, or None for the model default.
    """
    spec = get_model(model)
    times = default_times_min(regimen) if times_min is None else _times(times_min)
    micro = spec.micro_constants(patient.weight_kg, ke0)
    traj = simulate_piecewise(micro, to_piecewise([regimen]), times, with_amounts=True)
    assert traj.amounts_mg is not None and traj.eliminated_mg is not None
    return SimulationResult(
        model=spec.key,
        model_title=spec.title,
        citation=spec.citation,
        weight_kg=float(patient.weight_kg),
        age_y=float(patient.age_y),
        ke0_per_min=float(micro.ke0_per_min[0]),
        ke0_source=spec.ke0_source(ke0),
        regimen=regimen,
        times_min=times,
        plasma_ug_per_ml=traj.plasma_ug_per_ml[0],
        effect_site_ug_per_ml=traj.effect_site_ug_per_ml[0],
        amounts_mg=traj.amounts_mg[0],
        eliminated_mg=traj.eliminated_mg[0],
        infused_mg=regimen.infused_mg(times),
        warnings=validity_warnings(spec, patient.weight_kg, patient.age_y),
        notes=spec.notes,
    )


def simulate_population(
    model: str | PKModel,
    weights_kg: ArrayLike,
    regimens: Regimen | Sequence[Regimen],
    times_min: ArrayLike,
    *,
    dose_scale: ArrayLike | None = None,
    ke0: str | float | None = None,
) -> PopulationResult:
    """Cp and Ce (µg/mL, shape (P, T)) of P patients, vectorised.

    ``regimens``: one per patient, or one shared by all. ``dose_scale`` (P,) multiplies each
    patient's amounts and rates: pass the weights with a regimen written per kg (mg/kg) to
    give everyone the same mg/kg dose without building P regimens.
    """
    spec = get_model(model)
    weights = np.atleast_1d(np.asarray(weights_kg, dtype=np.float64))
    micro = spec.micro_constants(weights, ke0)
    if isinstance(regimens, Regimen):
        one = to_piecewise([regimens])
        inputs = PiecewiseInput(
            one.event_times_min,
            np.repeat(one.bolus_mg, weights.size, axis=0),
            np.repeat(one.rate_mg_per_min, weights.size, axis=0),
        )
    else:
        if len(regimens) != weights.size:
            raise PharmacologyInputError("regimens", "must give one regimen per patient")
        inputs = to_piecewise(list(regimens))
    if dose_scale is not None:
        factor = np.asarray(dose_scale, dtype=np.float64).reshape(-1, 1)
        if factor.shape[0] != weights.size or not np.isfinite(factor).all() or (factor < 0).any():
            raise PharmacologyInputError("dose_scale", "must be P finite numbers >= 0")
        inputs = PiecewiseInput(
            inputs.event_times_min, inputs.bolus_mg * factor, inputs.rate_mg_per_min * factor
        )
    times = _times(times_min)
    traj = simulate_piecewise(micro, inputs, times)
    return PopulationResult(
        model=spec.key,
        weights_kg=weights,
        times_min=times,
        plasma_ug_per_ml=traj.plasma_ug_per_ml,
        effect_site_ug_per_ml=traj.effect_site_ug_per_ml,
        ke0_per_min=micro.ke0_per_min,
        ke0_source=spec.ke0_source(ke0),
    )


def _times(times_min: ArrayLike) -> FloatArray:
    times = np.atleast_1d(np.asarray(times_min, dtype=np.float64)).reshape(-1)
    if times.size == 0:
        raise PharmacologyInputError("times_min", "must not be empty")
    if not np.isfinite(times).all() or (times < 0).any():
        raise PharmacologyInputError("times_min", "must be finite and >= 0")
    return times


# --- Derived figures ---------------------------------------------------------------------------


# The peak's refinement: samples per round (odd, so the window's midpoint is sampled) and the
# width of the window at which it stops (min; 1e-9 min is 60 ns).
_ZOOM_POINTS = 201
_ZOOM_TOLERANCE_MIN = 1e-9


@dataclass(frozen=True)
class _Curve:
    """One patient's concentration at a site as a function of time, for the derived figures."""

    model: PKModel
    patient: Patient
    regimen: Regimen
    site: Site
    ke0: str | float | None

    @cached_property
    def _micro(self) -> MicroConstants:
        return self.model.micro_constants(self.patient.weight_kg, self.ke0)

    @cached_property
    def _inputs(self) -> PiecewiseInput:
        return to_piecewise([self.regimen])

    def __call__(self, times_min: FloatArray) -> FloatArray:
        # The rate constants and the regimen's events are worked out once per curve: a peak's
        # refinement evaluates the curve at one time about seventy times.
        traj = simulate_piecewise(self._micro, self._inputs, times_min)
        out = traj.plasma_ug_per_ml if self.site == "plasma" else traj.effect_site_ug_per_ml
        return np.asarray(out[0])

    def at(self, t: float) -> float:
        return float(self(np.array([t]))[0])

    def dense(self, start_min: float, end_min: float) -> tuple[FloatArray, FloatArray]:
        """A 1-s grid on [start, end] that also holds every event time (where kinks are)."""
        grid = np.arange(start_min, end_min, _DENSE_STEP_MIN)
        events = self._inputs.event_times_min
        inside = events[(events >= start_min) & (events <= end_min)]
        t = np.unique(np.concatenate([grid, inside, [end_min]]))
        return t, self(t)


def _curve(
    model: str | PKModel, patient: Patient, regimen: Regimen, site: Site, ke0: str | float | None
) -> _Curve:
    if site not in ("plasma", "effect"):
        raise PharmacologyInputError("site", f"must be 'plasma' or 'effect' (got {site!r})")
    return _Curve(get_model(model), patient, regimen, site, ke0)


def peak(
    model: str | PKModel,
    patient: Patient,
    regimen: Regimen,
    *,
    site: Site = "plasma",
    ke0: str | float | None = None,
    horizon_min: float | None = None,
) -> tuple[float, float]:
    """(Cmax in µg/mL, Tmax in min) over [0, horizon] (default: end of the inputs + 60 min).

    Found on a 1-s grid holding every event time (where the kinks are), then refined on the two
    neighbouring intervals, where the curve is smooth: each round samples the window at
    ``_ZOOM_POINTS`` evenly spaced times in one evaluation and narrows it to the two intervals
    around the best sample, until the window is narrower than ``_ZOOM_TOLERANCE_MIN``. The best
    sample never gets worse (the window's midpoint is the last best), and a kink, being a grid
    time, is itself sampled.
    """
    curve = _curve(model, patient, regimen, site, ke0)
    horizon = regimen.end_min + 60.0 if horizon_min is None else horizon_min
    t, c = curve.dense(0.0, require_positive("horizon_min", horizon))
    i = int(np.argmax(c))
    best_t, best_c = float(t[i]), float(c[i])
    lo, hi = float(t[max(i - 1, 0)]), float(t[min(i + 1, t.size - 1)])
    while hi - lo > _ZOOM_TOLERANCE_MIN:
        grid = np.linspace(lo, hi, _ZOOM_POINTS)
        values = curve(grid)
        j = int(np.argmax(values))
        if values[j] > best_c:
            best_t, best_c = float(grid[j]), float(values[j])
        lo, hi = float(grid[max(j - 1, 0)]), float(grid[min(j + 1, grid.size - 1)])
    return best_c, best_t


def time_above(
    model: str | PKModel,
    patient: Patient,
    regimen: Regimen,
    threshold_ug_per_ml: float,
    *,
    site: Site = "plasma",
    ke0: str | float | None = None,
    horizon_min: float | None = None,
) -> float:
    """Minutes spent above ``threshold_ug_per_ml`` over [0, horizon] (default end + 240 min).

    Crossings are located on a 1-s grid and solved with Brent's method.
    """
    level = require_positive("threshold_ug_per_ml", threshold_ug_per_ml)
    curve = _curve(model, patient, regimen, site, ke0)
    horizon = regimen.end_min + 240.0 if horizon_min is None else horizon_min
    t, c = curve.dense(0.0, require_positive("horizon_min", horizon))
    # scipy.optimize takes about half a second to import: only a caller that needs it pays
    from scipy.optimize import brentq

    above = c > level
    total = 0.0
    start: float | None = 0.0 if above[0] else None
    for j in np.flatnonzero(above[1:] != above[:-1]):
        cross = brentq(lambda x: curve.at(x) - level, t[j], t[j + 1], xtol=1e-10)
        if above[j + 1]:
            start = float(cross)
        elif start is not None:
            total += float(cross) - start
            start = None
    if start is not None:
        total += float(t[-1]) - start
    return total


def time_to_fall_below(
    model: str | PKModel,
    patient: Patient,
    regimen: Regimen,
    level_ug_per_ml: float,
    *,
    ke0: str | float | None = None,
) -> float:
    """Minutes from the end of the last infusion until plasma first falls below the level.

    0 if it is already below at the end. The search window doubles from 1 h up to 30 days.
    """
    level = require_positive("level_ug_per_ml", level_ug_per_ml)
    end = regimen.infusion_end_min
    if end is None:
        raise PharmacologyInputError("regimen", "has no infusion to count from")
    curve = _curve(model, patient, regimen, "plasma", ke0)
    if curve.at(end) < level:
        return 0.0
    # scipy.optimize takes about half a second to import: only a caller that needs it pays
    from scipy.optimize import brentq

    window = 60.0
    while window <= 30 * 24 * 60.0:
        t, c = curve.dense(end, end + window)
        below = np.flatnonzero(c < level)
        if below.size:
            j = int(below[0])
            cross = brentq(lambda x: curve.at(x) - level, t[j - 1], t[j], xtol=1e-10)
            return float(cross) - end
        window *= 2
    raise PharmacologyInputError("level_ug_per_ml", "is not reached within 30 days")


__all__ = [
    "DEFAULT_MODEL",
    "Patient",
    "PopulationResult",
    "SimulationResult",
    "Site",
    "default_times_min",
    "peak",
    "simulate",
    "simulate_population",
    "time_above",
    "time_to_fall_below",
]
