from __future__ import annotations

import pytest

from kitclinic.infusions.models import Chair
from kitclinic.infusions.services.library import library_install_default
from tests.factories import PatientFactory
from tests.infusions.helpers import book, make_eligible, plan


@pytest.fixture
def library(world):
    return library_install_default(organization_id=world.clinic.organization_id)


@pytest.fixture
def chair(world):
    return Chair.objects.create(clinic=world.clinic, name="Chair 1")


@pytest.fixture
def chair2(world):
    return Chair.objects.create(clinic=world.clinic, name="Chair 2")


@pytest.fixture
def eligible(world, patient):
    return make_eligible(world.actor("nurse"), world.actor("physician"), patient)


@pytest.fixture
def course(world, library, eligible):
    return plan(world, eligible)


@pytest.fixture
def session(world, course, chair):
    return book(world, course, chair)


@pytest.fixture
def other_eligible(world):
    other = PatientFactory(home_clinic=world.clinic, family_name="Okafor", given_name="Ben")
    return make_eligible(world.actor("nurse"), world.actor("physician"), other)


@pytest.fixture
def physician2(world):
    """A second physician of the shared clinic (orders in the API tests, so that the physician
    persona may do the independent double check)."""
    from kitclinic.accounts.actor import Actor
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="physician2")
    return Actor(
        user=user, membership=MembershipFactory(user=user, clinic=world.clinic, role="physician")
    )
