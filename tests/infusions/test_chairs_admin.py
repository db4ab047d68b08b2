"""The clinic admin's chairs and opening hours: add, rename, retire (refused while bookings are
to come, which the message lists), put back; hours per weekday; every change audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import Chair, OpeningHours
from kitclinic.infusions.services.courses import (
    chair_add,
    chair_rename,
    chair_retire,
    chair_return,
    opening_hours_set,
)
from tests.infusions.helpers import book, slot_time
from tests.support.rows import row_counts


def test_rename_retire_and_return_a_chair_are_audited(world, chair):
    admin = world.actor("clinic_admin")
    chair_rename(actor=admin, chair=chair, name="Window chair")
    chair_retire(actor=admin, chair=chair)
    chair.refresh_from_db()
    assert chair.name == "Window chair" and not chair.is_active
    chair_return(actor=admin, chair=chair)
    chair.refresh_from_db()
    assert chair.is_active
    changes = [
        e.changes
        for e in AuditEvent.objects.filter(
            object_type="infusions.chair", object_id=str(chair.pk)
        ).order_by("id")
    ]
    assert changes == [
        {"name": ["Chair 1", "Window chair"]},
        {"is_active": [True, False]},
        {"is_active": [False, True]},
    ]


def test_a_chair_with_bookings_to_come_is_not_retired_and_the_bookings_are_listed(
    world, course, chair
):
    book(world, course, chair, slot_time(10, days=2))
    before = row_counts()
    with pytest.raises(ValidationError) as raised:
        chair_retire(actor=world.actor("clinic_admin"), chair=chair)
    message = raised.value.message_dict["chair"][0]
    assert "1 booking(s) to come" in message and course.patient.mrn in message
    assert row_counts() == before


def test_rename_refuses_a_duplicate_or_empty_name(world, chair, chair2):
    before = row_counts()
    for name in ("Chair 2", "  ", "x" * 61):
        with pytest.raises(ValidationError) as raised:
            chair_rename(actor=world.actor("clinic_admin"), chair=chair, name=name)
        assert "name" in raised.value.message_dict
    assert row_counts() == before


def test_adding_a_chair_meets_the_rename_rules_and_writes_nothing_when_refused(world, chair):
    before = row_counts()
    for name in ("Chair 1", "  ", "x" * 61):
        with pytest.raises(ValidationError) as raised:
            chair_add(actor=world.actor("clinic_admin"), name=name)
        assert "name" in raised.value.message_dict
    assert row_counts() == before
    assert "at most 60 characters" in raised.value.message_dict["name"][0]


@pytest.mark.parametrize("persona", ["physician", "nurse", "front_desk", "auditor"])
def test_only_a_clinic_admin_manages_chairs(world, chair, persona):
    with pytest.raises(PermissionDenied):
        chair_retire(actor=world.actor(persona), chair=chair)
    with pytest.raises(PermissionDenied):
        opening_hours_set(actor=world.actor(persona), hours={0: None})


def test_opening_hours_set_change_and_close_a_day(world):
    admin = world.actor("clinic_admin")
    opening_hours_set(
        actor=admin, hours={0: (dt.time(8), dt.time(18)), 1: (dt.time(9), dt.time(17))}
    )
    opening_hours_set(actor=admin, hours={0: (dt.time(7, 30), dt.time(18)), 1: None})
    rows = list(OpeningHours.objects.filter(clinic=world.clinic))
    assert [(r.weekday, r.opens_at, r.closes_at) for r in rows] == [
        (0, dt.time(7, 30), dt.time(18))
    ]
    event = AuditEvent.objects.filter(object_type="infusions.openinghours").latest("id")
    assert event.changes == {
        "Monday": [["08:00", "18:00"], ["07:30", "18:00"]],
        "Tuesday": [["09:00", "17:00"], None],
    }


def test_opening_hours_closing_before_opening_is_refused(world):
    before = row_counts()
    with pytest.raises(ValidationError) as raised:
        opening_hours_set(actor=world.actor("clinic_admin"), hours={2: (dt.time(17), dt.time(9))})
    assert "closes_2" in raised.value.message_dict
    assert row_counts() == before


def test_chairs_page_add_rename_retire_and_422s(world, login, course, chair):
    admin = login("clinic_admin")
    assert admin.post(reverse("chairs"), {"name": "Chair 3"}).status_code == 302
    assert Chair.objects.filter(clinic=world.clinic, name="Chair 3").exists()
    before = row_counts()
    duplicate = admin.post(reverse("chairs"), {"name": "Chair 3"})
    assert duplicate.status_code == 422 and "already has a chair" in duplicate.content.decode()
    book(world, course, chair, slot_time(10, days=2))
    before = row_counts()
    refused = admin.post(reverse("chair-retire", args=[chair.pk]))
    assert refused.status_code == 422 and "Move or cancel them first" in refused.content.decode()
    empty = admin.post(reverse("chair-rename", args=[chair.pk]), {"name": ""})
    assert empty.status_code == 422
    hours = admin.post(
        reverse("opening-hours"), {"open_0": "on", "opens_0": "17:00", "closes_0": "09:00"}
    )
    assert hours.status_code == 422 and "close after it opens" in hours.content.decode()
    missing = admin.post(reverse("opening-hours"), {"open_0": "on"})
    assert missing.status_code == 422
    assert row_counts() == before
    ok = admin.post(
        reverse("opening-hours"), {"open_0": "on", "opens_0": "08:00", "closes_0": "17:00"}
    )
    assert ok.status_code == 302
    assert OpeningHours.objects.filter(clinic=world.clinic, weekday=0).exists()


def test_another_organizations_chair_is_404(world, login):
    other = Chair.objects.create(clinic=world.other_clinic, name="Theirs")
    admin = login("clinic_admin")
    before = row_counts()
    for name in ("chair-retire", "chair-return", "chair-rename"):
        assert admin.post(reverse(name, args=[other.pk]), {"name": "Mine"}).status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("persona", ["physician", "nurse", "front_desk", "auditor"])
def test_chair_writes_are_403_for_other_roles(world, login, chair, persona):
    client = login(persona)
    before = row_counts()
    assert client.post(reverse("chairs"), {"name": "New"}).status_code == 403
    assert client.post(reverse("chair-retire", args=[chair.pk])).status_code == 403
    assert client.post(reverse("opening-hours"), {}).status_code == 403
    assert row_counts() == before


def test_the_clinic_day_shows_the_days_opening_hours(world, login):
    client = login("front_desk")
    assert "data-day-hours" not in client.get(reverse("infusions-today")).content.decode()
    opening_hours_set(actor=world.actor("clinic_admin"), hours={0: (dt.time(8), dt.time(17, 30))})
    monday = reverse("infusions-today") + "?day=2026-12-07"
    tuesday = reverse("infusions-today") + "?day=2026-12-08"
    assert "Open 08:00–17:30." in client.get(monday).content.decode()
    assert "Closed on Tuesdays." in client.get(tuesday).content.decode()
