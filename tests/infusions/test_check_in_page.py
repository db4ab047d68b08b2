"""The check-in page states who must give a pregnancy status from the rule's one definition
(kitclinic.intake.pregnancy) and asks for it only where the rule applies."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitclinic.intake.pregnancy import pregnancy_rule_text
from tests.factories import PatientFactory
from tests.infusions.helpers import book, make_eligible, plan

pytestmark = pytest.mark.django_db


def _page(login, session) -> str:  # type: ignore[no-untyped-def]
    response = login("nurse").get(reverse("infusions-check-in", args=[session.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_states_the_rule_for_a_patient_it_applies_to(login, session):
    page = _page(login, session)  # the default patient: female, 46
    assert f"<strong>Required for this patient</strong> ({pregnancy_rule_text()})." in page
    assert '<option value="not_applicable"' not in page


def test_the_page_neither_states_nor_asks_it_for_a_patient_it_does_not_apply_to(
    world, login, library, chair
):
    patient = PatientFactory(home_clinic=world.clinic, family_name="Moreau", sex_at_birth="male")
    eligible = make_eligible(world.actor("nurse"), world.actor("physician"), patient)
    page = _page(login, book(world, plan(world, eligible), chair))
    assert "Required for this patient" not in page
    assert '<option value="not_applicable" selected>' in page
