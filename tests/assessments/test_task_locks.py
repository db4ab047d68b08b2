"""The background tasks lock only their own row (PostgreSQL).

A reminder or an escalation locks its link or alert so that two workers cannot both send it. Had
it also locked the patient and the clinic (``select_for_update()`` over ``select_related``), every
request writing a row that refers to them (an audit event: every write and chart view) would wait
at its foreign-key check until the mail was sent, and a request that had already checked one of
the two would deadlock with the task."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection, transaction

from kitclinic.accounts.models import Clinic
from kitclinic.assessments import tasks
from kitclinic.assessments.services.links import link_issue
from kitclinic.patients.models import Patient
from tests.assessments.helpers import alert_raised

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite locks the whole database")


@contextmanager
def request_referring_to(clinic_id: int, patient_id: int) -> Iterator[None]:
    """Another connection in the middle of a transaction that has checked its foreign keys to
    the clinic and the patient (FOR KEY SHARE, as PostgreSQL does at an insert's commit)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as other:
        other.execute(
            f"SELECT 1 FROM {Clinic._meta.db_table} WHERE id = %s FOR KEY SHARE", [clinic_id]
        )
        other.execute(
            f"SELECT 1 FROM {Patient._meta.db_table} WHERE id = %s FOR KEY SHARE", [patient_id]
        )
        yield
        other.rollback()


@contextmanager
def lock_timeout() -> Iterator[None]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '2s'")  # waiting means the bug: fail, not hang
        yield


def test_a_reminder_does_not_wait_for_requests_referring_to_its_patient_or_clinic(world, patient):
    patient.email = "patient@example.org"
    patient.save(update_fields=["email"])
    issued = link_issue(actor=world.actor("nurse"), patient=patient, instrument="phq9")
    with request_referring_to(world.clinic.pk, patient.pk), lock_timeout():
        assert tasks.link_reminder_send.call(issued.link.pk) is True


def test_an_escalation_does_not_wait_for_requests_referring_to_its_patient_or_clinic(
    world, patient
):
    world.users["physician"].email = "physician@northside.example"
    world.users["physician"].save(update_fields=["email"])
    alert = alert_raised(world, patient)
    with request_referring_to(world.clinic.pk, patient.pk), lock_timeout():
        assert tasks.alert_escalate.call(alert.pk) is True
