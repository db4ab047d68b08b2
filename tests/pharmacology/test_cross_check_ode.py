"""Agreement with a numerical ODE solution of the same compartment equations.

Independent source: scipy.integrate.solve_ivp (DOP853, rtol 1e-11) integrating the
micro-constant equations written out here, segment by segment, on random regimens.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.integrate import solve_ivp

from kitclinic.pharmacology import Bolus, Infusion, Patient, Regimen, simulate
from kitclinic.pharmacology.models import MODELS


def ode_solution(
    model: str, weight: float, regimen: Regimen, times: np.ndarray, ke0: float | None = None
):
    mc = MODELS[model].micro_constants(weight, ke0)
    v1, k10, k12, k21 = (
        float(x[0]) for x in (mc.v1_l, mc.k10_per_min, mc.k12_per_min, mc.k21_per_min)
    )
    three = mc.k13_per_min is not None
    k13 = float(mc.k13_per_min[0]) if three else 0.0
    k31 = float(mc.k31_per_min[0]) if mc.k31_per_min is not None else 0.0
    ke0 = float(mc.ke0_per_min[0])

    def rate(t: float) -> float:
        return sum(i.rate_mg_per_min for i in regimen.infusions if i.start_min <= t < i.end_min)

    def rhs(t: float, y: np.ndarray, u: float) -> list[float]:
        a1, a2, a3, ce = y
        return [
            u - (k10 + k12 + k13) * a1 + k21 * a2 + k31 * a3,
            k12 * a1 - k21 * a2,
            k13 * a1 - k31 * a3,
            ke0 * (a1 / v1 - ce),
        ]

    events = sorted(
        {0.0, float(times.max())}
        | {b.time_min for b in regimen.boluses}
        | {x for i in regimen.infusions for x in (i.start_min, i.end_min)}
    )
    y = np.zeros(4)
    cp = np.full(times.size, np.nan)
    ce = np.full(times.size, np.nan)
    for lo, hi in zip(events[:-1], events[1:], strict=True):
        y[0] += sum(b.amount_mg for b in regimen.boluses if b.time_min == lo)
        inside = (times >= lo) & (times < hi)
        t_eval = np.append(times[inside], hi)  # the last column is the state at the segment end
        sol = solve_ivp(
            rhs,
            (lo, hi),
            y,
            method="DOP853",
            rtol=1e-11,
            atol=1e-14,
            t_eval=t_eval,
            args=(rate(0.5 * (lo + hi)),),
        )
        cp[inside], ce[inside] = sol.y[0, :-1] / v1, sol.y[3, :-1]
        y = sol.y[:, -1].copy()
    last = times >= events[-1]
    y[0] += sum(b.amount_mg for b in regimen.boluses if b.time_min == events[-1])
    cp[last], ce[last] = y[0] / v1, y[3]
    return cp, ce


def random_regimen(rng: np.random.Generator) -> Regimen:
    infusions = tuple(
        Infusion(float(rng.uniform(0, 90)), float(rng.uniform(0.5, 40)), float(rng.uniform(0, 2)))
        for _ in range(int(rng.integers(1, 5)))
    )
    boluses = tuple(
        Bolus(float(rng.uniform(0, 90)), float(rng.uniform(0, 20)))
        for _ in range(int(rng.integers(0, 3)))
    )
    return Regimen(boluses, infusions)


@pytest.mark.parametrize("seed", range(8))
def test_closed_form_agrees_with_solve_ivp_on_random_regimens(seed: int) -> None:
    """Random boluses and overlapping infusions, random model and weight: 1e-6 relative."""
    rng = np.random.default_rng(seed)
    model = ["domino", "kamp", "kamp-allometric", "hijazi", "clements"][seed % 5]
    weight = float(rng.uniform(40, 150))
    regimen = random_regimen(rng)
    times = np.sort(rng.uniform(0.01, 180, 60))
    cp_ode, ce_ode = ode_solution(model, weight, regimen, times)
    got = simulate(model, Patient(weight, 40.0), regimen, times)
    floor = 1e-6 * max(cp_ode.max(), 1e-12)
    assert_allclose(got.plasma_ug_per_ml, cp_ode, rtol=1e-6, atol=floor)
    assert_allclose(got.effect_site_ug_per_ml, ce_ode, rtol=1e-6, atol=floor)


@pytest.mark.parametrize("model", ["hijazi", "domino"])
def test_ke0_equal_to_a_disposition_rate_is_still_solved(model: str) -> None:
    """A ke0 equal to a disposition eigenvalue makes the system defective (Jordan block); the
    engine nudges ke0 by 1e-6 relative, so Ce must still agree with the ODE to ~1e-5."""
    mc = MODELS[model].micro_constants(70.0)
    n = mc.n_compartments
    k = np.zeros((n, n))
    k10, k12, k21 = mc.k10_per_min[0], mc.k12_per_min[0], mc.k21_per_min[0]
    k13 = 0.0 if mc.k13_per_min is None else mc.k13_per_min[0]
    k[0, :2] = [-(k10 + k12 + k13), k21]
    k[1, :2] = [k12, -k21]
    if n == 3:
        k[0, 2], k[2, 0], k[2, 2] = mc.k31_per_min[0], k13, -mc.k31_per_min[0]
    ke0 = float(-np.sort(np.linalg.eigvals(k).real)[0])  # the fastest disposition rate
    regimen = Regimen((Bolus(0.0, 5.0),), (Infusion(2.0, 30.0, 0.8),))
    times = np.linspace(0.05, 120.0, 50)
    _, ce_ode = ode_solution(model, 70.0, regimen, times, ke0=ke0)
    got = simulate(model, Patient(70.0, 40.0), regimen, times, ke0=ke0)
    assert_allclose(got.effect_site_ug_per_ml, ce_ode, rtol=1e-5, atol=1e-9)
