"""Immutability at the database (kitclinic.operations.guards): the writes below the model layer
that used to succeed on a signed record are refused by the database itself, on SQLite and on
PostgreSQL; what is still open (unsigned records, a signed session's number, superseding a
decision once, maintenance mode) still works."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from kitclinic.consent.models import ConsentRecord
from kitclinic.infusions.models import (
    Addendum,
    CheckIn,
    Discharge,
    InfusionOrder,
    InfusionSession,
    VitalSign,
)
from kitclinic.infusions.services.sessions.signoff import addendum_write
from kitclinic.infusions.states import SessionState
from kitclinic.operations.guards import GUARDS, maintenance_sql
from kitclinic.patients.models import EligibilityDecision
from tests.infusions.helpers import advance

S = SessionState


@pytest.fixture
def signed(world, session):  # type: ignore[no-untyped-def]
    advance(world, session, S.SIGNED)
    addendum_write(actor=world.actor("physician"), session=session, text="Note.")
    return InfusionSession.objects.get(pk=session.pk)


def _refused(write: Callable[[], object]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        write()


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_a_signed_session_and_its_records_refuse_writes_below_the_models(signed):
    pk = signed.pk
    _refused(lambda: InfusionSession.objects.filter(pk=pk).update(state="running"))
    _refused(lambda: InfusionOrder.objects.filter(session_id=pk).update(dose_mg=999))
    _refused(lambda: CheckIn.objects.filter(session_id=pk).update(weight_kg=150))
    _refused(lambda: VitalSign.objects.filter(session_id=pk).delete())
    _refused(lambda: Discharge.objects.filter(session_id=pk).delete())
    _refused(lambda: Addendum.objects.filter(session_id=pk).update(text="rewritten"))
    _refused(
        lambda: _sql("UPDATE infusions_infusionsession SET state = 'running' WHERE id = %s", [pk])
    )
    _refused(
        lambda: _sql("UPDATE infusions_infusionorder SET dose_mg = 999 WHERE session_id = %s", [pk])
    )
    _refused(lambda: _sql("DELETE FROM infusions_infusionsession WHERE id = %s", [pk]))
    signed.refresh_from_db()
    assert signed.state == S.SIGNED
    assert InfusionOrder.objects.get(session_id=pk).dose_mg != 999
    assert VitalSign.objects.filter(session_id=pk).exists()


def test_a_signed_session_s_number_follows_its_course(signed):
    InfusionSession.objects.filter(pk=signed.pk).update(number=7)
    assert InfusionSession.objects.get(pk=signed.pk).number == 7


def test_an_unsigned_session_s_records_can_still_be_written(world, session):
    advance(world, session, S.CHECKED_IN)
    CheckIn.objects.filter(session=session).update(escort_name="Alex")
    assert CheckIn.objects.get(session=session).escort_name == "Alex"


def test_a_signed_eligibility_decision_is_only_superseded_once(world, eligible):
    decision = EligibilityDecision.objects.filter(patient=eligible).latest("id")
    _refused(
        lambda: EligibilityDecision.objects.filter(pk=decision.pk).update(outcome="not_eligible")
    )
    _refused(lambda: EligibilityDecision.objects.filter(pk=decision.pk).delete())
    _refused(
        lambda: _sql(
            "UPDATE patients_eligibilitydecision SET physician_rationale = 'x' WHERE id = %s",
            [decision.pk],
        )
    )


def test_append_only_consents_refuse_changes(world, course):
    consent = ConsentRecord.objects.filter(patient=course.patient).first()
    assert consent is not None
    _refused(
        lambda: _sql("UPDATE outcomes_consentrecord SET method = 'x' WHERE id = %s", [consent.pk])
    )
    _refused(lambda: _sql("DELETE FROM outcomes_consentrecord WHERE id = %s", [consent.pk]))


def test_maintenance_mode_lets_a_deliberate_rewrite_through(signed):
    with transaction.atomic():
        for statement in maintenance_sql(connection.vendor, True):
            _sql(statement, [])
        InfusionSession.objects.filter(pk=signed.pk).update(ended_at=None)
        assert InfusionSession.objects.get(pk=signed.pk).ended_at is None
        for statement in maintenance_sql(connection.vendor, False):
            _sql(statement, [])
    _refused(lambda: InfusionSession.objects.filter(pk=signed.pk).update(ended_at=signed.ended_at))


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize("table", [g.table for g in GUARDS])
def test_truncate_is_refused_on_postgresql(db, table):
    _refused(lambda: _sql(f"TRUNCATE {table} CASCADE", []))
