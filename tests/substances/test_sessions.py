"""The infusion sessions an entry names: the log asks the source the infusions app registers which
sessions a form offers, which one an id names, and whether a session took place."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse

from kitclinic.infusions.states import SessionState
from kitclinic.substances import sessions
from kitclinic.substances.services import dispensing
from tests.infusions.helpers import advance, book, slot_time
from tests.substances.helpers import receive
from tests.support.clients import api_client, web_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancelled(world, sess):
    """A second session of the same course, booked for tomorrow and cancelled."""
    later = book(world, sess.course, sess.appointment.chair, when=slot_time(days=1))
    return advance(world, later, SessionState.CANCELLED)


def _refused(call) -> list[str]:
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        call()
    assert row_counts() == before
    return exc.value.message_dict["session"]


def test_a_dispense_or_waste_for_a_session_that_did_not_take_place_is_refused(
    world, lot, cancelled
):
    nurse = world.actor("nurse")
    message = ["This session did not take place (cancelled)."]
    assert (
        _refused(
            lambda: dispensing.substance_dispense(
                actor=nurse, lot=lot, quantity_mg=Decimal("10"), session=cancelled
            )
        )
        == message
    )
    assert (
        _refused(
            lambda: dispensing.substance_waste(
                actor=nurse,
                lot=lot,
                quantity_mg=Decimal("10"),
                witness=world.users["physician"],
                reason="Remainder",
                session=cancelled,
            )
        )
        == message
    )


def test_a_session_of_another_clinic_than_the_lots_is_refused(world, sess, sister_clinic):
    nurse = world.actor("nurse")
    southside_lot = receive(nurse.at_clinic(sister_clinic.pk), lot_number="KX-SOUTH")
    assert _refused(
        lambda: dispensing.substance_dispense(
            actor=nurse, lot=southside_lot, quantity_mg=Decimal("10"), session=sess
        )
    ) == ["This session is not at the clinic holding the lot."]


def test_the_dispense_form_offers_sessions_under_way_with_their_state_in_words(
    world, lot, sess, cancelled
):
    page = web_client(world, "nurse").get(reverse("substance-dispense")).content.decode()
    assert f"#{sess.pk} · {sess.patient.display_name} · session {sess.number} (Checked in)" in page
    assert "checked_in" not in page
    assert f'value="{cancelled.pk}"' not in page


def test_the_api_refuses_a_cancelled_session_on_its_field(world, lot, cancelled):
    response = api_client(world, "nurse").post(
        reverse("substances-api:dispense-create"),
        {"lot": lot.pk, "quantity_mg": "5", "session": cancelled.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "did not take place" in response.content.decode()


def test_without_a_registered_source_the_log_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(sessions, "_source", None)
    with pytest.raises(ImproperlyConfigured, match="infusions app registers one"):
        sessions.session_source()
