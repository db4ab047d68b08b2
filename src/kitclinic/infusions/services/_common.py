"""Helpers shared by the infusion services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kitclinic.accounts.actor import Actor
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.states import SessionState, Step, next_state


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def lock_session(session: InfusionSession) -> InfusionSession:
    """The session row, locked for this transaction (concurrent steps on one session queue up)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_session must be called inside transaction.atomic()")
    locked = (
        InfusionSession.objects.select_for_update()
        .select_related("patient", "course", "appointment")
        .get(pk=session.pk)
    )
    return locked


def begin_step(session: InfusionSession, step: Step) -> tuple[InfusionSession, SessionState]:
    """Lock the session and check ``step`` is allowed now; returns (locked session, next state)."""
    locked = lock_session(session)
    return locked, next_state(step, locked.state, locked.course.kind)


def move(
    *,
    actor: Actor,
    session: InfusionSession,
    to: SessionState,
    extra_fields: dict[str, Any] | None = None,
    detail: str = "",
) -> None:
    """Save the session's new state (and any extra fields) with its audit event."""
    before = session.state
    fields = dict(extra_fields or {})
    for name, value in fields.items():
        setattr(session, name, value)
    if to == before and not fields:
        return
    session.state = to
    session.save(update_fields=["state", *fields])
    audit_record(
        actor=actor,
        action=AuditAction.SIGN if to == SessionState.SIGNED else AuditAction.UPDATE,
        obj=session,
        patient=session.patient,
        changes={"state": [before, to.value]} if to != before else {},
        detail=detail,
    )
