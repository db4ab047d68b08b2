"""Fixtures of the FHIR REST tests: a patient of Northside with a full clinical record (history,
a PHQ-9 at check-in, a discharged infusion session with vitals, a laboratory result)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from kitclinic.infusions.models import Chair, InfusionSession
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from kitclinic.outcomes.models import LabResult
from tests.assessments.helpers import PHQ9_ITEM9
from tests.infusions.helpers import advance, book, make_eligible, plan, slot_time


@pytest.fixture
def treated(world, patient) -> InfusionSession:
    """``patient`` after one discharged infusion session (and a CRP result two days before)."""
    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    course = plan(world, patient)
    session = book(world, course, chair, slot_time(hour=8, days=-1))
    advance(world, session, SessionState.DISCHARGED, rating_answers=PHQ9_ITEM9)
    session.refresh_from_db()
    LabResult.objects.create(
        patient=patient,
        clinic=world.clinic,
        analyte="crp",
        loinc_code="1988-5",
        value=Decimal("4.200"),
        unit="mg/L",
        collected_at=session.started_at - timezone.timedelta(days=2),
        recorded_by=world.users["physician"],
        recorded_at=session.started_at - timezone.timedelta(days=1),
    )
    return session
