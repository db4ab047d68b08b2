"""Fetching controlled-substance records for an actor. Records are kept per registered location
([cfr-1304-21]): a lot or count is acted on with the role held at its own clinic (403 without
one there, whichever clinic is active); another organization's is a 404, as a missing one."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.substances.models import Reconciliation, ReconciliationLine, SubstanceLot
from kitclinic.substances.selectors import line_is_open


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


def access_open_count_line(actor: Actor, line_id: int | str) -> ReconciliationLine:
    """A count line whose discrepancy is still open, to be resolved by an adjustment; a line
    with nothing left to resolve is a 404 like a missing one."""
    line = access_count_line(actor, line_id, Action.SUBSTANCE_RECONCILE)
    if not line_is_open(line):
        raise Http404("This count line has no open discrepancy.")
    return line


def may_adjust(actor: Actor) -> bool:
    """May record count corrections (and resolve discrepancies) at the acting clinic."""
    return actor.may(Action.SUBSTANCE_RECONCILE)


@dataclass(frozen=True)
class PageAction:
    label: str
    url: str
    style: str  # the button's classes: the first of a kind is plain, its companions secondary


# The log's buttons in the order shown, each with the action a role must hold to see it.
_LOG_ACTIONS = (
    ("Receive", "substance-receive", "small", Action.SUBSTANCE_RECEIVE),
    ("Dispense", "substance-dispense", "small", Action.SUBSTANCE_DISPENSE),
    ("Waste", "substance-waste", "small secondary", Action.SUBSTANCE_DISPENSE),
    ("Transfer", "substance-transfer", "small secondary", Action.SUBSTANCE_RECEIVE),
    ("Count", "substance-reconcile", "small secondary", Action.SUBSTANCE_RECONCILE),
    ("Adjust", "substance-adjust", "small secondary outline", Action.SUBSTANCE_RECONCILE),
    ("Report", "substance-report", "small outline", Action.SUBSTANCE_REPORT),
)


def log_actions(actor: Actor) -> list[PageAction]:
    """The buttons the log page offers the actor at the acting clinic."""
    return [
        PageAction(label=label, url=reverse(name), style=style)
        for label, name, style, action in _LOG_ACTIONS
        if actor.may(action)
    ]
