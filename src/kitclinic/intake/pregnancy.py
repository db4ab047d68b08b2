"""Who must state a pregnancy status before each infusion.

Pregnancy is a relative contraindication to ketamine infusions ([cohen-2018]); at check-in a
patient whose sex at birth is female or intersex and whose age is within the range below states
it, and pregnant or unknown fails the check-in gate (a physician reviews before ordering). The
check-in page, the check-in service and its error message all apply the same two functions.

The age range is a clinic policy, not a clinical figure: no source gives one. ``PREGNANCY_AGE_Y``
is the default; each clinic may set its own (its clinic settings, read by
``kitclinic.accounts.selectors.clinic_settings``), and callers pass that range in.
"""

from __future__ import annotations

# Pregnancy status is required for patients of these sexes at birth within an age range (years,
# both ends included): the default range, a clinic policy choice (see the module docstring).
PREGNANCY_SEXES: tuple[str, ...] = ("female", "intersex")
PREGNANCY_AGE_Y: tuple[int, int] = (12, 55)


def pregnancy_status_required(
    sex_at_birth: str, age_y: int, age_range_y: tuple[int, int] = PREGNANCY_AGE_Y
) -> bool:
    """Whether a patient of ``sex_at_birth`` aged ``age_y`` (whole years) must state a pregnancy
    status at check-in, in a clinic whose range is ``age_range_y`` (years, both ends included)."""
    low, high = age_range_y
    return sex_at_birth in PREGNANCY_SEXES and low <= age_y <= high


def pregnancy_rule_text(age_range_y: tuple[int, int] = PREGNANCY_AGE_Y) -> str:
    """The rule in words, e.g. "sex at birth female or intersex, age 12–55"."""
    low, high = age_range_y
    return f"sex at birth {' or '.join(PREGNANCY_SEXES)}, age {low}–{high}"
