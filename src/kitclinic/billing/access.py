"""Fetching billing documents for an actor: another organization's is a 404, as a missing one; a
role that may not act at the document's clinic is a 403. Reading one notes the patient's read
for the audit trail (kitclinic.audit.reads)."""

from __future__ import annotations

from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_note
from kitclinic.billing.models import FeeSchedule, GoodFaithEstimate, Superbill


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def access_estimate(actor: Actor, estimate_id: int | str, action: Action) -> GoodFaithEstimate:
    estimate = (
        GoodFaithEstimate.objects.filter(
            pk=_pk(estimate_id), clinic__organization_id=actor.organization_id
        )
        .select_related("patient", "issued_by", "signature_recorded_by", "clinic")
        .first()
    )
    if estimate is None:
        raise Http404("No such estimate.")
    read_note(actor.require_at(estimate.clinic_id, action), estimate.patient_id, estimate)
    return estimate


def access_superbill(actor: Actor, superbill_id: int | str, action: Action) -> Superbill:
    superbill = (
        Superbill.objects.filter(
            pk=_pk(superbill_id), clinic__organization_id=actor.organization_id
        )
        .select_related("patient", "issued_by", "clinic")
        .first()
    )
    if superbill is None:
        raise Http404("No such superbill.")
    read_note(actor.require_at(superbill.clinic_id, action), superbill.patient_id, superbill)
    return superbill


def access_schedule(actor: Actor, schedule_id: int | str) -> FeeSchedule:
    """A version of the acting clinic's fee schedule (prices, no patient data)."""
    actor.require(Action.FEE_SCHEDULE_VIEW)
    schedule = (
        FeeSchedule.objects.filter(pk=_pk(schedule_id), clinic_id=actor.membership.clinic_id)
        .prefetch_related("items")
        .first()
    )
    if schedule is None:
        raise Http404("No such fee schedule.")
    return schedule
