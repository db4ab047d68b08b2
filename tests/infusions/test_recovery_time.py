"""Recovery and discharge follow the clock: a vitals slot is not recorded before it is due (beyond
KITCLINIC_VITALS_EARLY_MINUTES), and discharge waits for the protocol's minimum observation after
the infusion ended unless a physician overrides with a reason and a co-signer (the one rule)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from kitclinic.dosing import default_library, library_from_dict, library_to_dict
from kitclinic.dosing.library.model import MIN_OBSERVATION_CARRIED_IN
from kitclinic.infusions.models import Discharge, VitalSign
from kitclinic.infusions.services.infusion import observations, stop
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.states import SessionState
from tests.infusions.api_support import DISCHARGE_BODY, VITALS_BODY
from tests.infusions.helpers import ALDRETE_READY, NORMAL, advance, clock_at
from tests.support.clients import api_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db
S = SessionState
OBSERVATION = "discharge_observation_short"


def _at(session, minutes: float):  # type: ignore[no-untyped-def]
    return clock_at(session.started_at + dt.timedelta(minutes=minutes))


@pytest.fixture
def running(world, session):
    return advance(world, session, S.RUNNING, elapsed_min=0)


def _vitals(world, session, slot: int, **kwargs):  # type: ignore[no-untyped-def]
    return observations.vitals_record(
        actor=world.actor("nurse"), session=session, slot_minute=slot, **NORMAL, **kwargs
    )


def test_a_slot_is_not_recorded_before_it_is_due(world, running):
    before = row_counts()
    with _at(running, 5), pytest.raises(ValidationError) as refused:
        _vitals(world, running, 30)
    message = refused.value.message_dict["slot_minute"][0]
    assert "The 30-min vitals are due at" in message and "2 min early at most" in message
    assert row_counts() == before
    # a taken_at ahead of the slot is refused the same way
    with _at(running, 40), pytest.raises(ValidationError, match="due at"):
        _vitals(world, running, 30, taken_at=running.started_at + dt.timedelta(minutes=20))
    with _at(running, 28):
        reading, created = _vitals(world, running, 30)
    assert created and reading.slot_minute == 30


@override_settings(KITCLINIC_VITALS_EARLY_MINUTES=0)
def test_the_early_tolerance_is_a_setting(world, running):
    with _at(running, 29), pytest.raises(ValidationError, match="0 min early at most"):
        _vitals(world, running, 30)
    with _at(running, 30):
        assert _vitals(world, running, 30)[1]


def test_recovery_slots_after_an_early_stop_follow_the_clock_too(world, running):
    with _at(running, 3):
        stop.infusion_stop(
            actor=world.actor("nurse"), session=running, stop_reason="other", reason="x"
        )
    with _at(running, 4), pytest.raises(ValidationError, match="The 18-min vitals are due"):
        _vitals(world, running, 18)
    with _at(running, 18):
        assert _vitals(world, running, 18)[1]


def test_the_api_refuses_an_early_slot_on_slot_minute_and_writes_nothing(world, running):
    client = api_client(world, "nurse")
    before = row_counts()
    with _at(running, 1):
        response = client.post(
            f"/api/v1/sessions/{running.pk}/vitals/",
            {**VITALS_BODY, "slot_minute": 20},
            format="json",
        )
    assert response.status_code == 400 and "due at" in response.json()["errors"]["slot_minute"][0]
    assert row_counts() == before
    assert not VitalSign.objects.filter(session=running, slot_minute=20).exists()


# --- discharge --------------------------------------------------------------------------------


@pytest.fixture
def stopped(world, running):
    """Stopped 3 minutes after the start (the reported case: discharge allowed at once)."""
    with _at(running, 3):
        stop.infusion_stop(
            actor=world.actor("nurse"), session=running, stop_reason="patient_request", reason="x"
        )
    running.refresh_from_db()
    return running


def _discharge(world, session, persona: str = "nurse", **kwargs):  # type: ignore[no-untyped-def]
    return session_discharge(
        actor=world.actor(persona),
        session=session,
        aldrete_answers=ALDRETE_READY,
        escort_present=True,
        instructions_given=True,
        **kwargs,
    )


def test_discharge_waits_for_the_protocols_observation_time(world, stopped):
    before = row_counts()
    with _at(stopped, 4), pytest.raises(ValidationError) as refused:
        _discharge(world, stopped)
    text = " ".join(refused.value.messages)
    assert "Observed 1 min since the infusion ended" in text and "at least 30 min" in text
    with _at(stopped, 4), pytest.raises(PermissionDenied):
        _discharge(world, stopped, override_reasons={OBSERVATION: "ride waiting"})
    assert row_counts() == before
    with _at(stopped, 33):
        discharge = _discharge(world, stopped)
    assert not discharge.overrides and not discharge.overridden


def test_a_physician_discharges_early_with_a_reason_and_a_cosigner(world, stopped):
    before = row_counts()
    with _at(stopped, 4), pytest.raises(ValidationError) as refused:
        _discharge(world, stopped, "physician")
    assert set(refused.value.message_dict) == {f"override_{OBSERVATION}", "cosigner"}
    with _at(stopped, 4), pytest.raises(ValidationError, match="second clinician"):
        _discharge(world, stopped, "physician", override_reasons={OBSERVATION: "well, alert"})
    assert row_counts() == before
    with _at(stopped, 4):
        discharge = _discharge(
            world,
            stopped,
            "physician",
            override_reasons={OBSERVATION: "well, alert, escort waiting"},
            cosigner=world.users["nurse"],
        )
    record = discharge.overrides[OBSERVATION]
    assert record["reason"] == "well, alert, escort waiting"
    assert record["cosigned_by"] == world.users["nurse"].pk
    assert discharge.overridden


def test_the_observation_time_is_the_protocols_setting(world, session):
    from kitclinic.infusions.services.library import library_approve, library_draft_create

    data = copy.deepcopy(library_to_dict(default_library()))
    for protocol in data["protocols"]:
        protocol["min_observation_min"]["value"] = "45"
    draft = library_draft_create(actor=world.actor("clinic_admin"), data=data)
    library_approve(actor=world.actor("physician"), version=draft)
    stopped = advance(world, session, S.RECOVERING)  # ordered on v2; stopped 31 minutes ago
    assert stopped.order.library_version_id == draft.pk
    before = row_counts()
    with pytest.raises(ValidationError, match="at least 45 min"):
        _discharge(world, stopped)
    assert row_counts() == before


def test_an_older_library_without_the_field_loads_with_the_carried_in_default():
    data = copy.deepcopy(library_to_dict(default_library()))
    for protocol in data["protocols"]:
        del protocol["min_observation_min"]
    library = library_from_dict(data)
    observation = library.protocol("depression-standard").min_observation_min
    assert observation == MIN_OBSERVATION_CARRIED_IN and observation.value == 30
    assert "written before the field existed" in observation.source.label
    shipped = default_library().protocol("depression-standard").min_observation_min
    assert shipped.value == 30 and "[asa-postanesthesia]" in shipped.source.label


def test_the_api_takes_reasons_and_a_cosigner_and_refuses_the_old_field(world, stopped):
    doctor = api_client(world, "physician")
    url = f"/api/v1/sessions/{stopped.pk}/discharge/"
    before = row_counts()
    with _at(stopped, 5):
        old = doctor.post(url, {**DISCHARGE_BODY, "override_reason": "x"}, format="json")
        bare = doctor.post(url, DISCHARGE_BODY, format="json")
    assert old.status_code == 400 and old.json()["errors"]["override_reason"] == ["Unknown field."]
    assert bare.status_code == 400
    assert set(bare.json()["errors"]) == {f"override_{OBSERVATION}", "cosigner"}
    assert row_counts() == before
    with _at(stopped, 5):
        done = doctor.post(
            url,
            {
                **DISCHARGE_BODY,
                "override_reasons": {OBSERVATION: "alert, escort present"},
                "cosigner": world.users["nurse"].pk,
            },
            format="json",
        )
    assert done.status_code == 201, done.json()
    assert done.json()["overrides"][OBSERVATION]["cosigned_by"] == world.users["nurse"].pk


def test_the_discharge_page_shows_the_finding_and_the_physicians_override(world, stopped, login):
    form = {
        **{f"aldrete_{n}": "2" for n in ("activity", "respiration", "circulation")},
        "aldrete_consciousness": "2",
        "aldrete_o2": "2",
        "escort_present": "on",
        "instructions_given": "on",
    }
    nurse, doctor = login("nurse"), login("physician")
    url = reverse("infusions-discharge", args=[stopped.pk])
    with _at(stopped, 5):
        page = nurse.get(url).content.decode()
        assert "Soft limit — reason and co-signature needed" in page
        assert "Only a physician may discharge" in page
        before = row_counts()
        assert nurse.post(url, form).status_code == 422
        assert row_counts() == before
        page = doctor.get(url).content.decode()  # a read: audited as the doctor's view
        assert f'name="override_{OBSERVATION}"' in page and 'name="cosigner"' in page
        before = row_counts()
        assert doctor.post(url, form).status_code == 422
        assert row_counts() == before
        response = doctor.post(
            url,
            {
                **form,
                f"override_{OBSERVATION}": "alert and well",
                "cosigner": str(world.users["nurse"].pk),
            },
        )
    assert response.status_code == 302
    assert Discharge.objects.get(session=stopped).overrides[OBSERVATION]["reason"]
