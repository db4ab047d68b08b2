"""Ketamine PK models: parameters, sources, populations, validity and ke0 choices.

Every number here comes from a source in docs/sources.md (section 7): the primary citation
([domino-1984], [kamp-2020], [hijazi-2003], [clements-1981], [navarrete-2025]) and the peer
implementations that agree on it ([opentiva], [simtiva], [stanpumpr]). All four adult
models are linear mammillary models whose only covariate is total body weight; age is used only
to check the model's validity.

Units: volumes in L, rate constants and ke0 in 1/min, weight in kg, age in years.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import PharmacologyInputError, require_finite

FloatArray = NDArray[np.float64]

# Every model here was fitted in adults (docs/sources.md, section 7).
ADULT_AGE_Y = 18.0


@dataclass(frozen=True)
class MicroConstants:
    """Per-patient micro-constants of a mammillary model with an effect compartment.

    Every field is an array of shape (P,), one value per patient. ``k13``/``k31`` are None for
    a two-compartment model.
    """

    v1_l: FloatArray
    k10_per_min: FloatArray
    k12_per_min: FloatArray
    k21_per_min: FloatArray
    k13_per_min: FloatArray | None
    k31_per_min: FloatArray | None
    ke0_per_min: FloatArray

    @property
    def n_compartments(self) -> int:
        return 2 if self.k13_per_min is None else 3

    @property
    def n_patients(self) -> int:
        return int(self.v1_l.shape[0])


@dataclass(frozen=True)
class Ke0Option:
    """One way of choosing ke0 (1/min), with where it comes from."""

    key: str
    source: str
    ke0_per_min: Callable[[FloatArray], FloatArray]  # weight_kg (P,) -> ke0 (P,)


@dataclass(frozen=True)
class Validity:
    """Range of patients the model was built on. None means "not stated in the sources"."""

    age_min_y: float | None = None
    age_max_y: float | None = None
    weight_min_kg: float | None = None
    weight_max_kg: float | None = None


@dataclass(frozen=True)
class PKModel:
    """A published PK model of racemic ketamine and everything needed to cite and bound it."""

    key: str
    title: str
    citation: str
    population: str
    structure: str
    status: str
    validity: Validity
    scaling: Callable[
        [FloatArray], tuple[FloatArray, ...]
    ]  # weight (P,) -> v1, k10, k12, k21[, k13, k31]
    ke0_options: Mapping[str, Ke0Option]
    default_ke0: str
    notes: tuple[str, ...] = field(default=())

    def micro_constants(
        self, weight_kg: ArrayLike, ke0: str | float | None = None
    ) -> MicroConstants:
        """Micro-constants for weights (kg, shape (P,) or scalar).

        ``ke0`` is the key of one of ``ke0_options``, a number in 1/min, or None for the default.
        """
        weights = np.atleast_1d(np.asarray(weight_kg, dtype=np.float64))
        check_weights(weights)
        params = self.scaling(weights)
        ke0_values = self.ke0_per_min(weights, ke0)
        v1, k10, k12, k21 = params[:4]
        k13 = params[4] if len(params) > 4 else None
        k31 = params[5] if len(params) > 5 else None
        return MicroConstants(v1, k10, k12, k21, k13, k31, ke0_values)

    def ke0_per_min(self, weights: FloatArray, ke0: str | float | None) -> FloatArray:
        if ke0 is None or isinstance(ke0, str):
            option = self.ke0_option(ke0)
            return np.broadcast_to(option.ke0_per_min(weights), weights.shape).astype(np.float64)
        value = require_finite("ke0_per_min", ke0)
        if value <= 0:
            raise PharmacologyInputError("ke0_per_min", f"must be > 0 (got {value:g})")
        return np.full(weights.shape, value)

    def ke0_option(self, key: str | None) -> Ke0Option:
        key = self.default_ke0 if key is None else key
        try:
            return self.ke0_options[key]
        except KeyError:
            choices = ", ".join(sorted(self.ke0_options))
            raise PharmacologyInputError(
                "ke0", f"must be one of {choices} for model {self.key} (got {key!r})"
            ) from None

    def ke0_source(self, ke0: str | float | None) -> str:
        if ke0 is None or isinstance(ke0, str):
            option = self.ke0_option(ke0)
            return f"{option.key}: {option.source}"
        return f"user-supplied ke0 {float(ke0):g}/min"


def check_weights(weights: FloatArray) -> None:
    """Raise unless every weight is a finite number > 0 kg."""
    if weights.size == 0:
        raise PharmacologyInputError("weight_kg", "must not be empty")
    bad = ~np.isfinite(weights) | (weights <= 0)
    if bad.any():
        raise PharmacologyInputError(
            "weight_kg", f"must be a finite number > 0 (got {weights[bad][0]!r})"
        )


def check_age(age_y: float) -> float:
    """Return the age as float, or raise if it is negative or not finite."""
    age = require_finite("age_y", age_y)
    if age < 0:
        raise PharmacologyInputError("age_y", f"must be >= 0 (got {age:g})")
    return age


def validity_warnings(model: PKModel, weight_kg: float, age_y: float) -> tuple[str, ...]:
    """Warnings for a patient outside the population the model was built on."""
    v = model.validity
    out: list[str] = []
    if v.age_min_y is not None and age_y < v.age_min_y:
        out.append(
            f"age {age_y:g} y is below the {model.title} model's range (>= {v.age_min_y:g} y)"
        )
    if v.age_max_y is not None and age_y > v.age_max_y:
        out.append(
            f"age {age_y:g} y is above the {model.title} model's range (<= {v.age_max_y:g} y)"
        )
    if v.weight_min_kg is not None and weight_kg < v.weight_min_kg:
        out.append(
            f"weight {weight_kg:g} kg is below the {model.title} model's range "
            f"(>= {v.weight_min_kg:g} kg)"
        )
    if v.weight_max_kg is not None and weight_kg > v.weight_max_kg:
        out.append(
            f"weight {weight_kg:g} kg is above the {model.title} model's range "
            f"(<= {v.weight_max_kg:g} kg)"
        )
    return tuple(out)


def _constant(value: float) -> Callable[[FloatArray], FloatArray]:
    return lambda w: np.full(w.shape, value)


def _per_kg_v1_scaling(
    v1_l_per_kg: float, k10: float, k12: float, k21: float, k13: float | None, k31: float | None
) -> Callable[[FloatArray], tuple[FloatArray, ...]]:
    """V1 proportional to weight, rate constants fixed (Domino, Hijazi, Clements)."""

    def scale(w: FloatArray) -> tuple[FloatArray, ...]:
        ks = [k10, k12, k21] + ([] if k13 is None or k31 is None else [k13, k31])
        return (v1_l_per_kg * w, *(np.full(w.shape, k) for k in ks))

    return scale


# Kamp 2020, per 70 kg ([kamp-2020]): volumes in L, clearances in L/h.
KAMP_V1_L, KAMP_V2_L, KAMP_V3_L = 25.0, 56.0, 157.0
KAMP_CL_L_PER_H, KAMP_Q2_L_PER_H, KAMP_Q3_L_PER_H = 84.0, 161.0, 79.0


def _kamp_scaling(clearance_exponent: float) -> Callable[[FloatArray], tuple[FloatArray, ...]]:
    """Volumes x W/70; clearances x (W/70)^exponent (1 = opentiva, 0.75 = SimTIVA)."""

    def scale(w: FloatArray) -> tuple[FloatArray, ...]:
        size = w / 70.0
        cl_size = size**clearance_exponent
        v1, v2, v3 = KAMP_V1_L * size, KAMP_V2_L * size, KAMP_V3_L * size
        cl = KAMP_CL_L_PER_H / 60.0 * cl_size
        q2 = KAMP_Q2_L_PER_H / 60.0 * cl_size
        q3 = KAMP_Q3_L_PER_H / 60.0 * cl_size
        return (v1, cl / v1, q2 / v1, q2 / v2, q3 / v1, q3 / v3)

    return scale


TPEAK_1MIN_SOURCE = (
    "opentiva 1.1.2 ketamine.py, derived from an assumed time to peak effect of 1 min after a "
    "bolus (an assumption, not a measurement)"
)

DOMINO = PKModel(
    key="domino",
    title="Domino",
    citation=(
        "Domino et al.; Clin Pharmacol Ther 1984;36:645-653 (per stanpumpR) or PMID 7198883 "
        "(per opentiva): citation unresolved"
    ),
    population="adults",
    structure="3-compartment; V1 = 0.063 L/kg x weight, fixed rate constants",
    status="peer-code: four independent codings agree; primary paper not yet checked",
    validity=Validity(age_min_y=ADULT_AGE_Y),
    scaling=_per_kg_v1_scaling(0.063, 0.4381, 0.5921, 0.2470, 0.5900, 0.0146),
    ke0_options={
        "tpeak-1min": Ke0Option("tpeak-1min", TPEAK_1MIN_SOURCE, _constant(0.652)),
        "navarrete-2025": Ke0Option(
            "navarrete-2025",
            "measured under general anaesthesia (ANI endpoint), 95% CI 0.20-0.28; "
            "Navarrete et al., J Clin Monit Comput 2025;39:349-354 (used by SimTIVA)",
            _constant(0.238),
        ),
    },
    default_ke0="tpeak-1min",
    notes=("primary publication not checked; parameters from four agreeing peer codings",),
)


def _kamp(key: str, title: str, structure: str, clearance_exponent: float) -> PKModel:
    """Kamp 2020 with one of the two weight scalings coded by peers ([opentiva], [simtiva])."""
    return PKModel(
        key=key,
        title=title,
        citation=(
            "Kamp et al., Anesthesiology 2020;133(6):1192-1213, "
            "DOI 10.1097/ALN.0000000000003577, PMID 32997732"
        ),
        population="pooled analysis of 14 raw data sets, arterial samples",
        structure=structure,
        status="raw-model parameters peer-code (identical in 2 codings); weight scaling unverified",
        validity=Validity(age_min_y=ADULT_AGE_Y),
        scaling=_kamp_scaling(clearance_exponent),
        ke0_options={
            "tpeak-1min": Ke0Option("tpeak-1min", TPEAK_1MIN_SOURCE, _constant(2.791)),
            "simtiva": Ke0Option(
                "simtiva",
                "0.1876 ln(weight_kg) + 0.5932 (1.39/min at 70 kg), SimTIVA pharmacology.js",
                lambda w: 0.1876 * np.log(w) + 0.5932,
            ),
        },
        default_ke0="tpeak-1min",
        notes=(
            "predicts arterial concentrations: venous clinical samples are expected to be lower",
            "the published model's two venous delay compartments are not implemented",
        ),
    )


KAMP = _kamp(
    "kamp", "Kamp 2020", "3-compartment; all volumes and clearances x weight/70 (as opentiva)", 1.0
)
KAMP_ALLOMETRIC = _kamp(
    "kamp-allometric",
    "Kamp 2020 (allometric)",
    "3-compartment; volumes x weight/70, clearances x (weight/70)^0.75 (as SimTIVA)",
    0.75,
)

HIJAZI = PKModel(
    key="hijazi",
    title="Hijazi 2003",
    citation="Hijazi et al., BJA 2003;90:155-160, DOI 10.1093/bja/aeg028, PMID 12538370",
    population="12 adult ICU patients with brain or spinal-cord injury",
    structure="2-compartment; V1 = 1.08 L/kg x weight, fixed rate constants",
    status="CL, Vbeta and t1/2beta verified in the abstract; micro-constants peer-code",
    validity=Validity(age_min_y=ADULT_AGE_Y),
    scaling=_per_kg_v1_scaling(1.08, 0.0333, 0.0088, 0.0030, None, None),
    ke0_options={"tpeak-1min": Ke0Option("tpeak-1min", TPEAK_1MIN_SOURCE, _constant(4.773))},
    default_ke0="tpeak-1min",
    notes=("ICU population with brain or spinal-cord injury: not a healthy outpatient population",),
)

CLEMENTS = PKModel(
    key="clements",
    title="Clements 1981 (250 ug/kg)",
    citation="Clements & Nimmo, BJA 1981;53(1):27, DOI 10.1093/bja/53.1.27, PMID 7459184",
    population="adult volunteers",
    structure="2-compartment; V1 = 1.7522 L/kg x weight, fixed rate constants",
    status="peer-code, unverified; only opentiva codes it",
    validity=Validity(age_min_y=ADULT_AGE_Y),
    scaling=_per_kg_v1_scaling(1.7522, 0.0109, 0.0186, 0.0137, None, None),
    ke0_options={"tpeak-1min": Ke0Option("tpeak-1min", TPEAK_1MIN_SOURCE, _constant(5.2))},
    default_ke0="tpeak-1min",
    notes=("V1 of 1.75 L/kg looks like a whole-body volume, not a central volume (unverified)",),
)

MODELS: dict[str, PKModel] = {m.key: m for m in (DOMINO, KAMP, KAMP_ALLOMETRIC, HIJAZI, CLEMENTS)}
# Kamp: pooled raw data from 14 studies and a resolved citation, against Domino's unresolved one.
DEFAULT_MODEL = "kamp"


def get_model(key: str | PKModel) -> PKModel:
    """The model registered under ``key`` (``domino``, ``kamp``, ``kamp-allometric`` ...)."""
    if isinstance(key, PKModel):
        return key
    try:
        return MODELS[key]
    except KeyError:
        raise PharmacologyInputError(
            "model", f"must be one of {', '.join(MODELS)} (got {key!r})"
        ) from None


def tpeak_min(ke0_per_min: float, model: PKModel, weight_kg: float = 70.0) -> float:
    """Time (min) of the effect-site peak after a bolus, for checking a ke0 choice."""
    from .linear import bolus_peak  # local: linear imports this module's types

    micro = model.micro_constants(weight_kg, ke0_per_min)
    return bolus_peak(micro)[0]


__all__ = [
    "ADULT_AGE_Y",
    "CLEMENTS",
    "DEFAULT_MODEL",
    "DOMINO",
    "HIJAZI",
    "KAMP",
    "KAMP_ALLOMETRIC",
    "MODELS",
    "Ke0Option",
    "MicroConstants",
    "PKModel",
    "Validity",
    "check_age",
    "get_model",
    "tpeak_min",
    "validity_warnings",
]
