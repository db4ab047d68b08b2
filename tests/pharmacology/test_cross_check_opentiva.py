"""Agreement with opentiva 1.1.2, an independent MIT implementation (analytic superposition of
infusions, coefficients from closed-form cubic roots; Ce by a per-second recursion).

opentiva is a test-only dependency installed by `make install` (see the Makefile): if it cannot
be imported, this module fails to import and the run fails.
"""

from __future__ import annotations

import warnings

import numpy as np
import opentiva.ketamine as ot_ketamine
import opentiva.pump as ot_pump
import pytest
from numpy.testing import assert_allclose

from kitclinic.pharmacology import Infusion, Patient, Regimen, simulate

OPENTIVA_CLASS = {
    "domino": ot_ketamine.Domino,
    "kamp": ot_ketamine.Klamp,  # opentiva's (misspelt) Kamp 2020, all x W/70
    "hijazi": ot_ketamine.Hijazi,
    "clements": ot_ketamine.Clements250,
}
END_S = 121 * 60

# (start_s, duration_s, mg per second): integer seconds, as opentiva's pump requires.
MULTI_SEGMENT = [(0, 60, 0.05), (60, 600, 0.01), (900, 1500, 0.02), (3000, 300, 0.004)]


def opentiva_run(model: str, weight_kg: float, segments: list[tuple[int, int, float]]):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # opentiva warns for every adult on Hijazi (age_upper 18)
        m = OPENTIVA_CLASS[model](sex=0, age=40, weight=weight_kg, height=175)
    pump = ot_pump.Pump(model=m, drug_concentration=10, end_time=END_S)
    for start, duration, mg_per_s in segments:
        pump.add_infusion(start=start, dose=mg_per_s, duration=duration)
    return pump.run()  # rows [t_s, Cp, Ce] for t = 0 .. END_S - 1


def ours(model: str, weight_kg: float, segments: list[tuple[int, int, float]]):
    regimen = Regimen(
        infusions=tuple(Infusion(s / 60.0, d / 60.0, r * 60.0) for s, d, r in segments)
    )
    times = np.arange(END_S) / 60.0
    return simulate(model, Patient(weight_kg, 40.0), regimen, times)


@pytest.mark.parametrize("model", sorted(OPENTIVA_CLASS))
@pytest.mark.parametrize("weight", [48.0, 70.0, 96.5, 135.0])
def test_plasma_agrees_with_opentiva_for_the_standard_infusion(model: str, weight: float) -> None:
    """0.5 mg/kg over 40 min at several weights, every second for 121 min, 1e-4 relative."""
    segments = [(0, 2400, 0.5 * weight / 2400.0)]
    ref = opentiva_run(model, weight, segments)
    got = ours(model, weight, segments)
    assert_allclose(got.plasma_ug_per_ml[1:], ref[1:, 1], rtol=1e-4, atol=0)
    # Before the infusion has run: both ~0. A peer is compared with a tolerance (its value may be
    # a rounding residue of either sign); our own exact zero is a property (test_properties).
    assert_allclose(got.plasma_ug_per_ml[0], ref[0, 1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", sorted(OPENTIVA_CLASS))
@pytest.mark.parametrize("weight", [55.0, 110.0])
def test_plasma_agrees_with_opentiva_for_multi_segment_regimens(model: str, weight: float) -> None:
    """Four infusion segments with pauses, 1e-4 relative at every second."""
    ref = opentiva_run(model, weight, MULTI_SEGMENT)
    got = ours(model, weight, MULTI_SEGMENT)
    assert_allclose(got.plasma_ug_per_ml[1:], ref[1:, 1], rtol=1e-4, atol=0)


@pytest.mark.parametrize("model", sorted(OPENTIVA_CLASS))
def test_effect_site_agrees_with_opentiva_within_its_recursion_error(model: str) -> None:
    """opentiva's Ce comes from a per-second interpolation recursion, up to 1e-4 low while Ce rises
    (its Ce recursion; [opentiva]): compare with atol 2e-4 µg/mL. Its recursion also starts one
    second late (Ce(1 s) = 0 because Cp(0) = 0), so the first 5 minutes are left out. The same lag
    after every step up in rate makes its Ce off by up to 5e-4 on multi-segment regimens, so only
    the standard scenario is compared (test_cross_check_ode checks Ce exactly)."""
    segments = [(0, 2400, 35.0 / 2400.0)]
    ref = opentiva_run(model, 70.0, segments)
    got = ours(model, 70.0, segments)
    assert_allclose(got.effect_site_ug_per_ml[300:], ref[300:, 2], atol=2e-4, rtol=0)
