"""Writing audit events. Call inside the same ``transaction.atomic`` block as the change."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import json
from collections.abc import Iterable
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone

from kitclinic.audit.chain import GENESIS_HASH, canonical_time, chain_key, event_digest
from kitclinic.audit.models import AuditAction, AuditChainHead, AuditEvent


class AuditActor(Protocol):
    """Who acts, as the audit trail records them (``kitclinic.accounts.actor.Actor`` is one)."""

    @property
    def user(self) -> Any: ...
    @property
    def organization_id(self) -> int: ...
    @property
    def membership(self) -> Any: ...
    @property
    def role(self) -> Any: ...
    @property
    def client_address(self) -> str | None: ...


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
        if not isinstance(field, models.Field):
            raise TypeError(f"{name} is a reverse relation, not a field of {instance._meta.label}")
        values[name] = _jsonable(getattr(instance, field.attname))
    return values


def changes_between(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changed (created objects: old is None)."""
    return {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}


def audit_record(
    *,
    actor: AuditActor | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    patient: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    detail: str = "",
    organization_id: int | None = None,
    client_address: str | None = None,
    object_type: str = "",
    clinic_id: int | None = None,
) -> AuditEvent:
    """Append one audit event. Must run inside the transaction of the change it records.

    ``object_type`` names what an event without a model instance concerns (a whole-database
    backup, say); with ``obj`` it is the object's model label. The event carries the acting
    membership's clinic (an actor acting on a clinic's object acts with the role held there,
    ``Actor.at_clinic``); ``clinic_id`` names another one for a record the change writes into a
    clinic the actor does not act at (the receiving side of a stock transfer)."""
    if not transaction.get_connection().in_atomic_block:
        # A change and its audit event commit together or not at all.
        raise RuntimeError("audit_record must be called inside transaction.atomic()")
    address = actor.client_address if actor else client_address
    event = AuditEvent(
        occurred_at=timezone.now(),
        organization_id=actor.organization_id if actor else organization_id,
        clinic_id=clinic_id or (actor.membership.clinic_id if actor else None),
        actor=actor.user if actor else None,
        actor_role=actor.role.value if actor else "",
        action=AuditAction(action).value,
        # by id: the audit trail sits below the patients app and knows its model only as a Model
        patient_id=patient.pk if patient is not None else None,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        client_address=address or None,
        # as the database will return it (JSON round trip), so the hash covers what is stored
        changes=json.loads(json.dumps(_jsonable(changes or {}))),
        detail=detail[:300],
    )
    chain_append(event)
    return event


def _canonical_address(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return ipaddress.ip_address(address).compressed
    except ValueError:
        return None


def event_content(event: AuditEvent) -> dict[str, Any]:
    """What an event's hash covers: every field but its id and the hashes."""
    return {
        "occurred_at": canonical_time(event.occurred_at),
        "organization_id": event.organization_id,
        "clinic_id": event.clinic_id,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "patient_id": event.patient_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "client_address": event.client_address,
        "changes": event.changes,
        "detail": event.detail,
    }


def chain_append(event: AuditEvent) -> None:
    """Insert ``event`` at the end of its organization's chain, under the chain head's lock."""
    event.client_address = _canonical_address(event.client_address)
    key = chain_key(event.organization_id)
    head = AuditChainHead.objects.select_for_update().filter(chain=key).first()
    if head is None:  # the organization's first event (get_or_create: two first events race)
        AuditChainHead.objects.get_or_create(chain=key, defaults={"last_hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(chain=key)
    event.previous_hash = head.last_hash
    event.hash = event_digest(event_content(event), head.last_hash)
    event.save()
    head.last_event_id, head.last_hash, head.length = event.pk, event.hash, head.length + 1
    head.save(update_fields=["last_event_id", "last_hash", "length"])
