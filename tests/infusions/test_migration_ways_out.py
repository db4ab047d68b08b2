"""Migration 0005 renumbers courses whose sessions share a number or run out of start order (as
bookings in the past left them) before it adds the constraint, and audits each change.

Its audit events are written in the shape they had before the audit chain (audit 0003 hashes and
chains them), so the test runs on a database migrated only as far as infusions 0004: it writes
the old numbering there with the models of that state and migrates the database forward
(tests/support/migrations.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps.registry import Apps
from django.utils import timezone

from kitclinic.audit.integrity import verify
from tests.support.migrations import database_migrated_to, historical_models, migrate

BEFORE = ("infusions", "0004_indication_labels")
# the audit chain, which depends on 0005: the events 0005 writes are chained as they would be
AFTER = ("audit", "0003_hash_chain")
# four sessions a day apart, as bookings in the past left them: (days ahead, number, state)
OLD_NUMBERING = ((1, 2, "scheduled"), (2, 2, "scheduled"), (3, 1, "scheduled"), (4, 3, "cancelled"))


@pytest.fixture
def before_0005(tmp_path_factory, tmp_path, django_db_blocker):  # type: ignore[no-untyped-def]
    """A copy of a database migrated as far as infusions 0004 (its alias); every model's queries
    go to it."""
    with (
        django_db_blocker.unblock(),
        database_migrated_to(BEFORE, tmp_path_factory, tmp_path) as alias,
    ):
        yield alias


def _course_as_booked_before(apps: Apps) -> tuple[int, list[int]]:
    """A course booked before the constraint, numbered as ``OLD_NUMBERING``: a later booking of
    an earlier time, two sessions numbered 2, and a cancelled fourth. Its organization's id and
    the sessions' ids, in start order."""
    model = apps.get_model
    now = timezone.now()
    organization = model("accounts", "Organization").objects.create(name="North", slug="north")
    clinic = model("accounts", "Clinic").objects.create(name="Northside", organization=organization)
    staff = model("accounts", "User").objects.create(username="front_desk", password="!")
    patient = model("patients", "Patient").objects.create(
        mrn="MRN-1",
        family_name="Rivera",
        given_name="Sam",
        family_name_key="rivera",
        given_name_key="sam",
        date_of_birth=dt.date(1980, 5, 17),
        sex_at_birth="female",
        updated_at=now,
        home_clinic=clinic,
        organization=organization,
    )
    library = model("infusions", "DrugLibraryVersion").objects.create(
        organization=organization, number=1, data={}, status="approved", created_at=now
    )
    course = model("infusions", "TreatmentCourse").objects.create(
        indication="depression",
        protocol_id="ketamine-iv",
        planned_infusions=6,
        planned_at=now,
        status_changed_at=now,
        clinic=clinic,
        library_version=library,
        patient=patient,
        planned_by=staff,
    )
    chair = model("infusions", "Chair").objects.create(clinic=clinic, name="Chair 1")
    sessions = []
    for days, number, state in OLD_NUMBERING:
        starts = now + dt.timedelta(days=days)
        appointment = model("infusions", "Appointment").objects.create(
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            infusion_minutes=40,
            recovery_minutes=60,
            status="booked" if state == "scheduled" else "cancelled",
            cancel_reason="" if state == "scheduled" else "x",
            booked_at=now,
            booked_by=staff,
            clinic=clinic,
            patient=patient,
            chair=chair,
            course=course,
        )
        session = model("infusions", "InfusionSession").objects.create(
            number=number,
            state=state,
            created_at=now,
            appointment=appointment,
            clinic=clinic,
            patient=patient,
            course=course,
        )
        sessions.append(session.pk)
    return organization.pk, sessions


def test_the_migration_renumbers_duplicates_by_start_time(before_0005):
    organization, (first, second, third, dropped) = _course_as_booked_before(
        historical_models(BEFORE)
    )
    migrate(before_0005, *AFTER)
    apps = historical_models(AFTER)
    numbers = dict(
        apps.get_model("infusions", "InfusionSession").objects.values_list("pk", "number")
    )
    assert [numbers[pk] for pk in (first, second, third)] == [1, 2, 3]
    assert numbers[dropped] == 3  # a cancelled session is left as it was
    events = apps.get_model("audit", "AuditEvent").objects.filter(detail__contains="migration 0005")
    assert {(e.object_id, tuple(e.changes["number"])) for e in events} == {
        (str(first), (2, 1)),
        (str(third), (1, 3)),
    }
    # both events on the organization's chain, which audit 0003 made and which verifies
    assert [(r.chain, r.events, r.intact) for r in verify()] == [(str(organization), 2, True)]
