"""Drug-library versions: validated drafts, approval by another clinician, one active version,
orders keep the version they were checked against."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kitclinic.dosing import default_library, library_to_dict
from kitclinic.infusions.models import DrugLibraryVersion, InfusionOrder
from kitclinic.infusions.services import library as library_service
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import advance, book, slot_time
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def test_default_library_is_version_1_approved_by_the_system(library):
    assert (library.number, library.status, library.approved_by) == (1, "approved", None)
    assert library.library() == default_library()
    assert library.data == library_to_dict(default_library())


def test_invalid_draft_names_the_field_path_and_writes_nothing(world, library):
    data = copy.deepcopy(library.data)
    data["protocols"][0]["dose_limits"]["hard_max"]["value"] = "0.5"
    before = row_counts()
    with pytest.raises(ValidationError, match=r"protocols\[0\]\.dose_limits\.hard_max"):
        library_service.library_draft_create(actor=world.actor("clinic_admin"), data=data)
    assert row_counts() == before


def test_draft_is_approved_by_a_physician_and_retires_the_previous(world, library, session):
    data = copy.deepcopy(library.data)
    data["version"] = "clinic-2026-12"
    data["protocols"][0]["dose_limits_mg"]["hard_max"]["value"] = "70"
    draft = library_service.library_draft_create(actor=world.actor("clinic_admin"), data=data)
    assert draft.status == "draft" and draft.based_on_id == library.pk
    with pytest.raises(PermissionDenied):
        library_service.library_approve(actor=world.actor("clinic_admin"), version=draft)
    library_service.library_approve(actor=world.actor("physician"), version=draft)
    assert list(DrugLibraryVersion.objects.order_by("number").values_list("number", "status")) == [
        (1, "retired"),
        (2, "approved"),
    ]
    # the next order is checked against (and keeps) version 2
    advance(world, session, SessionState.ORDERED)
    order = InfusionOrder.objects.get(session=session)
    assert order.library_version.number == 2
    assert any("≤70 mg" in f["message"] for f in order.findings)


def test_approver_must_differ_from_the_editor(world, library):
    draft = DrugLibraryVersion.objects.create(
        organization_id=library.organization_id,
        number=2,
        data=library.data,
        created_by=world.users["physician"],
        created_at=library.created_at,
    )
    with pytest.raises(ValidationError, match="other than its editor"):
        library_service.library_approve(actor=world.actor("physician"), version=draft)


def test_an_approved_version_cannot_be_changed(library):
    library.data = {}
    with pytest.raises(ValueError, match="cannot be changed"):
        library.save()


def test_library_page_shows_each_limit_with_its_source_or_clinic_setting(login, library):
    html = login("nurse").get(reverse("infusions-library")).content.decode()
    assert "Depression (TRD), 0.5 mg/kg over 40 min" in html
    assert "[kitclinic-dose-rules] L2" in html  # a sourced figure
    assert "clinic setting" in html  # e.g. the 75 mg absolute cap
    assert "75 mg" in html


def test_order_keeps_the_pk_prediction_against_the_oracle_table(world, session):
    """Domino, 70 kg, 35 mg over 40 min: Cp 0.2403 µg/mL at 40 min ([opentiva] oracle
    table, docs/sources.md), the peak of this infusion."""
    advance(world, session, SessionState.ORDERED)
    order = InfusionOrder.objects.get(session=session)
    assert order.pk_model == "domino"
    assert order.pk_cmax_ug_per_ml == pytest.approx(0.2403, abs=5e-4)
    assert order.pk_tmax_min == pytest.approx(40, abs=0.1)
    assert (order.dose_mg, order.rate_ml_per_h, order.volume_ml) == (35, 52.5, 35)


def test_interval_since_the_last_session_is_checked(world, course, chair):
    earlier = book(world, course, chair, slot_time(9, 0, days=-1))
    advance(world, earlier, SessionState.RUNNING)
    today = book(world, course, chair, slot_time(15, 0))
    advance(world, today, SessionState.CHECKED_IN)
    from kitclinic.infusions.services import orders

    # the earlier session started moments ago in test time: below the 20 h hard minimum
    with pytest.raises(ValidationError, match="Time since the last session"):
        orders.order_place(
            actor=world.actor("physician"),
            session=today,
            dose="0.5",
            duration_min="40",
            concentration_mg_per_ml="1",
        )


def test_an_approved_version_is_parsed_once_and_a_draft_every_time(world, library):
    first = DrugLibraryVersion.objects.get(pk=library.pk).library()
    assert DrugLibraryVersion.objects.get(pk=library.pk).library() is first
    data = copy.deepcopy(library.data)
    data["version"] = "clinic-draft"
    draft = library_service.library_draft_create(actor=world.actor("clinic_admin"), data=data)
    fresh = DrugLibraryVersion.objects.get(pk=draft.pk).library()
    assert DrugLibraryVersion.objects.get(pk=draft.pk).library() is not fresh
    assert fresh.version == "clinic-draft"


def test_the_parsed_library_is_not_reused_for_another_version_with_the_same_id(library):
    # A rolled-back test (SQLite) can hand the same primary key to a different version.
    approved = DrugLibraryVersion.objects.get(pk=library.pk)
    assert approved.library().version == library.data["version"]
    other = DrugLibraryVersion.objects.get(pk=library.pk)
    other.created_at = other.created_at + dt.timedelta(seconds=1)
    other.data = {**copy.deepcopy(library.data), "version": "another"}
    assert other.library().version == "another"
