"""Hypothesis properties of the exact solution: what any linear compartment model must satisfy.

Independent source: the structure of linear mammillary models (superposition and homogeneity of
linear ODEs, conservation of mass, first-order effect-site lag), not any coded value.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from kitclinic.pharmacology import Bolus, Infusion, Patient, Regimen, peak, simulate

MODELS = st.sampled_from(["domino", "kamp", "kamp-allometric", "hijazi", "clements"])
WEIGHTS = st.floats(min_value=35.0, max_value=180.0)
INFUSIONS = st.builds(
    Infusion,
    start_min=st.floats(0.0, 120.0),
    duration_min=st.floats(0.1, 60.0),
    rate_mg_per_min=st.floats(0.0, 5.0),
)
BOLUSES = st.builds(Bolus, time_min=st.floats(0.0, 120.0), amount_mg=st.floats(0.0, 40.0))
REGIMENS = st.builds(
    Regimen,
    boluses=st.lists(BOLUSES, max_size=3).map(tuple),
    infusions=st.lists(INFUSIONS, min_size=1, max_size=4).map(tuple),
)
TIMES = np.linspace(0.0, 240.0, 241)
FAST = settings(max_examples=40, deadline=None)


def sim(model: str, weight: float, regimen: Regimen):
    return simulate(model, Patient(weight, 40.0), regimen, TIMES)


@FAST
@given(MODELS, WEIGHTS, REGIMENS)
def test_concentrations_are_never_negative(model: str, weight: float, regimen: Regimen) -> None:
    """Exactly: no tolerance, so a rounding residue of either sign cannot pass on one CPU and
    fail on another."""
    r = sim(model, weight, regimen)
    assert (r.plasma_ug_per_ml >= 0.0).all()
    assert (r.effect_site_ug_per_ml >= 0.0).all()
    assert (r.amounts_mg >= 0.0).all()


@FAST
@given(MODELS, WEIGHTS, REGIMENS, st.floats(0.0, 120.0))
def test_everything_is_exactly_zero_before_the_first_dose(
    model: str, weight: float, regimen: Regimen, delay_min: float
) -> None:
    """The body holds no drug before the first bolus or before an infusion has run at all:
    exact zeros, whatever the BLAS kernel (a sum of cancelling exponentials gives +-5e-17)."""
    late = Regimen(
        boluses=tuple(Bolus(b.time_min + delay_min, b.amount_mg) for b in regimen.boluses),
        infusions=tuple(
            Infusion(i.start_min + delay_min, i.duration_min, i.rate_mg_per_min)
            for i in regimen.infusions
        ),
    )
    r = sim(model, weight, late)
    first_bolus = min((b.time_min for b in late.boluses if b.amount_mg > 0), default=np.inf)
    first_rate = min((i.start_min for i in late.infusions if i.rate_mg_per_min > 0), default=np.inf)
    undosed = (TIMES < first_bolus) & (TIMES <= first_rate)
    assert (r.plasma_ug_per_ml[undosed] == 0.0).all()
    assert (r.effect_site_ug_per_ml[undosed] == 0.0).all()
    assert (r.amounts_mg[:, undosed] == 0.0).all()


@FAST
@given(MODELS, WEIGHTS, REGIMENS, st.floats(0.01, 50.0))
def test_concentration_is_linear_in_dose(
    model: str, weight: float, regimen: Regimen, factor: float
) -> None:
    base = sim(model, weight, regimen)
    scaled = sim(model, weight, regimen.scaled(factor))
    atol = 1e-12 * factor * max(1e-12, float(base.plasma_ug_per_ml.max()))
    assert_allclose(scaled.plasma_ug_per_ml, factor * base.plasma_ug_per_ml, rtol=1e-9, atol=atol)
    assert_allclose(
        scaled.effect_site_ug_per_ml, factor * base.effect_site_ug_per_ml, rtol=1e-9, atol=atol
    )


@FAST
@given(MODELS, WEIGHTS, REGIMENS, REGIMENS)
def test_segments_superpose(model: str, weight: float, a: Regimen, b: Regimen) -> None:
    both = Regimen(a.boluses + b.boluses, a.infusions + b.infusions)
    ra, rb, rab = sim(model, weight, a), sim(model, weight, b), sim(model, weight, both)
    atol = 1e-12 * max(1e-12, float(rab.plasma_ug_per_ml.max()))
    assert_allclose(rab.plasma_ug_per_ml, ra.plasma_ug_per_ml + rb.plasma_ug_per_ml, 1e-9, atol)
    assert_allclose(
        rab.effect_site_ug_per_ml, ra.effect_site_ug_per_ml + rb.effect_site_ug_per_ml, 1e-9, atol
    )


@FAST
@given(MODELS, WEIGHTS, REGIMENS)
def test_mass_balance_given_equals_in_body_plus_eliminated(
    model: str, weight: float, regimen: Regimen
) -> None:
    """The eliminated amount is integrated from A1 alone (k10 x integral of A1)."""
    r = sim(model, weight, regimen)
    in_body = r.amounts_mg.sum(axis=0)
    assert_allclose(
        in_body + r.eliminated_mg, r.infused_mg, rtol=1e-9, atol=1e-9 * max(1.0, regimen.total_mg)
    )


@FAST
@given(MODELS, WEIGHTS, st.floats(1.0, 60.0), st.floats(0.05, 3.0))
def test_effect_site_lags_plasma_for_a_single_infusion(
    model: str, weight: float, duration: float, rate: float
) -> None:
    """Cp rises monotonically during a constant infusion from zero and falls after it; the
    first-order effect site (dCe/dt = ke0 (Cp - Ce)) stays below Cp while it rises, peaks
    later than Cp, and stays above Cp after its peak."""
    regimen = Regimen(infusions=(Infusion(0.0, duration, rate),))
    r = sim(model, weight, regimen)
    patient = Patient(weight, 40.0)
    _, tmax_plasma = peak(model, patient, regimen, site="plasma")
    _, tmax_effect = peak(model, patient, regimen, site="effect")
    assert tmax_effect >= tmax_plasma - 1e-6
    rising = (TIMES > 0) & (TIMES <= tmax_effect)
    falling = TIMES > tmax_effect
    tol = 1e-9 * float(r.plasma_ug_per_ml.max())
    assert (r.effect_site_ug_per_ml[rising] <= r.plasma_ug_per_ml[rising] + tol).all()
    assert (r.effect_site_ug_per_ml[falling] >= r.plasma_ug_per_ml[falling] - tol).all()
