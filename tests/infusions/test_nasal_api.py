"""An esketamine nasal-spray session over the API: the course says its treatment kind, each nasal
step answers with its record, a refused step is a 400 naming the field or the time and writes
nothing, and a pump step on a nasal session is a 400 naming the kind."""

from __future__ import annotations

import datetime as dt

import pytest

from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import book, clock_at
from tests.infusions.nasal_support import (
    BP_HIGH,
    BP_OK,
    device_lot,
    minutes,
    plan_nasal,
    walk_nasal,
)
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=4)


@pytest.fixture
def nasal_session(world, library, eligible, chair):
    return book(world, plan_nasal(world, eligible), chair)


def test_a_nasal_session_over_the_api(world, nasal_session):
    doctor, nurse = api_client(world, "physician"), api_client(world, "nurse")
    session = walk_nasal(world, nasal_session, until="checked_in", t0=T0)
    base = f"/api/v1/sessions/{session.pk}/"
    courses = doctor.get(f"/api/v1/patients/{session.patient_id}/courses/").json()
    assert [c["treatment_kind"] for c in courses] == ["esketamine_nasal"]
    before = row_counts()
    bad = doctor.post(base + "nasal/order/", {"dose_mg": "70"}, format="json")
    assert bad.status_code == 400 and "dose_mg" in bad.json()["errors"]
    assert row_counts() == before
    pump = doctor.post(
        base + "order/",
        {"dose": "0.5", "duration_min": "40", "concentration_mg_per_ml": "1"},
        format="json",
    )
    assert pump.status_code == 400 and "nasal-spray session" in str(pump.json())
    with clock_at(minutes(T0, -20)):
        order = doctor.post(base + "nasal/order/", {"dose_mg": "56"}, format="json")
    assert order.status_code == 201, order.content
    assert (order.json()["dose_mg"], order.json()["dose_unit"]) == ("56.00", "mg")
    with clock_at(minutes(T0, -5)):
        high = nurse.post(base + "nasal/predose-bp/", BP_HIGH, format="json")
    assert high.status_code == 201 and high.json()["needs_physician"] is True
    with clock_at(T0):
        waiting = nurse.post(base + "nasal/devices/", {}, format="json")
    assert waiting.status_code == 400 and "physician" in str(waiting.json())
    assert (
        nurse.post(base + "nasal/predose-override/", {"reason": "x"}, format="json").status_code
        == 403
    )
    answered = doctor.post(base + "nasal/predose-override/", {"reason": "rechecked"}, format="json")
    assert answered.status_code == 200 and answered.json()["needs_physician"] is False
    lot = device_lot(world)
    with clock_at(T0):
        first = nurse.post(base + "nasal/devices/", {"lot": lot.pk}, format="json")
    assert first.status_code == 201 and first.json()["number"] == 1
    assert first.json()["draw_entry_id"] is not None
    with clock_at(minutes(T0, 3)):
        early = nurse.post(base + "nasal/devices/", {"lot": lot.pk}, format="json")
    assert early.status_code == 400 and "can be given from" in str(early.json())
    with clock_at(minutes(T0, 5)):
        assert nurse.post(base + "nasal/devices/", {}, format="json").status_code == 201
    session.refresh_from_db()
    assert session.state == SessionState.RECOVERING
    with clock_at(minutes(T0, 46)):
        post = nurse.post(base + "nasal/post-dose-bp/", BP_OK, format="json")
    assert post.status_code == 201 and post.json()["moment"] == "post_dose"


def test_bad_shapes_are_400s_naming_the_field(world, nasal_session):
    session = walk_nasal(world, nasal_session, until="ordered", t0=T0)
    nurse = api_client(world, "nurse")
    before = row_counts()
    response = nurse.post(
        f"/api/v1/sessions/{session.pk}/nasal/predose-bp/",
        {"sbp": "high", "dbp": 80, "hr": 70, "spo2": 98, "extra": 1},
        format="json",
    )
    assert response.status_code == 400
    assert row_counts() == before
