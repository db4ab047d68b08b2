"""Shared helpers for the patient, audit and web tests."""

from __future__ import annotations

import datetime as dt

from kitclinic.accounts.actor import Actor
from kitclinic.intake import contraindications
from kitclinic.patients import services
from kitclinic.patients.models import (
    Patient,
)

# Signing "eligible" always needs the physician's rationale.
ELIGIBLE_RATIONALE = "F33.2 on file, two adequate failed trials, clear screen: agree."


def clear_screen(**present: bool) -> dict[str, bool]:
    """Every catalogue item answered absent, except those passed as present."""
    answers = {item.code: False for item in contraindications.CATALOGUE}
    for code, value in present.items():
        assert code in answers, code
        answers[code] = value
    return answers


def demographics(**overrides: object) -> services.Demographics:
    values: dict[str, object] = {
        "mrn": "KC-1001",
        "family_name": "Okafor",
        "given_name": "Ada",
        "date_of_birth": dt.date(1985, 3, 14),
        "sex_at_birth": "female",
        "phone": "555-0100",
        "email": "ada@example.org",
    }
    values.update(overrides)
    return services.Demographics(**values)  # type: ignore[arg-type]


def add_trd_history(nurse: Actor, patient: Patient) -> None:
    """A primary depression diagnosis, a current episode and two adequate failed trials (TRD met,
    Thase–Rush stage II, MSM scorable)."""
    services.diagnosis_add(
        actor=nurse,
        patient=patient,
        icd10_code="F33.2",
        description="Major depressive disorder, recurrent, severe",
        is_primary=True,
    )
    services.episode_update(
        actor=nurse,
        patient=patient,
        onset_date=dt.date(2024, 1, 10),
        severity="severe_without_psychosis",
    )
    services.trial_add(
        actor=nurse,
        patient=patient,
        treatment_name="Sertraline",
        treatment_class="ssri",
        dose_text="150 mg/day",
        weeks=8,
        adequate=True,
        outcome="no_response",
    )
    services.trial_add(
        actor=nurse,
        patient=patient,
        treatment_name="Venlafaxine XR",
        treatment_class="snri",
        dose_text="225 mg/day",
        weeks=10,
        adequate=True,
        outcome="partial_response",
    )


def add_full_record(nurse: Actor, physician: Actor, patient: Patient) -> None:
    """History, a clear screen and a signed eligibility decision for depression."""
    add_trd_history(nurse, patient)
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    services.eligibility_decide(
        actor=physician,
        patient=patient,
        indication="depression",
        outcome="eligible",
        rationale=ELIGIBLE_RATIONALE,
    )
