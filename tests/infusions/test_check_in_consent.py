"""The check-in page offers the recorded consent (kitclinic.outcomes ConsentRecord for the
patient and the course's indication) as the evidence for "consent on file"; without one it says
so and links to recording it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kitclinic.outcomes.selectors import consent_on_record
from kitclinic.outcomes.services import consent_record, info_sheet_publish

pytestmark = pytest.mark.django_db


def _publish(world, indication: str):
    version, _ = info_sheet_publish(
        actor=world.actor("physician"),
        indication=indication,
        html=f"<html><body><p>{indication} sheet</p></body></html>",
    )
    return version


def _consent(world, patient, version, days_ago: int):
    return consent_record(
        actor=world.actor("nurse"),
        patient=patient,
        sheet_version=version,
        signed_at=timezone.now() - dt.timedelta(days=days_ago),
        method="paper",
        witnessed_by=world.users["physician"],
    )


def test_without_a_recorded_consent_the_page_says_so_and_links_to_record_it(login, session):
    page = login("nurse").get(reverse("infusions-check-in", args=[session.pk])).content.decode()
    assert "data-consent-missing" in page and "data-consent-evidence" not in page
    link = reverse("consent-add", args=[session.patient_id]) + "?indication=depression"
    assert f'href="{link}"' in page
    assert "No consent to the depression information sheet is recorded" in page


def test_a_consent_to_another_indications_sheet_is_not_evidence(world, login, session):
    _consent(world, session.patient, _publish(world, "ptsd"), days_ago=0)
    assert consent_on_record(session.patient_id, "depression") is None
    page = login("nurse").get(reverse("infusions-check-in", args=[session.pk])).content.decode()
    assert "data-consent-missing" in page


def test_the_latest_recorded_consent_is_offered_and_fills_in_consent_on_file(world, login, session):
    version = _publish(world, "depression")
    _consent(world, session.patient, version, days_ago=0)
    latest = _consent(world, session.patient, version, days_ago=0)
    assert consent_on_record(session.patient_id, "depression") == latest
    response = login("nurse").get(reverse("infusions-check-in", args=[session.pk]))
    page = response.content.decode()
    assert "data-consent-evidence" in page and "data-consent-missing" not in page
    assert f"information sheet v{version.version}" in page
    assert version.content_hash[:12] in page
    form = response.context["form"]
    assert form["consent_on_file"].value() is True
    assert form["consent_date"].value() == timezone.localdate(latest.signed_at)
