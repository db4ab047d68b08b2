"""Fixtures of the payment tests: a patient's booked session, a package type, a sister clinic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kitclinic.payments.models import PackageType
from kitclinic.payments.services.setup import package_type_create


@pytest.fixture
def course_chair(world, patient):
    """An eligible patient's depression course and a chair at the shared clinic."""
    from kitclinic.infusions.models import Chair
    from kitclinic.infusions.services.library import library_install_default
    from tests.infusions.helpers import make_eligible, plan

    library_install_default(organization_id=world.clinic.organization_id)
    chair = Chair.objects.create(clinic=world.clinic, name="Chair 1")
    course = plan(world, make_eligible(world.actor("nurse"), world.actor("physician"), patient))
    return course, chair


@pytest.fixture
def sess(world, course_chair):
    """A session of the patient booked today at the shared clinic."""
    from tests.infusions.helpers import book

    course, chair = course_chair
    return book(world, course, chair)


@pytest.fixture
def six_pack(world) -> PackageType:
    return package_type_create(
        actor=world.actor("clinic_admin"),
        name="Course of six infusions",
        sessions=6,
        price=Decimal("2400.00"),
    )
