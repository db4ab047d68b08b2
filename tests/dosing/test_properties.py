"""Hypothesis properties of the dose checker over every protocol of the default library.

Arithmetic identities (dose_mg = weight × dose, volume × concentration = dose_mg,
rate × duration / 60 = dose_mg) hold up to the documented rounding (0.01 mg / mL, 0.001 mg/kg/h);
the status is the worst finding; and, above the lower limits, a larger dose never lowers it.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from kitclinic.dosing import DosingMode, Protocol, Severity, check_dose, default_library

LIB = default_library()
HALF_CENT = Decimal("0.005")

# fixed-dose (nasal) protocols have no mg/kg, rate or bag: tests/dosing/test_nasal.py
protocols = st.sampled_from([p for p in LIB.protocols if p.dosing_mode is not DosingMode.FIXED_MG])
weights = st.decimals("20", "300", places=2)
doses = st.decimals("0.01", "3", places=3)
durations = st.decimals("5", "600", places=1)


def concentrations(protocol: Protocol) -> st.SearchStrategy[Decimal]:
    standard = st.sampled_from([c.value for c in protocol.concentrations_mg_per_ml])
    return standard | st.decimals("0.1", "100", places=2)


def run(protocol: Protocol, weight: Decimal, dose: Decimal, duration: Decimal, conc: Decimal):
    return check_dose(
        protocol, weight_kg=weight, dose=dose, duration_min=duration, concentration_mg_per_ml=conc
    )


@given(protocols, weights, doses, durations, st.data())
def test_dose_mg_is_weight_times_dose(protocol, weight, dose, duration, data):
    result = run(protocol, weight, dose, duration, data.draw(concentrations(protocol)))
    per_kg = (
        dose if protocol.dosing_mode is DosingMode.MG_PER_KG_OVER_DURATION else dose * duration / 60
    )
    assert abs(result.dose_mg - weight * per_kg) <= HALF_CENT
    assert result.dose_mg >= 0


@given(protocols, weights, doses, durations, st.data())
def test_volume_times_concentration_is_the_dose(protocol, weight, dose, duration, data):
    conc = data.draw(concentrations(protocol))
    result = run(protocol, weight, dose, duration, conc)
    # volume is rounded to 0.01 mL, worth up to 0.005 mL × concentration in mg
    assert abs(result.volume_ml * conc - result.dose_mg) <= HALF_CENT * conc + HALF_CENT


@given(protocols, weights, doses, durations, st.data())
def test_rate_times_duration_is_the_dose(protocol, weight, dose, duration, data):
    conc = data.draw(concentrations(protocol))
    result = run(protocol, weight, dose, duration, conc)
    hours = duration / 60
    assert abs(result.rate_mg_per_h * hours - result.dose_mg) <= HALF_CENT * hours + HALF_CENT
    assert abs(result.rate_ml_per_h * conc - result.rate_mg_per_h) <= HALF_CENT * conc + HALF_CENT
    per_kg_h = result.rate_mg_per_kg_per_h
    assert abs(per_kg_h * weight - result.rate_mg_per_h) <= Decimal("0.0005") * weight + HALF_CENT


@given(protocols, weights, doses, durations, st.data())
def test_status_is_the_worst_finding(protocol, weight, dose, duration, data):
    result = run(protocol, weight, dose, duration, data.draw(concentrations(protocol)))
    assert result.status.rank == max(f.severity.rank for f in result.findings)
    assert (result.status is Severity.OK) == all(f.severity is Severity.OK for f in result.findings)
    assert len({f.rule for f in result.findings}) == len(result.findings)


@given(protocols, weights, doses, doses, durations, st.data())
def test_a_larger_dose_never_lowers_the_status(protocol, weight, dose_a, dose_b, duration, data):
    low, high = sorted((dose_a, dose_b))
    conc = data.draw(concentrations(protocol))
    first = run(protocol, weight, low, duration, conc)
    # a larger dose can only cure a "below the lower limit" finding; above those it is monotone
    assume(not any("_below_" in f.code for f in first.findings))
    second = run(protocol, weight, high, duration, conc)
    assert second.status.rank >= first.status.rank
