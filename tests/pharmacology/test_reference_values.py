"""Cp and Ce for the standard scenario against the oracle tables.

Independent source: the oracle tables of [opentiva] and [pytci] (opentiva 1.1.2, PyTCI 1.2.0
exact mode and a matrix-exponential solution agree on these to 4 decimals).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from kitclinic.pharmacology import Patient, Regimen, simulate
from kitclinic.pharmacology.models import MODELS, tpeak_min

from .conftest import (
    ATOL_4DP,
    KAMP_ALLOMETRIC_130KG,
    KAMP_CP40_BY_WEIGHT,
    REFERENCE_CE,
    REFERENCE_CP,
    REFERENCE_TIMES_MIN,
)

STANDARD = Regimen.weight_based_infusion(70.0, dose_mg_per_kg=0.5, duration_min=40.0)


@pytest.mark.parametrize("model", sorted(REFERENCE_CP))
def test_plasma_matches_reference_table_to_4_decimals(model: str) -> None:
    """Section 4.1 table."""
    r = simulate(model, Patient(70.0, 40.0), STANDARD, REFERENCE_TIMES_MIN)
    assert_allclose(r.plasma_ug_per_ml, REFERENCE_CP[model], atol=ATOL_4DP, rtol=0)


@pytest.mark.parametrize("model", sorted(REFERENCE_CE))
def test_effect_site_matches_reference_table_to_4_decimals(model: str) -> None:
    """Section 4.2 table (exact solution with the opentiva ke0 values, the engine default)."""
    r = simulate(model, Patient(70.0, 40.0), STANDARD, REFERENCE_TIMES_MIN)
    assert_allclose(r.effect_site_ug_per_ml, REFERENCE_CE[model], atol=ATOL_4DP, rtol=0)


@pytest.mark.parametrize("weight", sorted(KAMP_CP40_BY_WEIGHT))
def test_kamp_weight_scaling_matches_reference_table(weight: float) -> None:
    """Section 4.3: linear scaling (opentiva) and clearances x (W/70)^0.75 (SimTIVA)."""
    regimen = Regimen.weight_based_infusion(weight, 0.5, 40.0)
    linear, allometric = KAMP_CP40_BY_WEIGHT[weight]
    patient = Patient(weight, 40.0)
    got_linear = simulate("kamp", patient, regimen, [40.0]).plasma_ug_per_ml[0]
    got_allo = simulate("kamp-allometric", patient, regimen, [40.0]).plasma_ug_per_ml[0]
    assert got_linear == pytest.approx(linear, abs=ATOL_4DP)
    assert got_allo == pytest.approx(allometric, abs=ATOL_4DP)


def test_kamp_allometric_series_at_130_kg_matches_reference() -> None:
    """Section 4.3, 'Full ^0.75 series at 130 kg'."""
    times, expected = KAMP_ALLOMETRIC_130KG
    regimen = Regimen.weight_based_infusion(130.0, 0.5, 40.0)
    r = simulate("kamp-allometric", Patient(130.0, 40.0), regimen, times)
    assert_allclose(r.plasma_ug_per_ml, expected, atol=ATOL_4DP, rtol=0)


@pytest.mark.parametrize("model", ["domino", "kamp", "hijazi", "clements"])
@pytest.mark.parametrize("weight", [45.0, 70.0, 88.5, 140.0])
def test_mg_per_kg_plasma_is_the_same_at_every_weight_with_linear_scaling(
    model: str, weight: float
) -> None:
    """Section 4: with mg/kg dosing and weight-linear scaling Cp does not depend on weight."""
    regimen = Regimen.weight_based_infusion(weight, 0.5, 40.0)
    r = simulate(model, Patient(weight, 40.0), regimen, REFERENCE_TIMES_MIN)
    assert_allclose(r.plasma_ug_per_ml, REFERENCE_CP[model], atol=ATOL_4DP, rtol=0)


def test_cmax_is_at_the_end_of_the_infusion_for_every_model() -> None:
    """Section 3: predicted Cmax at 40 min: Clements 0.177, Hijazi 0.225, Domino 0.240,
    Kamp 0.253 µg/mL."""
    from kitclinic.pharmacology import peak

    expected = {"clements": 0.177, "hijazi": 0.225, "domino": 0.240, "kamp": 0.253}
    for model, cmax_expected in expected.items():
        cmax, tmax = peak(model, Patient(70.0, 40.0), STANDARD)
        assert tmax == pytest.approx(40.0, abs=1e-6)
        assert cmax == pytest.approx(cmax_expected, abs=6e-4)


@pytest.mark.parametrize("model", ["domino", "kamp", "hijazi", "clements"])
def test_default_ke0_gives_effect_peak_one_minute_after_a_bolus(model: str) -> None:
    """Section 2: 'Solving for tpeak with these values gives 1.00 min for these four'."""
    spec = MODELS[model]
    ke0 = spec.ke0_options[spec.default_ke0].ke0_per_min(np.array([70.0]))[0]
    assert tpeak_min(float(ke0), spec) == pytest.approx(1.0, abs=0.005)
