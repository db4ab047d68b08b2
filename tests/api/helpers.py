"""Request bodies and records for the API tests, and the name under which the schema run reports
its counts (summed by tests/api/conftest.py)."""

from __future__ import annotations

from kitclinic.patients import services
from kitclinic.patients.models import ContraindicationScreen, Patient
from tests.patients.helpers import clear_screen
from tests.support.personas import World

SUMMARY_PROPERTY = "schemathesis summary"


def demographics(**overrides: object) -> dict[str, object]:
    """A valid JSON body registering a patient."""
    body: dict[str, object] = {
        "mrn": "NEW-1",
        "family_name": "Okafor",
        "given_name": "Ada",
        "date_of_birth": "1975-03-02",
        "sex_at_birth": "female",
        "phone": "555-0100",
    }
    body.update(overrides)
    return body


def record_screen(world: World, patient: Patient, **present: bool) -> ContraindicationScreen:
    """The nurse records a complete screen: every item absent except those given as present."""
    return services.screen_record(
        actor=world.actor("nurse"), patient=patient, answers=clear_screen(**present)
    )
