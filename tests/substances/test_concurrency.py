"""Concurrent dispenses cannot overdraw a lot: each locks the lot row before reading the balance.

On PostgreSQL the dispenses run in parallel threads, each with its own connection and
transaction, released together by a barrier. SQLite (the embedded single-user default) has one
writer at a time and an in-memory test database per connection, so there the same dispenses run
one after another and must give the same outcome.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from kitclinic.substances import selectors
from kitclinic.substances.models import SubstanceLogEntry
from kitclinic.substances.services import dispensing
from tests.substances.helpers import receive

THREADS = 6
DOSE_MG = Decimal("400")  # 1000 mg in the lot: exactly two of the six dispenses fit


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispenses_never_overdraw_the_lot(sess, world):
    nurse = world.actor("nurse")
    lot = receive(nurse, vials=2)
    outcomes: list[str] = []
    guard = threading.Lock()

    def dispense(n: int) -> None:
        try:
            dispensing.substance_dispense(actor=nurse, lot=lot, quantity_mg=DOSE_MG, session=sess)
            result = "ok"
        except ValidationError as exc:
            result = "refused" if "quantity_mg" in exc.message_dict else repr(exc)
        with guard:
            outcomes.append(result)

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(THREADS)

        def worker(n: int) -> None:
            try:
                barrier.wait()
                dispense(n)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for n in range(THREADS):
            dispense(n)

    assert sorted(outcomes) == ["ok"] * 2 + ["refused"] * (THREADS - 2)
    assert selectors.lot_balance_mg(lot) == Decimal("200")
    assert SubstanceLogEntry.objects.filter(lot=lot, kind="dispense").count() == 2
