from __future__ import annotations

import pytest

from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.library import library_install_default
from kitclinic.infusions.states import SessionState
from tests.billing.helpers import ready
from tests.infusions.helpers import advance, book, make_eligible, plan, slot_time


@pytest.fixture(autouse=True)
def _afternoon(afternoon_clock):  # type: ignore[no-untyped-def]
    """Signed sessions are back-dated and fee schedules take effect today: one calendar day for
    both, whatever the hour the suite runs at."""


@pytest.fixture
def billing(world):
    return ready(world)


@pytest.fixture
def course(world, patient):
    library_install_default(organization_id=world.clinic.organization_id)
    make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    return plan(world, patient)


@pytest.fixture
def chair(world):
    return Chair.objects.create(clinic=world.clinic, name="Chair 1")


@pytest.fixture
def signed(world, course, chair):
    """One signed 40-minute infusion (96365 x1)."""
    return advance(
        world, book(world, course, chair, slot_time(hour=9, days=-1)), SessionState.SIGNED
    )
