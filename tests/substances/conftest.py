"""Fixtures of the controlled-substance tests: a lot at the shared clinic, a sister clinic of the
same organization, and a session checked in there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kitclinic.substances.models import SubstanceLot
from tests.substances.helpers import receive


@pytest.fixture
def lot(world) -> SubstanceLot:
    """Two vials (1000 mg) received an hour ago at the shared clinic."""
    return receive(world.actor("nurse"), occurred_at=timezone.now() - dt.timedelta(hours=1))


@pytest.fixture
def sister_clinic(world):
    """Southside, the organization's second clinic, where the nurse also works."""
    from tests.factories import MembershipFactory

    clinic = world.sister_clinic()
    MembershipFactory(user=world.users["nurse"], clinic=clinic, role="nurse")
    return clinic


@pytest.fixture
def sess(world, patient):
    """An infusion session of the shared clinic, checked in (so the forms offer it)."""
    from kitclinic.infusions.models import Chair
    from kitclinic.infusions.services.library import library_install_default
    from kitclinic.infusions.states import SessionState
    from tests.infusions.helpers import advance, book, make_eligible, plan

    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    course = plan(world, make_eligible(world.actor("nurse"), world.actor("physician"), patient))
    return advance(world, book(world, course, chair), SessionState.CHECKED_IN)
