"""CPT and HCPCS codes from what was given: infusion minutes, esketamine dose.

IV infusion ([cpt-infusion], the AMA CPT descriptors as CMS publishes them, and CMS's time rules
for the 96360-96379 family):

* an infusion of 15 minutes or less is reported as an IV push, ``96374`` x1;
* ``96365`` "initial, up to 1 hour" covers 16 to 90 minutes;
* the add-on ``96366`` "each additional hour" is counted for each hour beyond the first, the last
  one only when more than 30 minutes of it were given: 91-150 min -> x1, 151-210 min -> x2, ...

Esketamine nasal spray ([hcpcs-esketamine], CMS HCPCS, PFS final rule for 2020): ``G2082`` a visit
with up to 56 mg, ``G2083`` with more than 56 mg. The label's doses are 56 mg and 84 mg (28 mg
devices); only those two are accepted, so a typing slip (58, 560) is refused rather than billed.
28 mg (one device) is no label dose and is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

PUSH_MAX_MIN: Final = 15  # 15 min or less: a push, not an infusion
INITIAL_MAX_MIN: Final = 90  # 96365 covers up to 90 min (the first hour and 30 min of the second)
ADD_ON_THRESHOLD_MIN: Final = 30  # an extra hour counts when more than 30 min of it were given
MAX_INFUSION_MIN: Final = 24 * 60  # longer is no outpatient infusion: a typing slip

IV_PUSH: Final = "96374"
INFUSION_INITIAL: Final = "96365"
INFUSION_ADDITIONAL_HOUR: Final = "96366"
ESKETAMINE_UP_TO_56: Final = "G2082"
ESKETAMINE_OVER_56: Final = "G2083"
ESKETAMINE_DOSES_MG: Final = (56, 84)

CODE_DESCRIPTORS: Final[dict[str, str]] = {
    IV_PUSH: "Therapeutic IV push, single or initial substance/drug",
    INFUSION_INITIAL: "IV infusion, for therapy (ketamine); initial, up to 1 hour",
    INFUSION_ADDITIONAL_HOUR: "IV infusion, for therapy; each additional hour",
    ESKETAMINE_UP_TO_56: (
        "Outpatient visit, established patient, supervised esketamine nasal self-administration "
        "up to 56 mg, includes 2 hours post-administration observation"
    ),
    ESKETAMINE_OVER_56: (
        "Outpatient visit, established patient, supervised esketamine nasal self-administration "
        "greater than 56 mg, includes 2 hours post-administration observation"
    ),
}


class BillingCodeError(ValueError):
    """Input no code can be given for; ``field`` names the input, the message what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CodeUnits:
    """One code and how many units of it are reported."""

    code: str
    units: int

    def to_json_dict(self) -> dict[str, str | int]:
        return {"code": self.code, "units": self.units}


def additional_hours(minutes: int) -> int:
    """Units of 96366 for an infusion of ``minutes`` (16 or more): (minutes - 31) // 60.

    Hour n beyond the first counts from 60 * n + 31 minutes: 91 -> 1, 150 -> 1, 151 -> 2.
    """
    return max(0, (minutes - 60 - ADD_ON_THRESHOLD_MIN - 1) // 60 + 1)


def infusion_codes(minutes: int) -> tuple[CodeUnits, ...]:
    """The codes for an IV infusion that ran ``minutes`` whole minutes (1 to 1440).

    Raises :class:`BillingCodeError` (field ``minutes``) for 0 (nothing was infused), negative,
    non-integer or longer than 24 hours.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise BillingCodeError("minutes", f"a whole number of minutes is required, got {minutes!r}")
    if minutes <= 0:
        raise BillingCodeError(
            "minutes", f"must be at least 1 (no infusion ran for {minutes} minutes)"
        )
    if minutes > MAX_INFUSION_MIN:
        raise BillingCodeError(
            "minutes", f"must be at most {MAX_INFUSION_MIN} (24 hours), got {minutes}"
        )
    if minutes <= PUSH_MAX_MIN:
        return (CodeUnits(IV_PUSH, 1),)
    extra = additional_hours(minutes)
    codes = [CodeUnits(INFUSION_INITIAL, 1)]
    if extra:
        codes.append(CodeUnits(INFUSION_ADDITIONAL_HOUR, extra))
    return tuple(codes)


def esketamine_code(dose_mg: int | Decimal | str) -> str:
    """``G2082`` for 56 mg, ``G2083`` for 84 mg; any other dose raises :class:`BillingCodeError`
    (field ``dose_mg``)."""
    allowed = " or ".join(f"{d} mg" for d in ESKETAMINE_DOSES_MG)
    if isinstance(dose_mg, (bool, float)):
        raise BillingCodeError("dose_mg", f"must be a label dose, {allowed}; got {dose_mg!r}")
    try:
        dose = Decimal(str(dose_mg).strip())
    except InvalidOperation:
        raise BillingCodeError(
            "dose_mg", f"must be a label dose, {allowed}; got {dose_mg!r}"
        ) from None
    if not dose.is_finite() or dose not in {Decimal(d) for d in ESKETAMINE_DOSES_MG}:
        raise BillingCodeError("dose_mg", f"must be a label dose, {allowed}; got {dose_mg}")
    return ESKETAMINE_UP_TO_56 if dose <= 56 else ESKETAMINE_OVER_56
