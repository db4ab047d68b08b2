"""The session event every pump change writes (audited with it), and the pump's current rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.infusions.models import InfusionOrder, InfusionSession, SessionEvent

MG = Decimal("0.001")  # controlled-substance amounts are kept to 0.001 mg


def session_order(session: InfusionSession) -> InfusionOrder:
    """The session's order with its library version (the pump steps need its protocol)."""
    return InfusionOrder.objects.select_related("library_version").get(session=session)


def session_event_record(
    actor: Actor,
    session: InfusionSession,
    kind: str,
    *,
    rate_ml_per_h: Decimal | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    when: dt.datetime | None = None,
) -> SessionEvent:
    event = SessionEvent.objects.create(
        session=session,
        kind=kind,
        occurred_at=when or timezone.now(),
        recorded_by=actor.user,
        rate_ml_per_h=rate_ml_per_h,
        reason=reason[:300],
        detail=detail or {},
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=event,
        patient=session.patient,
        changes={"kind": [None, kind], "rate_ml_per_h": [None, rate_ml_per_h]},
        detail=reason,
    )
    return event


def current_rate_ml_per_h(session: InfusionSession, order: InfusionOrder) -> Decimal:
    last = (
        SessionEvent.objects.filter(session=session, rate_ml_per_h__isnull=False)
        .order_by("-occurred_at", "-id")
        .values_list("rate_ml_per_h", flat=True)
        .first()
    )
    return last if last is not None else order.rate_ml_per_h
