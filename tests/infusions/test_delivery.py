"""Every delivered amount comes from the one pump replay: the PK curve of the session chart, the
stored dose of a stopped infusion and the migration that filled it in for earlier sessions."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from kitclinic.infusions.models import InfusionOrder, InfusionSession, SessionEvent
from kitclinic.infusions.selectors.chart import actual_regimen
from kitclinic.infusions.selectors.session import session_detail
from kitclinic.infusions.services.infusion import pump, stop
from kitclinic.infusions.states import SessionState
from kitclinic.operations.guards import maintenance_sql
from tests.infusions.helpers import advance, clock_at

pytestmark = pytest.mark.django_db
S = SessionState


def _regimen(session: InfusionSession):  # type: ignore[no-untyped-def]
    session.refresh_from_db()
    order = InfusionOrder.objects.get(session=session)
    events = list(SessionEvent.objects.filter(session=session))
    return actual_regimen(session, order, events, timezone.now())


def test_the_pk_regimen_of_a_running_infusion_projects_the_rest_of_the_vtbi(world, session):
    running = advance(world, session, S.RUNNING, elapsed_min=10)
    with clock_at(running.started_at + dt.timedelta(minutes=10)):
        pump.infusion_rate_change(
            actor=world.actor("nurse"), session=running, rate_ml_per_h="45", reason="nausea"
        )
    regimen = _regimen(running)
    # 10 min at 52.5 mg/h, then the 26.25 mg left at 45 mg/h (35 min)
    assert [(i.start_min, round(i.duration_min, 6)) for i in regimen.infusions] == [
        (0.0, 10.0),
        (10.0, 35.0),
    ]
    assert regimen.total_mg == pytest.approx(35.0)


def test_the_pk_regimen_of_an_early_stop_is_what_was_given(world, session):
    running = advance(world, session, S.RUNNING, elapsed_min=20)
    with clock_at(running.started_at + dt.timedelta(minutes=12)):
        stop.infusion_stop(
            actor=world.actor("nurse"), session=running, stop_reason="other", reason="x"
        )
    running.refresh_from_db()
    regimen = _regimen(running)
    assert regimen.total_mg == pytest.approx(float(running.delivered_mg)) == pytest.approx(10.5)
    detail = session_detail(world.actor("nurse"), running)
    assert detail.delivery.delivered_mg == Decimal("10.500")
    assert detail.chart["data"][0]["name"].startswith("Predicted plasma")


def test_the_migration_fills_in_the_delivered_dose_of_earlier_sessions(world, session):
    stopped = advance(world, session, S.SIGNED)
    migration = importlib.import_module("kitclinic.infusions.migrations.0007_delivered_dose")
    # a signed session as it was before the migration: rewritten in the database guards'
    # maintenance mode (the migration itself ran before the guards were installed)
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in maintenance_sql(connection.vendor, True):
            cursor.execute(statement)
        InfusionSession.objects.filter(pk=stopped.pk).update(delivered_ml=None, delivered_mg=None)
        migration.backfill_delivered(apps, None)
    stopped.refresh_from_db()
    assert (stopped.delivered_ml, stopped.delivered_mg) == (Decimal("35"), Decimal("35"))
