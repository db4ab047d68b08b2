"""Reading the audit trail (admins and auditors)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditEvent
from kitclinic.audit.reads import search_record, worklist_record
from kitclinic.lib.listing import Column, ListPage, ListSpec, list_page
from kitclinic.patients.models import Patient


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor_username: str = ""
    patient_mrn: str = ""
    object_type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_events_for(actor: Actor, flt: AuditFilter) -> QuerySet[AuditEvent]:
    """The organization's audit events matching ``flt``, newest first."""
    actor.require(Action.AUDIT_VIEW)
    qs = AuditEvent.objects.filter(organization_id=actor.organization_id).select_related(
        "actor", "patient", "clinic"
    )
    if flt.action:
        qs = qs.filter(action=flt.action)
    if flt.actor_username:
        qs = qs.filter(actor__username__iexact=flt.actor_username)
    if flt.patient_mrn:
        qs = qs.filter(patient__mrn__iexact=flt.patient_mrn)
    if flt.object_type:
        qs = qs.filter(object_type=flt.object_type)
    # Whole days in the clinic's time zone, as a range on the indexed time (not a function of it).
    if flt.date_from:
        qs = qs.filter(occurred_at__gte=_day_start(flt.date_from))
    if flt.date_to:
        qs = qs.filter(occurred_at__lt=_day_start(flt.date_to + dt.timedelta(days=1)))
    return qs.order_by("-occurred_at", "-id")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# The audit trail's columns; each sort has an index ending with the id (AuditEvent.Meta.indexes).
AUDIT_LIST = ListSpec(
    columns=(
        Column("time", "Time", ("occurred_at",), newest_first=True),
        Column("user", "User"),
        Column("role", "Role"),
        Column("action", "Action", ("action", "occurred_at")),
        Column("patient", "Patient"),
        Column("object", "Object"),
        Column("address", "Address"),
        Column("changes", "Changes"),
    ),
    default_sort="-time",
)


def audit_page(actor: Actor, flt: AuditFilter, params: Mapping[str, Any]) -> ListPage[AuditEvent]:
    """One page of ``audit_events_for`` as ``params`` ask (kitclinic.lib.listing), with the
    total. Three queries whatever the page (the count, the page's ids, its rows)."""
    return list_page(params, audit_events_for(actor, flt), AUDIT_LIST)


def audit_search_record(
    actor: Actor, flt: AuditFilter, *, results: int, shown: Iterable[AuditEvent]
) -> None:
    """Browsing the audit trail filtered by a patient is one search event about that patient:
    the filters used, how many events matched and which patients the page showed. Unfiltered by a
    patient it is a worklist naming the patients whose events the page showed (their MRNs)."""
    shown_ids = sorted({e.patient_id for e in shown if e.patient_id is not None})
    if not flt.patient_mrn:
        worklist_record(actor, what="audit", patient_ids=shown_ids)
        return
    patient_id = (
        Patient.objects.filter(organization_id=actor.organization_id, mrn__iexact=flt.patient_mrn)
        .values_list("pk", flat=True)
        .first()
    )
    fields = [name for name in _FILTER_FIELDS if getattr(flt, name)]
    search_record(
        actor,
        what="audit",
        fields=fields,
        results=results,
        patient_ids=shown_ids,
        patient_id=patient_id,
    )


_FILTER_FIELDS = ("action", "actor_username", "patient_mrn", "object_type", "date_from", "date_to")
