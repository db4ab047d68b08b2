"""Consent before treatment: check-in needs the patient's recorded consent (kitclinic.outcomes
ConsentRecord) to the course's indication's *current* information sheet. A consent to another
indication's sheet or to an older version does not count; the page says what is missing and
links to recording it, the service and the API refuse naming ``consent`` and write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kitclinic.consent.selectors import consent_on_record, consent_status
from kitclinic.consent.services import consent_record
from kitclinic.infusions.services.sessions.check_in import session_check_in
from kitclinic.infusions.states import SessionState
from tests.infusions.api_support import check_in_body
from tests.infusions.helpers import book, check_in_data, plan, publish_sheet
from tests.support.clients import api_client, web_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _consent(world, patient, version, days_ago: int = 0):  # type: ignore[no-untyped-def]
    return consent_record(
        actor=world.actor("nurse"),
        patient=patient,
        sheet_version=version,
        signed_at=timezone.now() - dt.timedelta(days=days_ago),
        method="paper",
        witnessed_by=world.users["physician"],
    )


@pytest.fixture
def unconsented(world, library, eligible, chair):  # type: ignore[no-untyped-def]
    """A session whose patient has no consent recorded."""
    return book(world, plan(world, eligible, consent=False), chair)


def _check_in_refused(world, session) -> ValidationError:  # type: ignore[no-untyped-def]
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        session_check_in(actor=world.actor("nurse"), session=session, data=check_in_data())
    assert row_counts() == before
    session.refresh_from_db()
    assert session.state == SessionState.SCHEDULED
    return refused.value


def test_without_a_recorded_consent_check_in_is_refused_naming_consent(world, unconsented):
    error = _check_in_refused(world, unconsented)
    assert list(error.message_dict) == ["consent"]
    assert "No depression information sheet is published" in error.message_dict["consent"][0]
    version = publish_sheet(world, "depression")
    error = _check_in_refused(world, unconsented)
    assert (
        f"No consent to the depression information sheet v{version.version} is recorded"
        in error.message_dict["consent"][0]
    )


def test_a_consent_to_another_indications_sheet_is_not_evidence(world, unconsented):
    publish_sheet(world, "depression")
    _consent(world, unconsented.patient, publish_sheet(world, "ptsd"))
    assert consent_on_record(unconsented.patient_id, "depression") is None
    assert "consent" in _check_in_refused(world, unconsented).message_dict
    page = login_page(world, unconsented)
    assert "data-consent-missing" in page and "data-consent-evidence" not in page


def test_a_new_sheet_version_asks_for_consent_again(world, session):
    """The session's patient consented to v1 (tests.infusions.helpers.plan); v2 is published:
    that consent no longer counts until the patient consents to v2."""
    old = consent_on_record(session.patient_id, "depression")
    new = publish_sheet(world, "depression", text="revised")
    assert new.version == old.sheet_version.version + 1
    error = _check_in_refused(world, session)
    message = error.message_dict["consent"][0]
    assert f"consented to v{old.sheet_version.version}" in message
    assert f"v{new.version} is now in force" in message
    page = login_page(world, session)
    assert "data-consent-missing" in page and f"against v{new.version}" in page
    consent = _consent(world, session.patient, new)
    check_in = session_check_in(actor=world.actor("nurse"), session=session, data=check_in_data())
    assert check_in.consent == consent
    assert check_in.consent_date == timezone.localdate(consent.signed_at)


def test_a_consent_to_the_current_version_counts_even_if_a_later_one_is_to_an_older(world, session):
    """Consent to v2, then (a late entry) to v1: v2 is still current and consented to."""
    v1 = consent_on_record(session.patient_id, "depression").sheet_version
    v2 = publish_sheet(world, "depression", text="revised")
    to_v2 = _consent(world, session.patient, v2, days_ago=0)
    status = consent_status(session.patient_id, world.clinic.organization_id, "depression")
    assert status.ok and status.consent == to_v2
    assert v1.version < v2.version


def login_page(world, session) -> str:  # type: ignore[no-untyped-def]

    client = web_client(world, "nurse")
    return client.get(reverse("infusions-check-in", args=[session.pk])).content.decode()


def test_without_a_recorded_consent_the_page_says_so_and_links_to_record_it(world, unconsented):
    publish_sheet(world, "depression")
    page = login_page(world, unconsented)
    assert "data-consent-missing" in page and "data-consent-evidence" not in page
    link = reverse("consent-add", args=[unconsented.patient_id]) + "?indication=depression"
    assert f'href="{link}"' in page
    assert "No consent to the depression information sheet v1 is recorded" in page


def test_a_check_in_posted_without_consent_is_refused_on_the_page(world, login, unconsented):
    publish_sheet(world, "depression")
    client = login("nurse")
    before = row_counts()
    response = client.post(
        reverse("infusions-check-in", args=[unconsented.pk]),
        {
            "identity_confirmed": "on",
            "consent_on_file": "on",
            "fasting_confirmed": "on",
            "escort_confirmed": "on",
            "weight_kg": "70",
            "weight_method": "measured",
            "pregnancy_status": "not_pregnant",
            "sbp": 124,
            "dbp": 78,
            "hr": 72,
            "rr": 14,
            "spo2": 98,
            "rating_answers": "1,1,2,2,1,2,2,2,0",
        },
    )
    assert response.status_code == 422
    assert "No consent to the depression information sheet v1" in response.content.decode()
    assert row_counts() == before


def test_the_api_refuses_a_check_in_without_consent_naming_it(world, unconsented):
    publish_sheet(world, "depression")
    before = row_counts()
    response = api_client(world, "nurse").post(
        f"/api/v1/sessions/{unconsented.pk}/check-in/", check_in_body(), format="json"
    )
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()["errors"]) == ["consent"]
    assert row_counts() == before


def test_the_latest_recorded_consent_is_offered_and_fills_in_consent_on_file(world, login, session):
    version = publish_sheet(world, "depression", text="v2")
    _consent(world, session.patient, version, days_ago=0)
    latest = _consent(world, session.patient, version, days_ago=0)
    assert consent_on_record(session.patient_id, "depression") == latest
    response = login("nurse").get(reverse("infusions-check-in", args=[session.pk]))
    page = response.content.decode()
    assert "data-consent-evidence" in page and "data-consent-missing" not in page
    assert f"information sheet v{version.version}" in page
    assert version.content_hash[:12] in page
    assert response.context["form"]["consent_on_file"].value() is True
