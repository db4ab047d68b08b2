"""Ketamine pharmacokinetics: a pure engine (NumPy/SciPy, no Django).

Predicts plasma (Cp) and effect-site (Ce) concentrations of racemic ketamine, in µg/mL, for any
sequence of boluses and constant-rate infusions, exactly (closed-form solution of the linear
compartment system), for one patient or many at once, and plans target-controlled infusions.
A display and simulation aid, not a pump controller. See docs/pharmacology.md.

Entry points::

    from kitclinic.pharmacology import Patient, Regimen, simulate, tci_plan
    result = simulate("kamp", Patient(weight_kg=70, age_y=40),
                      Regimen.weight_based_infusion(70, dose_mg_per_kg=0.5, duration_min=40))
"""

from __future__ import annotations

from .errors import PharmacologyInputError
from .models import DEFAULT_MODEL, MODELS, Ke0Option, PKModel, Validity, get_model
from .regimen import Bolus, Infusion, Regimen
from .simulate import (
    Patient,
    PopulationResult,
    SimulationResult,
    default_times_min,
    peak,
    simulate,
    simulate_population,
    time_above,
    time_to_fall_below,
)
from .tci import RateSegment, TciPlan, tci_plan, time_target_reached_min

ENGINE_VERSION = "1.0"

__all__ = [
    "DEFAULT_MODEL",
    "ENGINE_VERSION",
    "MODELS",
    "Bolus",
    "Infusion",
    "Ke0Option",
    "PKModel",
    "Patient",
    "PharmacologyInputError",
    "PopulationResult",
    "RateSegment",
    "Regimen",
    "SimulationResult",
    "TciPlan",
    "Validity",
    "default_times_min",
    "get_model",
    "peak",
    "simulate",
    "simulate_population",
    "tci_plan",
    "time_above",
    "time_target_reached_min",
    "time_to_fall_below",
]
