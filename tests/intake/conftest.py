"""Small builders for trial histories; the intake tests need no database."""

from __future__ import annotations

from kitclinic.intake import TreatmentClass, Trial, TrialOutcome


def failed(cls: TreatmentClass, *, partial: bool = False) -> Trial:
    """An adequate trial in the current episode that did not respond."""
    outcome = TrialOutcome.PARTIAL_RESPONSE if partial else TrialOutcome.NO_RESPONSE
    return Trial(treatment_class=cls, adequate=True, outcome=outcome, current_episode=True)


def responded(cls: TreatmentClass) -> Trial:
    return Trial(
        treatment_class=cls, adequate=True, outcome=TrialOutcome.RESPONSE, current_episode=True
    )


def failed_ssris(n: int) -> list[Trial]:
    return [failed(TreatmentClass.SSRI) for _ in range(n)]
