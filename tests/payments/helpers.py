"""Building payment records for the tests through the services."""

from __future__ import annotations

from decimal import Decimal

from kitclinic.payments.models import Payment
from kitclinic.payments.services.ledger import payment_record


def pay(world, patient, amount: str = "450.00", method: str = "card", **kwargs) -> Payment:  # type: ignore[no-untyped-def]
    return payment_record(
        actor=world.actor("front_desk"),
        patient=patient,
        amount=Decimal(amount),
        method=method,
        **kwargs,
    )
