"""Answers and records for the assessments tests (and the audit tests that raise an alert)."""

from __future__ import annotations

from kitclinic.assessments.models import SafetyAlert
from kitclinic.patients.models import Patient
from tests.support.personas import World

PHQ9_ITEM9 = [1, 1, 2, 2, 1, 2, 2, 1, 2]  # total 14, moderate, item 9 = 2
PHQ9_CALM = [0, 1, 0, 1, 0, 0, 1, 0, 0]  # total 3, none/minimal, item 9 = 0


def alert_raised(world: World, patient: Patient) -> SafetyAlert:
    """A nurse records a PHQ-9 with item 9 above 0 for ``patient``: the safety alert it raised."""
    from django.utils import timezone

    from kitclinic.assessments.services.assessments import assessment_record

    assessment_record(
        actor=world.actor("nurse"),
        patient=patient,
        instrument="phq9",
        answers=PHQ9_ITEM9,
        administered_at=timezone.now(),
    )
    return SafetyAlert.objects.get(patient=patient)
