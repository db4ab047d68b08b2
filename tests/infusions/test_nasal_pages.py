"""The esketamine nasal-spray session on its pages: the session page offers the nasal steps
(never the pump's) as the state and role allow, says why there is no concentration preview, and
every step page refuses bad input with a 422 naming the field, writing nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitclinic.infusions.models import NasalDevice
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import NORMAL, book
from tests.infusions.nasal_support import BP_HIGH, BP_OK, elapse_nasal, plan_nasal
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db

CHECK_IN = {
    "identity_confirmed": "on",
    "consent_on_file": "on",
    "consent_date": "2026-11-01",
    "fasting_confirmed": "on",
    "escort_confirmed": "on",
    "weight_kg": "70",
    "weight_method": "measured",
    "pregnancy_status": "not_pregnant",
    "rating_answers": "1,1,2,2,1,2,2,2,0",
    **{k: str(v) for k, v in NORMAL.items()},
}


DISCHARGE = {
    **{
        f"aldrete_{n}": "2"
        for n in ("activity", "respiration", "circulation", "consciousness", "o2")
    },
    "escort_present": "on",
    "instructions_given": "on",
}


@pytest.fixture
def nasal_session(world, library, eligible, chair):
    return book(world, plan_nasal(world, eligible), chair)


def _bp(values):  # type: ignore[no-untyped-def]
    return {k: str(v) for k, v in values.items()}


def test_a_whole_nasal_session_through_its_pages(login, world, nasal_session):
    nurse, physician = login("nurse"), login("physician")
    session = nasal_session
    url = reverse("infusions-session", args=[session.pk])
    assert nurse.post(reverse("infusions-check-in", args=[session.pk]), CHECK_IN).status_code == 302
    page = physician.get(url).content.decode()
    assert "Order the nasal-spray dose" in page and "Place the order" not in page
    order_url = reverse("infusions-nasal-order", args=[session.pk])
    form = physician.get(order_url).content.decode()
    assert "56 mg (2 devices)" in form and "84 mg (3 devices)" in form
    assert "none is validated for esketamine through the nose" in form
    before = row_counts()
    bad = physician.post(order_url, {"dose_mg": "70"})
    assert bad.status_code == 422 and row_counts() == before
    first = physician.post(order_url, {"dose_mg": "84"})
    assert first.status_code == 422 and "starts at 56 mg" in first.content.decode()
    assert physician.post(order_url, {"dose_mg": "56"}).status_code == 302
    page = nurse.get(url).content.decode()
    assert "Blood pressure before dosing" in page and "Start the infusion" not in page
    assert 'id="pump"' not in page and "none is validated" in page
    bp_url = reverse("infusions-nasal-predose-bp", args=[session.pk])
    before = row_counts()
    assert (
        nurse.post(bp_url, {"sbp": "80", "dbp": "95", "hr": "70", "spo2": "98"}).status_code == 422
    )
    assert row_counts() == before
    assert nurse.post(bp_url, _bp(BP_HIGH)).status_code == 302
    page = nurse.get(url).content.decode()
    assert "waiting for a physician" in page and 'id="device-form"' not in page
    override = reverse("infusions-nasal-predose-override", args=[session.pk])
    assert nurse.get(override).status_code == 403
    assert physician.post(override, {"reason": "rechecked, stable"}).status_code == 302
    device_url = reverse("infusions-nasal-device", args=[session.pk])
    assert 'id="device-form"' in nurse.get(url).content.decode()
    assert nurse.post(device_url).status_code == 302
    refused = nurse.post(device_url, follow=True).content.decode()
    assert "Device 2 can be given from" in refused
    elapse_nasal(session, 5)
    nurse.post(device_url)
    session.refresh_from_db()
    assert session.state == SessionState.RECOVERING
    assert NasalDevice.objects.filter(session=session).count() == 2
    page = nurse.get(url).content.decode()
    assert "possible from" in page and "Blood pressure after dosing" in page
    post_url = reverse("infusions-nasal-post-dose-bp", args=[session.pk])
    early = nurse.post(post_url, _bp(BP_OK))
    assert early.status_code == 422 and "is due at" in early.content.decode()
    elapse_nasal(session, 40)
    assert nurse.post(post_url, _bp(BP_OK)).status_code == 302
    discharge_url = reverse("infusions-discharge", args=[session.pk])
    assert "discharge is possible from" in nurse.get(discharge_url).content.decode()
    refused = nurse.post(discharge_url, DISCHARGE)
    assert refused.status_code == 422 and "discharge is possible from" in refused.content.decode()
    elapse_nasal(session, 80)
    done = nurse.post(discharge_url, DISCHARGE)
    assert done.status_code == 302, done.content.decode()[:2000]
    session.refresh_from_db()
    assert session.state == SessionState.DISCHARGED


def test_the_nasal_steps_are_not_offered_for_an_infusion(login, world, session):
    nurse = login("physician")
    page = nurse.get(reverse("infusions-session", args=[session.pk])).content.decode()
    assert "nasal" not in page.lower()
    assert (
        nurse.get(reverse("infusions-nasal-order", args=[session.pk]), follow=True).status_code
        == 200
    )
