"""Fetching controlled-substance records for an actor. Records are kept per registered location
([cfr-1304-21]), so a lot or count of any clinic other than the acting one is a 404, like another
organization's; a role that may not do the action is a 403."""

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
        lot = SubstanceLot.objects.get(pk=_pk(lot_id), clinic_id=actor.membership.clinic_id)
    except SubstanceLot.DoesNotExist:
        raise Http404("No such lot at this clinic.") from None
    actor.require(action)
    return lot


def access_reconciliation(
    actor: Actor, reconciliation_id: int | str, action: Action
) -> Reconciliation:
    try:
        reconciliation = Reconciliation.objects.select_related("counted_by", "witness").get(
            pk=_pk(reconciliation_id), clinic_id=actor.membership.clinic_id
        )
    except Reconciliation.DoesNotExist:
        raise Http404("No such count at this clinic.") from None
    actor.require(action)
    return reconciliation


def access_count_line(actor: Actor, line_id: int | str, action: Action) -> ReconciliationLine:
    try:
        line = ReconciliationLine.objects.select_related("lot", "reconciliation").get(
            pk=_pk(line_id), reconciliation__clinic_id=actor.membership.clinic_id
        )
    except ReconciliationLine.DoesNotExist:
        raise Http404("No such count line at this clinic.") from None
    actor.require(action)
    return line
