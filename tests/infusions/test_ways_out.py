"""The ways out of a session before the infusion starts, through the services and the pages:
cancel (scheduled or checked in), no-show, an order sent back from the double check, an order
withdrawn. Each takes a reason, records who and when, is audited, and a refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import (
    Appointment,
    DoubleCheck,
    InfusionOrder,
    InfusionSession,
    ReturnedOrder,
)
from kitclinic.infusions.models.courses import AppointmentStatus
from kitclinic.infusions.selectors.session import session_detail
from kitclinic.infusions.services import orders, scheduling
from kitclinic.infusions.states import NOT_HELD_STATES, SessionState, StepOutOfOrder
from kitclinic.outcomes.data.tables import GIVEN_STATES_EXCLUDED
from tests.infusions.helpers import (
    ORDER,
    advance,
    book,
    make_due,
    plan,
    slot_time,
)
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
S = SessionState


def _order_by(world, session, orderer):  # type: ignore[no-untyped-def]
    """``session`` (checked in) ordered by ``orderer``."""
    orders.order_place(actor=orderer, session=session, **ORDER)
    session.refresh_from_db()
    return session


def _audits(obj) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("id")
    )


# --- cancel -----------------------------------------------------------------------------------


def test_a_nurse_cancels_a_checked_in_session_with_the_reason_and_the_chair_is_free(
    world, session, chair, other_eligible
):
    session = advance(world, session, S.CHECKED_IN)
    nurse = world.actor("nurse")
    appointment = scheduling.appointment_cancel(
        actor=nurse, appointment=session.appointment, reason=" BP 182/104 at check-in "
    )
    session.refresh_from_db()
    assert session.state == S.CANCELLED
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == "BP 182/104 at check-in"
    assert appointment.status_changed_by == world.users["nurse"]
    assert abs(appointment.status_changed_at - timezone.now()) < dt.timedelta(minutes=1)
    [event] = [e for e in _audits(appointment) if e.changes.get("status")]
    assert event.changes["status"] == ["booked", "cancelled"]
    assert event.detail == "BP 182/104 at check-in" and event.actor == world.users["nurse"]
    assert _audits(session)[-1].changes == {"state": ["checked_in", "cancelled"]}
    # the chair and the patient's time are free again
    other = book(world, plan(world, other_eligible), chair, session.appointment.starts_at)
    again = book(
        world, session.course, chair, session.appointment.starts_at + dt.timedelta(hours=2)
    )
    assert other.state == again.state == S.SCHEDULED


def test_the_front_desk_cancels_a_scheduled_session_but_not_a_checked_in_one(world, session):
    front = world.actor("front_desk")
    checked_in = advance(world, session, S.CHECKED_IN)
    before = row_counts()
    with pytest.raises(PermissionDenied, match="Front desk"):
        scheduling.appointment_cancel(
            actor=front, appointment=checked_in.appointment, reason="patient left"
        )
    assert row_counts() == before
    checked_in.refresh_from_db()
    assert checked_in.state == S.CHECKED_IN


def test_a_cancel_without_a_reason_is_refused_on_reason_and_writes_nothing(world, session):
    session = advance(world, session, S.CHECKED_IN)
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        scheduling.appointment_cancel(
            actor=world.actor("nurse"), appointment=session.appointment, reason="  "
        )
    assert "reason" in exc.value.message_dict
    assert row_counts() == before


@pytest.mark.parametrize("state", [S.ORDERED, S.VERIFIED, S.RUNNING, S.CANCELLED, S.NO_SHOW])
def test_a_cancel_in_another_state_is_refused_naming_the_state(world, session, state):
    session = advance(world, session, state)
    before = row_counts()
    with pytest.raises(StepOutOfOrder) as exc:
        scheduling.appointment_cancel(
            actor=world.actor("physician"), appointment=session.appointment, reason="x"
        )
    assert state.label.lower() in str(exc.value.messages[0])
    assert "this step needs it to be checked in or scheduled" in exc.value.messages[0]
    assert row_counts() == before


# --- no-show ----------------------------------------------------------------------------------


def test_a_no_show_is_recorded_once_the_start_has_come_and_frees_the_chair(
    world, course, chair, other_eligible
):
    session = make_due(book(world, course, chair, slot_time(9, 0, days=1)))
    scheduling.session_no_show(actor=world.actor("front_desk"), session=session, note="no answer")
    session.refresh_from_db()
    appointment = session.appointment
    assert session.state == S.NO_SHOW and session.state != S.CANCELLED
    assert appointment.status == AppointmentStatus.NO_SHOW
    assert appointment.cancel_reason == "no answer"
    assert appointment.status_changed_by == world.users["front_desk"]
    assert _audits(appointment)[-1].changes["status"] == ["booked", "no_show"]
    other = book(world, plan(world, other_eligible), chair, appointment.starts_at)
    assert other.state == S.SCHEDULED


def test_the_no_show_note_is_optional(world, session):
    session = make_due(session)
    scheduling.session_no_show(actor=world.actor("nurse"), session=session)
    session.refresh_from_db()
    assert session.state == S.NO_SHOW and session.appointment.cancel_reason == ""


def test_a_no_show_before_the_start_is_refused_and_writes_nothing(world, course, chair):
    session = book(world, course, chair, slot_time(9, 0, days=2))
    before = row_counts()
    with pytest.raises(ValidationError, match="Cancel it if the patient called it off"):
        scheduling.session_no_show(actor=world.actor("front_desk"), session=session)
    assert row_counts() == before


def test_a_checked_in_patient_is_no_no_show(world, session):
    session = advance(world, session, S.CHECKED_IN)
    before = row_counts()
    with pytest.raises(StepOutOfOrder, match="the session is checked in; this step needs it"):
        scheduling.session_no_show(actor=world.actor("front_desk"), session=session)
    assert row_counts() == before


def test_an_auditor_may_not_record_a_no_show(world, session):
    session = make_due(session)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        scheduling.session_no_show(actor=world.actor("auditor"), session=session)
    assert row_counts() == before


# --- an order sent back -----------------------------------------------------------------------


def test_the_double_checker_sends_the_order_back_and_a_new_order_can_be_placed(
    world, session, physician2
):
    session = _order_by(world, advance(world, session, S.CHECKED_IN), physician2)
    first = InfusionOrder.objects.get(session=session)
    nurse = world.actor("nurse")
    returned = orders.order_send_back(
        actor=nurse, session=session, reason="VTBI on the label differs from the order"
    )
    session.refresh_from_db()
    assert session.state == S.CHECKED_IN
    assert returned.kind == "sent_back" and returned.returned_by == world.users["nurse"]
    assert returned.reason == "VTBI on the label differs from the order"
    assert returned.order_pk == first.pk and returned.ordered_by == physician2.user
    assert returned.order_snapshot["dose_mg"] == "35.00"
    assert returned.order_snapshot["rate_ml_per_h"] == "52.50"
    assert returned.order_snapshot["findings"] == first.findings
    assert returned.double_check_snapshot is None
    assert not InfusionOrder.objects.filter(session=session).exists()
    assert _audits(returned)[0].detail == "VTBI on the label differs from the order"
    assert _audits(first)[-1].changes["returned"] == [None, "sent_back"]
    assert _audits(session)[-1].changes == {"state": ["ordered", "checked_in"]}
    # a new order, double-checked and started, as usual
    physician = world.actor("physician")
    second = orders.order_place(actor=physician, session=session, **ORDER)
    orders.order_double_check(
        actor=nurse, session=session, rate_ml_per_h=second.rate_ml_per_h, vtbi_ml=second.volume_ml
    )
    session.refresh_from_db()
    assert session.state == S.VERIFIED
    detail = session_detail(physician, session)
    assert [r.pk for r in detail.returned_orders] == [returned.pk]
    assert detail.order.pk == second.pk
    titles = [e.title for e in detail.timeline]
    assert titles.index("Order placed (later sent back)") < titles.index(
        "Sent back at the double check"
    )
    assert titles.index("Sent back at the double check") < titles.index("Order placed")


def test_the_orderer_cannot_send_the_own_order_back(world, session):
    session = _order_by(world, advance(world, session, S.CHECKED_IN), world.actor("physician"))
    before = row_counts()
    with pytest.raises(ValidationError, match="withdraw it instead"):
        orders.order_send_back(actor=world.actor("physician"), session=session, reason="x")
    assert row_counts() == before


def test_sending_back_needs_a_reason_and_the_role(world, session, physician2):
    session = _order_by(world, advance(world, session, S.CHECKED_IN), physician2)
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        orders.order_send_back(actor=world.actor("nurse"), session=session, reason="")
    assert list(exc.value.message_dict) == ["reason"]
    with pytest.raises(PermissionDenied):
        orders.order_send_back(actor=world.actor("front_desk"), session=session, reason="x")
    assert row_counts() == before


def test_a_double_checked_order_is_withdrawn_not_sent_back(world, session):
    session = advance(world, session, S.VERIFIED)
    before = row_counts()
    with pytest.raises(StepOutOfOrder, match="the session is double-checked"):
        orders.order_send_back(actor=world.actor("nurse"), session=session, reason="x")
    assert row_counts() == before


# --- an order withdrawn -----------------------------------------------------------------------


def test_a_physician_withdraws_a_double_checked_order_and_its_check_is_voided(world, session):
    session = advance(world, session, S.VERIFIED)
    check = DoubleCheck.objects.get(session=session)
    returned = orders.order_withdraw(
        actor=world.actor("physician"), session=session, reason="new BP 170/100 before start"
    )
    session.refresh_from_db()
    assert session.state == S.CHECKED_IN
    assert returned.kind == "withdrawn"
    assert returned.double_check_snapshot["checked_by_id"] == world.users["nurse"].pk
    assert returned.double_check_snapshot["rate_ml_per_h_readback"] == "52.50"
    assert not DoubleCheck.objects.filter(session=session).exists()
    assert _audits(check)[-1].changes["voided"] == [False, True]
    assert _audits(session)[-1].changes == {"state": ["verified", "checked_in"]}
    titles = [e.title for e in session_detail(world.actor("nurse"), session).timeline]
    assert "Independent double check (voided by the withdrawal)" in titles
    assert "Withdrawn by a physician" in titles


def test_an_order_is_withdrawn_before_its_double_check(world, session):
    session = advance(world, session, S.ORDERED)
    orders.order_withdraw(actor=world.actor("physician"), session=session, reason="wrong weight")
    session.refresh_from_db()
    assert session.state == S.CHECKED_IN
    assert ReturnedOrder.objects.get(session=session).double_check_snapshot is None


def test_a_nurse_may_not_withdraw_and_a_reason_is_required(world, session):
    session = advance(world, session, S.VERIFIED)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        orders.order_withdraw(actor=world.actor("nurse"), session=session, reason="x")
    with pytest.raises(ValidationError) as exc:
        orders.order_withdraw(actor=world.actor("physician"), session=session, reason=" ")
    assert list(exc.value.message_dict) == ["reason"]
    assert row_counts() == before


def test_a_running_infusion_cannot_be_withdrawn(world, session):
    session = advance(world, session, S.RUNNING)
    before = row_counts()
    with pytest.raises(StepOutOfOrder, match="the session is infusing"):
        orders.order_withdraw(actor=world.actor("physician"), session=session, reason="x")
    assert row_counts() == before


def test_a_returned_order_is_never_edited_or_deleted(world, session):
    session = advance(world, session, S.ORDERED)
    returned = orders.order_withdraw(actor=world.actor("physician"), session=session, reason="x")
    returned.reason = "changed"
    with pytest.raises(ValueError, match="cannot be edited"):
        returned.save()
    with pytest.raises(ValueError, match="stays in the session's record"):
        returned.delete()
    assert ReturnedOrder.objects.get(pk=returned.pk).reason == "x"


# --- not an infusion given --------------------------------------------------------------------


def test_sessions_that_did_not_take_place_count_as_no_infusion():
    assert {s.value for s in NOT_HELD_STATES} <= set(GIVEN_STATES_EXCLUDED)


def test_a_cancelled_session_leaves_the_course_count_and_numbering(login, world, course, chair):
    first = book(world, course, chair, slot_time(9, 0, days=1))
    second = book(world, course, chair, slot_time(9, 0, days=2))
    scheduling.appointment_cancel(
        actor=world.actor("front_desk"), appointment=first.appointment, reason="travel"
    )
    second.refresh_from_db()
    assert second.number == 1
    page = login("nurse").get(reverse("infusions-course", args=[course.pk])).content.decode()
    assert f"1 of {course.planned_infusions} planned sessions booked" in page
    assert "<td>–</td>" in page and "travel" in page


# --- the pages --------------------------------------------------------------------------------


def test_the_double_check_page_sends_the_order_back_with_the_reason(login, world, session):
    session = _order_by(world, advance(world, session, S.CHECKED_IN), world.actor("physician"))
    nurse = login("nurse")
    page = nurse.get(reverse("infusions-double-check", args=[session.pk])).content.decode()
    assert (
        'id="send-back-form"' in page and reverse("infusions-send-back", args=[session.pk]) in page
    )
    before = row_counts()
    refused = nurse.post(reverse("infusions-send-back", args=[session.pk]), {"reason": ""})
    assert refused.status_code == 422 and "This field is required" in refused.content.decode()
    assert row_counts() == before
    response = nurse.post(
        reverse("infusions-send-back", args=[session.pk]), {"reason": "dose over the sheet"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == S.CHECKED_IN
    page = nurse.get(reverse("infusions-session", args=[session.pk])).content.decode()
    assert "Sent back at the double check" in page and "dose over the sheet" in page


def test_the_orderer_sees_no_send_back_control(login, world, session):
    session = _order_by(world, advance(world, session, S.CHECKED_IN), world.actor("physician"))
    page = login("physician").get(reverse("infusions-double-check", args=[session.pk]))
    assert 'id="send-back-form"' not in page.content.decode()


def test_the_session_page_withdraws_the_order(login, world, session):
    session = advance(world, session, S.VERIFIED)
    url = reverse("infusions-session", args=[session.pk])
    physician, nurse = login("physician"), login("nurse")
    assert 'id="withdraw-form"' in physician.get(url).content.decode()
    assert 'id="withdraw-form"' not in nurse.get(url).content.decode()
    before = row_counts()
    forbidden = nurse.post(reverse("infusions-withdraw", args=[session.pk]), {"reason": "x"})
    assert forbidden.status_code == 403
    assert row_counts() == before
    response = physician.post(
        reverse("infusions-withdraw", args=[session.pk]), {"reason": "patient declines today"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == S.CHECKED_IN
    page = nurse.get(url).content.decode()
    assert "Withdrawn by a physician" in page and "its double check was voided" in page


def test_a_page_step_in_the_wrong_state_names_the_state_and_writes_nothing(login, world, session):
    physician = login("physician")
    before = row_counts()
    response = physician.post(reverse("infusions-withdraw", args=[session.pk]), {"reason": "x"})
    assert response.status_code == 422
    assert "the session is scheduled" in response.content.decode()
    assert row_counts() == before


def test_the_session_page_records_a_no_show(login, world, session):
    url = reverse("infusions-session", args=[session.pk])
    make_due(session)
    front = login("front_desk")
    assert 'id="no-show-form"' in front.get(url).content.decode()
    response = front.post(reverse("infusions-no-show", args=[session.pk]), {"note": "no answer"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == S.NO_SHOW
    page = front.get(url).content.decode()
    assert "No-show session" in page and "no answer" in page and "counts as no infusion" in page


def test_no_no_show_control_before_the_start(login, world, course, chair):
    session = book(world, course, chair, slot_time(9, 0, days=1))
    page = login("front_desk").get(reverse("infusions-session", args=[session.pk]))
    assert 'id="no-show-form"' not in page.content.decode()


def test_the_cancel_page_of_a_checked_in_session(login, world, session):
    session = advance(world, session, S.CHECKED_IN)
    url = reverse("infusions-cancel", args=[session.pk])
    session_url = reverse("infusions-session", args=[session.pk])
    front, nurse = login("front_desk"), login("nurse")
    assert "Cancel the session" not in front.get(session_url).content.decode()
    assert "Cancel the session" in nurse.get(session_url).content.decode()
    before = row_counts()
    assert front.post(url, {"reason": "left"}).status_code == 403
    missing = nurse.post(url, {"reason": ""})
    assert missing.status_code == 422
    assert row_counts() == before
    assert nurse.post(url, {"reason": "unwell, sent home"}).status_code == 302
    session.refresh_from_db()
    assert session.state == S.CANCELLED
    appointment = Appointment.objects.get(pk=session.appointment_id)
    assert appointment.cancel_reason == "unwell, sent home"
    assert appointment.status_changed_by == world.users["nurse"]
    assert InfusionSession.objects.get(pk=session.pk).is_held is False
