"""The ways out over the API: cancel, no-show, send back, withdraw. Success answers with the
record; a wrong state is a 409 naming the state, a missing reason a 400 naming the field, a role
that may not a 403, and none of these writes anything (rows and audit events unchanged)."""

from __future__ import annotations

import pytest

from kitclinic.infusions.models import InfusionOrder, ReturnedOrder
from kitclinic.infusions.states import SessionState
from tests.infusions.api_support import walk
from tests.infusions.helpers import ORDER, make_due
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
S = SessionState


def _post(world, persona: str, session, op: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    client = api_client(world, persona)
    return client.post(f"/api/v1/sessions/{session.pk}/{op}/", body or {}, format="json")


def _refused(world, persona, session, op, body, status):  # type: ignore[no-untyped-def]
    client = api_client(world, persona)
    before = row_counts()
    response = client.post(f"/api/v1/sessions/{session.pk}/{op}/", body, format="json")
    assert response.status_code == status, response.content
    assert row_counts() == before
    return response.json()


def test_cancel_a_checked_in_session(world, session, physician2):
    session = walk(world, session, S.CHECKED_IN, physician2)
    response = _post(world, "nurse", session, "cancel", {"reason": "fever 38.4"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled" and body["session_state"] == "cancelled"
    assert body["cancel_reason"] == "fever 38.4"
    assert body["status_changed_by"]["username"] == "nurse" and body["status_changed_at"]


def test_cancel_refusals(world, session, physician2):
    session = walk(world, session, S.CHECKED_IN, physician2)
    assert "reason" in _refused(world, "nurse", session, "cancel", {"reason": ""}, 400)["errors"]
    assert "reason" in _refused(world, "nurse", session, "cancel", {}, 400)["errors"]
    forbidden = _refused(world, "front_desk", session, "cancel", {"reason": "x"}, 403)
    assert "Front desk" in forbidden["detail"]
    _refused(world, "auditor", session, "cancel", {"reason": "x"}, 403)


def test_cancel_of_an_ordered_session_is_a_conflict(world, session, physician2):
    session = walk(world, session, S.ORDERED, physician2)
    conflict = _refused(world, "nurse", session, "cancel", {"reason": "x"}, 409)
    assert conflict["state"] == "ordered" and "the session is ordered" in conflict["detail"]


def test_the_appointment_cancel_endpoint_takes_checked_in_sessions_too(world, session, physician2):
    session = walk(world, session, S.CHECKED_IN, physician2)
    url = f"/api/v1/appointments/{session.appointment.pk}/cancel/"
    before = row_counts()
    assert api_client(world, "front_desk").post(url, {"reason": "x"}).status_code == 403
    assert row_counts() == before
    response = api_client(world, "physician").post(url, {"reason": "sent home"})
    assert response.status_code == 200 and response.json()["session_state"] == "cancelled"


def test_no_show(world, session):
    make_due(session)
    response = _post(world, "front_desk", session, "no-show", {})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "no_show"
    assert response.json()["session_state"] == "no_show"
    again = _refused(world, "front_desk", session, "no-show", {"note": "x"}, 409)
    assert again["state"] == "no_show"


def test_no_show_refusals(world, session):
    body = _refused(world, "front_desk", session, "no-show", {"note": 5}, 400)
    assert "note" in body["errors"]
    _refused(world, "auditor", session, "no-show", {}, 403)


def test_no_show_of_a_checked_in_session_is_a_conflict(world, session, physician2):
    session = walk(world, session, S.CHECKED_IN, physician2)
    make_due(session)
    assert _refused(world, "nurse", session, "no-show", {}, 409)["state"] == "checked_in"


def test_send_back_and_place_a_new_order(world, session, physician2):
    session = walk(world, session, S.ORDERED, physician2)
    response = _post(world, "nurse", session, "send-back", {"reason": "rate differs"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "sent_back" and body["reason"] == "rate differs"
    assert body["returned_by"]["username"] == "nurse"
    assert body["ordered_by"]["username"] == "physician2"
    assert body["order"]["dose_mg"] == "35.00" and body["double_check"] is None
    detail = api_client(world, "nurse").get(f"/api/v1/sessions/{session.pk}/").json()
    assert detail["state"] == "checked_in" and detail["order"] is None
    assert [r["id"] for r in detail["returned_orders"]] == [body["id"]]
    assert "order_returned" in [t["kind"] for t in detail["timeline"]]
    placed = _post(world, "physician", session, "order", ORDER)
    assert placed.status_code == 201
    assert api_client(world, "nurse").get(f"/api/v1/sessions/{session.pk}/").json()["state"] == (
        "ordered"
    )


def test_send_back_refusals(world, session, physician2):
    session = walk(world, session, S.ORDERED, physician2)
    assert "reason" in _refused(world, "nurse", session, "send-back", {"reason": ""}, 400)["errors"]
    _refused(world, "front_desk", session, "send-back", {"reason": "x"}, 403)
    _refused(world, "other_org", session, "send-back", {"reason": "x"}, 404)


def test_send_back_of_a_double_checked_order_is_a_conflict(world, session, physician2):
    session = walk(world, session, S.VERIFIED, physician2)
    conflict = _refused(world, "nurse", session, "send-back", {"reason": "x"}, 409)
    assert conflict["state"] == "verified" and "double-checked" in conflict["detail"]


def test_the_orderer_may_not_send_back_over_the_api(world, session):
    session = walk(world, session, S.ORDERED, world.actor("physician"))
    body = _refused(world, "physician", session, "send-back", {"reason": "x"}, 400)
    assert "withdraw it instead" in body["errors"]["detail"][0]


def test_withdraw_a_double_checked_order(world, session, physician2):
    session = walk(world, session, S.VERIFIED, physician2)
    response = _post(world, "physician", session, "withdraw", {"reason": "patient declines"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "withdrawn"
    assert body["double_check"]["checked_by_id"] == world.users["nurse"].pk
    assert not InfusionOrder.objects.filter(session=session).exists()
    assert ReturnedOrder.objects.filter(session=session).count() == 1


def test_withdraw_refusals(world, session, physician2):
    session = walk(world, session, S.VERIFIED, physician2)
    assert "reason" in _refused(world, "physician", session, "withdraw", {}, 400)["errors"]
    _refused(world, "nurse", session, "withdraw", {"reason": "x"}, 403)
    _refused(world, "other_org", session, "withdraw", {"reason": "x"}, 404)


def test_withdraw_of_a_running_infusion_is_a_conflict(world, session, physician2):
    session = walk(world, session, S.RUNNING, physician2)
    conflict = _refused(world, "physician", session, "withdraw", {"reason": "x"}, 409)
    assert conflict["state"] == "running" and "infusing" in conflict["detail"]


def test_a_cancelled_session_has_no_number_in_the_course_list(world, course, chair):
    from tests.infusions.helpers import book, slot_time

    first = book(world, course, chair, slot_time(9, 0, days=1))
    second = book(world, course, chair, slot_time(9, 0, days=2))
    assert _post(world, "front_desk", first, "cancel", {"reason": "x"}).status_code == 200
    listed = api_client(world, "nurse").get(f"/api/v1/patients/{course.patient_id}/courses/")
    numbers = {s["id"]: s["number"] for s in listed.json()[0]["sessions"]}
    assert numbers == {first.pk: None, second.pk: 1}
    detail = api_client(world, "nurse").get(f"/api/v1/sessions/{first.pk}/").json()
    assert detail["number"] is None and detail["appointment"]["session_number"] is None
