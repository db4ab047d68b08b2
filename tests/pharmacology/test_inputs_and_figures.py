"""Impossible inputs, validity warnings, model metadata and the derived figures.

Independent sources: docs/sources.md, section 7, for the metadata; the
derived figures are checked against brute-force evaluation on a 0.1-s grid.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kitclinic.pharmacology import (
    MODELS,
    Bolus,
    Infusion,
    Patient,
    PharmacologyInputError,
    Regimen,
    Validity,
    peak,
    simulate,
    simulate_population,
    time_above,
    time_to_fall_below,
)

STANDARD = Regimen.weight_based_infusion(70.0, 0.5, 40.0)
ADULT = Patient(70.0, 40.0)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Patient(0.0, 40.0), "weight_kg"),
        (lambda: Patient(-3.0, 40.0), "weight_kg"),
        (lambda: Patient(float("nan"), 40.0), "weight_kg"),
        (lambda: Patient(float("inf"), 40.0), "weight_kg"),
        (lambda: Patient(70.0, -1.0), "age_y"),
        (lambda: Patient(70.0, float("nan")), "age_y"),
        (lambda: Infusion(0.0, 0.0, 1.0), "infusion duration_min"),
        (lambda: Infusion(-1.0, 10.0, 1.0), "infusion start_min"),
        (lambda: Bolus(0.0, float("nan")), "bolus amount_mg"),
        (lambda: simulate("kamp", ADULT, STANDARD, [10.0, -1.0]), "times_min"),
        (lambda: simulate("kamp", ADULT, STANDARD, [float("nan")]), "times_min"),
        (lambda: simulate("propofol", ADULT, STANDARD), "model"),
        (lambda: simulate("kamp", ADULT, STANDARD, ke0=-1.0), "ke0_per_min"),
        (lambda: simulate("kamp", ADULT, STANDARD, ke0="guess"), "ke0"),
        (lambda: simulate_population("kamp", [70.0, 0.0], STANDARD, [10.0]), "weight_kg"),
        (lambda: simulate_population("kamp", [70.0], [STANDARD] * 2, [10.0]), "regimens"),
    ],
)
def test_impossible_inputs_raise_an_error_naming_the_input(make, field: str) -> None:
    with pytest.raises(PharmacologyInputError) as err:
        make()
    assert err.value.field == field
    assert str(err.value).startswith(field)


@pytest.mark.parametrize("model", ["domino", "kamp", "hijazi", "clements"])
def test_every_model_carries_citation_population_validity_and_ke0_source(model: str) -> None:
    spec = MODELS[model]
    assert spec.citation and spec.population and spec.status
    assert spec.validity.age_min_y == 18.0  # adult models (docs/sources.md, section 7)
    assert spec.default_ke0 in spec.ke0_options
    r = simulate(model, ADULT, STANDARD, [40.0])
    assert r.ke0_source.startswith(spec.default_ke0)
    assert r.citation == spec.citation


def test_under_18_is_warned_but_still_simulated() -> None:
    r = simulate("domino", Patient(60.0, 16.0), STANDARD, [40.0])
    assert len(r.warnings) == 1 and "age 16" in r.warnings[0]
    assert r.plasma_ug_per_ml[0] > 0


def test_weight_outside_a_stated_range_is_warned() -> None:
    bounded = dataclasses.replace(
        MODELS["kamp"], validity=Validity(weight_min_kg=50.0, weight_max_kg=100.0)
    )
    assert simulate(bounded, Patient(70.0, 40.0), STANDARD, [1.0]).warnings == ()
    assert "below" in simulate(bounded, Patient(45.0, 40.0), STANDARD, [1.0]).warnings[0]
    assert "above" in simulate(bounded, Patient(120.0, 40.0), STANDARD, [1.0]).warnings[0]


def test_ke0_options_change_only_the_effect_site() -> None:
    """Navarrete 2025 measured ke0 0.238/min for Domino ([navarrete-2025])."""
    a = simulate("domino", ADULT, STANDARD, [10.0, 40.0])
    b = simulate("domino", ADULT, STANDARD, [10.0, 40.0], ke0="navarrete-2025")
    assert b.ke0_per_min == 0.238
    assert np.array_equal(a.plasma_ug_per_ml, b.plasma_ug_per_ml)
    assert (b.effect_site_ug_per_ml < a.effect_site_ug_per_ml).all()
    s = simulate("kamp", ADULT, STANDARD, [40.0], ke0="simtiva")
    assert s.ke0_per_min == pytest.approx(1.39, abs=0.005)  # "1.39 at 70 kg"


def test_population_equals_one_by_one_and_unsorted_times_keep_their_order() -> None:
    weights = np.array([52.0, 70.0, 118.0])
    times = np.array([90.0, 5.0, 40.0, 0.0, 41.5])
    pop = simulate_population(
        "kamp-allometric",
        weights,
        Regimen(infusions=(Infusion(0, 40, 0.5 / 40),)),
        times,
        dose_scale=weights,
    )
    for i, w in enumerate(weights):
        one = simulate(
            "kamp-allometric", Patient(w, 40.0), Regimen.weight_based_infusion(w, 0.5, 40), times
        )
        np.testing.assert_allclose(pop.plasma_ug_per_ml[i], one.plasma_ug_per_ml, rtol=1e-12)
        np.testing.assert_allclose(
            pop.effect_site_ug_per_ml[i], one.effect_site_ug_per_ml, rtol=1e-12
        )


def test_bolus_counts_from_its_own_time() -> None:
    r = simulate("kamp", ADULT, Regimen(boluses=(Bolus(10.0, 5.0),)), [0.0, 9.999, 10.0])
    assert r.plasma_ug_per_ml[0] == 0.0 and r.plasma_ug_per_ml[1] == 0.0
    assert r.plasma_ug_per_ml[2] == pytest.approx(5.0 / 25.0)  # 5 mg into V1 = 25 L


def brute(model: str, regimen: Regimen, end: float, site: str = "plasma"):
    t = np.arange(0.0, end, 0.1 / 60.0)
    r = simulate(model, ADULT, regimen, t)
    return t, (r.plasma_ug_per_ml if site == "plasma" else r.effect_site_ug_per_ml)


def test_peak_agrees_with_brute_force() -> None:
    regimen = Regimen((Bolus(0.0, 10.0),), (Infusion(5.0, 30.0, 0.6),))
    for site in ("plasma", "effect"):
        t, c = brute("domino", regimen, 100.0, site)
        cmax, tmax = peak("domino", ADULT, regimen, site=site)  # type: ignore[arg-type]
        assert cmax >= c.max() - 1e-12
        assert cmax == pytest.approx(c.max(), rel=1e-6)
        assert tmax == pytest.approx(t[np.argmax(c)], abs=0.1 / 60)


def test_time_above_threshold_agrees_with_brute_force() -> None:
    t, c = brute("kamp", STANDARD, 300.0)
    got = time_above("kamp", ADULT, STANDARD, 0.1, horizon_min=300.0)
    assert got == pytest.approx((c > 0.1).sum() * 0.1 / 60.0, abs=2 * 0.1 / 60)
    assert 40 < got < 60


def test_time_to_fall_below_lands_on_the_level_after_the_infusion() -> None:
    wait = time_to_fall_below("domino", ADULT, STANDARD, 0.1)
    r = simulate("domino", ADULT, STANDARD, [40.0 + wait - 1e-4, 40.0 + wait, 40.0 + wait + 1e-4])
    assert r.plasma_ug_per_ml[0] > 0.1 > r.plasma_ug_per_ml[2]
    assert r.plasma_ug_per_ml[1] == pytest.approx(0.1, rel=1e-8)
    assert time_to_fall_below("domino", ADULT, STANDARD, 0.5) == 0.0
    long_wait = time_to_fall_below("clements", ADULT, STANDARD, 0.01)
    assert long_wait > 120
