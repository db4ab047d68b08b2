"""The patient list's search page: the first N matches and whether more matched."""

from __future__ import annotations

import pytest

from kitclinic.accounts.actor import Actor
from kitclinic.patients import services
from kitclinic.patients.selectors import patient_search_page
from tests.patients.helpers import demographics

pytestmark = pytest.mark.django_db


def _register(actor: Actor, count: int) -> None:
    for n in range(count):
        services.patient_register(
            actor=actor, data=demographics(mrn=f"KC-{n:04d}", family_name="Okafor", email="")
        )


@pytest.mark.parametrize(
    ("registered", "shown", "more"), [(2, 2, False), (3, 3, False), (4, 3, True)]
)
def test_the_page_says_more_matched_only_when_they_did(world, registered, shown, more):
    actor = Actor(user=world.users["physician"], membership=world.memberships["physician"])
    _register(actor, registered)
    page = patient_search_page(actor, "Okafor", limit=3)
    assert (len(page.patients), page.more, page.limit) == (shown, more, 3)
