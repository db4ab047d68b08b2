"""What the session page offers: each step the state allows and the role permits, what the
session waits for otherwise, whether a withdrawal voids a double check, and the pump in words."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from kitclinic.infusions.selectors.session import session_detail
from kitclinic.infusions.selectors.session_actions import session_actions
from kitclinic.infusions.states import (
    WAITING_FOR,
    SessionState,
    Step,
    pump_status,
    waiting_text,
    withdrawal_voids_double_check,
)
from tests.infusions.helpers import advance

S = SessionState


@pytest.mark.parametrize(("state", "step"), [(s, w[0]) for s, w in WAITING_FOR.items()])
def test_a_session_waits_for_its_next_step_only_when_the_reader_may_not_take_it(state, step):
    assert waiting_text(state, lambda s: s is not step) == WAITING_FOR[state][1]
    assert waiting_text(state, lambda s: s is step) == ""


@pytest.mark.parametrize("state", [s for s in S if s not in WAITING_FOR])
def test_the_other_states_wait_for_nothing_said(state):
    assert waiting_text(state, lambda s: False) == ""


def test_only_a_withdrawal_after_the_double_check_voids_it():
    assert [s for s in S if withdrawal_voids_double_check(s)] == [S.VERIFIED]


def test_the_pump_in_words():
    assert pump_status(S.RUNNING, started=True) == ""
    assert pump_status(S.PAUSED, started=True) == "paused"
    assert pump_status(S.RECOVERING, started=True) == "stopped"
    assert pump_status(S.VERIFIED, started=False) == "not started"


@pytest.mark.django_db
def test_a_nurse_is_told_the_checked_in_session_waits_for_a_physicians_order(world, session):
    checked_in = advance(world, session, S.CHECKED_IN)
    nurse = world.actor("nurse")
    actions = session_actions(nurse, session_detail(nurse, checked_in), timezone.now())
    assert not actions.can[Step.ORDER.value] and actions.can[Step.CANCEL.value]
    assert actions.waiting == "Waiting for a physician's order."
    physician = world.actor("physician")
    offered = session_actions(physician, session_detail(physician, checked_in), timezone.now())
    assert offered.can[Step.ORDER.value] and offered.waiting == ""


@pytest.mark.django_db
def test_the_running_page_shows_the_rate_and_the_pump_controls(world, login, session):
    running = advance(world, session, S.RUNNING, elapsed_min=5)
    page = login("nurse").get(reverse("infusions-session", args=[running.pk])).content.decode()
    assert f"{running.order.rate_ml_per_h.normalize():f} mL/h</strong>" in page
    assert 'name="op" value="pause"' in page and 'placeholder="required to pause"' in page
    assert "Waiting for" not in page
