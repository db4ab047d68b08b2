"""Fetching payment records for an actor: another organization's entry is a 404, as a missing
one; an entry is acted on with the role held at its own clinic (403 without one there). The
patient whose entry it is is noted for the audit trail of reads."""

from __future__ import annotations

from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_note
from kitclinic.payments.models import Payment


def access_payment(actor: Actor, payment_id: int | str, action: Action) -> tuple[Actor, Payment]:
    """The entry and the actor acting at its clinic (who may do ``action`` there)."""
    try:
        payment = Payment.objects.select_related(
            "clinic",
            "clinic__organization",
            "patient",
            "received_by",
            "package",
            "refund_of",
            "session",
            "session__appointment",
        ).get(pk=int(payment_id), clinic__organization_id=actor.organization_id)
    except (Payment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such payment.") from None
    actor = actor.require_at(payment.clinic_id, action)
    read_note(actor, payment.patient_id, payment)
    return actor, payment
