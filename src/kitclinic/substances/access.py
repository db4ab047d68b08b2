"""Fetching controlled-substance records for an actor. Records are kept per registered location
([cfr-1304-21]): a lot or count is acted on with the role held at its own clinic (403 without
one there, whichever clinic is active); another organization's is a 404, as a missing one."""

from __future__ import annotations

from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.substances.models import Reconciliation, ReconciliationLine, SubstanceLot


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def access_lot(actor: Actor, lot_id: int | str, action: Action) -> SubstanceLot:
    try:
        lot = SubstanceLot.objects.get(
            pk=_pk(lot_id), clinic__organization_id=actor.organization_id
        )
    except SubstanceLot.DoesNotExist:
        raise Http404("No such lot.") from None
    actor.require_at(lot.clinic_id, action)
    return lot


def access_reconciliation(
    actor: Actor, reconciliation_id: int | str, action: Action
) -> Reconciliation:
    try:
        reconciliation = Reconciliation.objects.select_related("counted_by", "witness").get(
            pk=_pk(reconciliation_id), clinic__organization_id=actor.organization_id
        )
    except Reconciliation.DoesNotExist:
        raise Http404("No such count.") from None
    actor.require_at(reconciliation.clinic_id, action)
    return reconciliation


def access_count_line(actor: Actor, line_id: int | str, action: Action) -> ReconciliationLine:
    try:
        line = ReconciliationLine.objects.select_related("lot", "reconciliation").get(
            pk=_pk(line_id), reconciliation__clinic__organization_id=actor.organization_id
        )
    except ReconciliationLine.DoesNotExist:
        raise Http404("No such count line.") from None
    actor.require_at(line.reconciliation.clinic_id, action)
    return line
