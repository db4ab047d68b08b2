"""Dosing regimens: boluses and constant-rate infusions, and their piecewise-constant form.

Times are minutes from the start of the simulation (t = 0, nothing on board before it); amounts
in mg; rates in mg/min (``rate_mg_per_h`` is offered for display).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .errors import (
    PharmacologyInputError,
    require_non_negative,
    require_positive,
)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Bolus:
    """``amount_mg`` given instantly at ``time_min`` (counted in the concentration at that time)."""

    time_min: float
    amount_mg: float

    def __post_init__(self) -> None:
        require_non_negative("bolus time_min", self.time_min)
        require_non_negative("bolus amount_mg", self.amount_mg)


@dataclass(frozen=True)
class Infusion:
    """A constant-rate infusion of ``rate_mg_per_min`` from ``start_min`` for ``duration_min``."""

    start_min: float
    duration_min: float
    rate_mg_per_min: float

    def __post_init__(self) -> None:
        require_non_negative("infusion start_min", self.start_min)
        require_positive("infusion duration_min", self.duration_min)
        require_non_negative("infusion rate_mg_per_min", self.rate_mg_per_min)

    @classmethod
    def of_amount(cls, start_min: float, duration_min: float, amount_mg: float) -> Infusion:
        """The infusion that gives ``amount_mg`` evenly over ``duration_min``."""
        duration = require_positive("infusion duration_min", duration_min)
        amount = require_non_negative("infusion amount_mg", amount_mg)
        return cls(start_min, duration, amount / duration)

    @property
    def end_min(self) -> float:
        return self.start_min + self.duration_min

    @property
    def amount_mg(self) -> float:
        return self.rate_mg_per_min * self.duration_min

    @property
    def rate_mg_per_h(self) -> float:
        return self.rate_mg_per_min * 60.0


@dataclass(frozen=True)
class Regimen:
    """Any set of boluses and infusions (infusions may overlap: their rates add)."""

    boluses: tuple[Bolus, ...] = ()
    infusions: tuple[Infusion, ...] = ()

    @classmethod
    def weight_based_infusion(
        cls, weight_kg: float, dose_mg_per_kg: float, duration_min: float, start_min: float = 0.0
    ) -> Regimen:
        """One infusion of ``dose_mg_per_kg`` x weight over ``duration_min`` (the KIT protocol)."""
        weight = require_positive("weight_kg", weight_kg)
        dose = require_positive("dose_mg_per_kg", dose_mg_per_kg)
        return cls(infusions=(Infusion.of_amount(start_min, duration_min, dose * weight),))

    @property
    def total_mg(self) -> float:
        return sum(b.amount_mg for b in self.boluses) + sum(i.amount_mg for i in self.infusions)

    @property
    def end_min(self) -> float:
        """When the last input ends (0 for an empty regimen)."""
        ends = [b.time_min for b in self.boluses] + [i.end_min for i in self.infusions]
        return max(ends, default=0.0)

    @property
    def infusion_end_min(self) -> float | None:
        """End of the last infusion, or None without infusions."""
        return max((i.end_min for i in self.infusions), default=None)

    def scaled(self, factor: float) -> Regimen:
        """The same timing with every amount and rate multiplied by ``factor``."""
        return Regimen(
            tuple(Bolus(b.time_min, b.amount_mg * factor) for b in self.boluses),
            tuple(
                Infusion(i.start_min, i.duration_min, i.rate_mg_per_min * factor)
                for i in self.infusions
            ),
        )

    def infused_mg(self, times_min: FloatArray) -> FloatArray:
        """Cumulative amount given by each time (mg), shape like ``times_min``."""
        t = np.asarray(times_min, dtype=np.float64)
        total = np.zeros_like(t)
        for b in self.boluses:
            total += np.where(t >= b.time_min, b.amount_mg, 0.0)
        for i in self.infusions:
            total += i.rate_mg_per_min * np.clip(t - i.start_min, 0.0, i.duration_min)
        return total


@dataclass(frozen=True)
class PiecewiseInput:
    """Regimens of P patients on a shared set of E event times (the input to the solver).

    ``event_times_min`` (E,) is sorted, unique and starts at 0. Row p of ``bolus_mg`` (P, E) is
    given at each event; ``rate_mg_per_min`` (P, E) runs from event e to event e+1 (the last
    rate runs on, and is 0 unless an infusion never ends).
    """

    event_times_min: FloatArray
    bolus_mg: FloatArray
    rate_mg_per_min: FloatArray


def to_piecewise(regimens: Sequence[Regimen]) -> PiecewiseInput:
    """Put the regimens of P patients on their union of event times."""
    if not regimens:
        raise PharmacologyInputError("regimens", "must not be empty")
    times = {0.0}
    for r in regimens:
        times.update(b.time_min for b in r.boluses)
        for i in r.infusions:
            times.update((i.start_min, i.end_min))
    events = np.array(sorted(times), dtype=np.float64)
    n_p, n_e = len(regimens), events.size
    bolus = np.zeros((n_p, n_e))
    # Rates are summed as +rate at start / -rate at end, then accumulated across events.
    delta = np.zeros((n_p, n_e))
    for p, r in enumerate(regimens):
        for b in r.boluses:
            bolus[p, np.searchsorted(events, b.time_min)] += b.amount_mg
        for i in r.infusions:
            delta[p, np.searchsorted(events, i.start_min)] += i.rate_mg_per_min
            delta[p, np.searchsorted(events, i.end_min)] -= i.rate_mg_per_min
    rate = np.cumsum(delta, axis=1)
    # Cancelling float sums may leave -1e-17 after an infusion ends; rates are never negative.
    rate[np.abs(rate) < 1e-12 * max(1.0, float(np.abs(delta).max(initial=0.0)))] = 0.0
    return PiecewiseInput(events, bolus, np.maximum(rate, 0.0))
