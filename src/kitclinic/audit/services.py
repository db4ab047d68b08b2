"""Writing audit events. Call inside the same ``transaction.atomic`` block as the change."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.audit.models import AuditAction, AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values of ``instance`` (foreign keys as ids), ready to compare and store."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = _jsonable(getattr(instance, field.attname))
    return values


def changes_between(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changed (created objects: old is None)."""
    return {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}


def audit_record(
    *,
    actor: Actor | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    patient: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    detail: str = "",
    organization_id: int | None = None,
    client_address: str | None = None,
    object_type: str = "",
) -> AuditEvent:
    """Append one audit event. Must run inside the transaction of the change it records.

    ``object_type`` names what an event without a model instance concerns (a whole-database
    backup, say); with ``obj`` it is the object's model label."""
    if not transaction.get_connection().in_atomic_block:
        # A change and its audit event commit together or not at all.
        raise RuntimeError("audit_record must be called inside transaction.atomic()")
    event = AuditEvent(
        occurred_at=timezone.now(),
        organization_id=actor.organization_id if actor else organization_id,
        clinic_id=actor.membership.clinic_id if actor else None,
        actor=actor.user if actor else None,
        actor_role=actor.role.value if actor else "",
        action=AuditAction(action).value,
        patient=patient,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        client_address=(actor.client_address if actor else client_address) or None,
        changes=_jsonable(changes or {}),
        detail=detail[:300],
    )
    event.save()
    return event
