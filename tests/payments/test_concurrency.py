"""Receipt numbers are gap-free and unique per clinic under concurrent payments and refunds: each
entry takes its number under the lock of the clinic's counter row; concurrent refunds of one
payment never give back more than it had (the payment row is locked).

On PostgreSQL the writes run in parallel threads, each with its own connection, released together
by a barrier. SQLite has one writer at a time, so there they run one after another."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from kitclinic.payments.models import Payment
from kitclinic.payments.selectors import refundable_amount
from kitclinic.payments.services.ledger import payment_refund
from tests.payments.helpers import pay

THREADS = 6


def run_together(work: Callable[[int], str]) -> list[str]:
    outcomes: list[str] = []
    guard = threading.Lock()

    def one(n: int) -> None:
        result = work(n)
        with guard:
            outcomes.append(result)

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(THREADS)

        def worker(n: int) -> None:
            try:
                barrier.wait()
                one(n)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for n in range(THREADS):
            one(n)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_get_gap_free_receipt_numbers(world, patient):
    def work(n: int) -> str:
        pay(world, patient, f"{10 + n}.00")
        return "ok"

    assert run_together(work) == ["ok"] * THREADS
    numbers = sorted(
        Payment.objects.filter(clinic=world.clinic).values_list("receipt_number", flat=True)
    )
    assert numbers == list(range(1, THREADS + 1))


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_give_back_more_than_was_paid(world, patient):
    payment = pay(world, patient, "100.00")
    admin = world.actor("clinic_admin")

    def work(n: int) -> str:
        try:
            payment_refund(actor=admin, payment=payment, amount="40.00", reason=f"refund {n}")
        except ValidationError as exc:
            return "refused" if "amount" in exc.message_dict else repr(exc)
        return "ok"

    assert sorted(run_together(work)) == ["ok"] * 2 + ["refused"] * (THREADS - 2)
    assert refundable_amount(payment) == Decimal("20.00")
    numbers = sorted(Payment.objects.values_list("receipt_number", flat=True))
    assert numbers == [1, 2, 3]
