"""The demo seed's payments: every page has something to show after `make run`, and the ledger
is consistent (each refund and void within its payment, the package drawn by signed sessions)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from kitclinic.payments.models import Kind, PackageType, Payment
from kitclinic.payments.selectors import package_balances, refundable_amount

pytestmark = pytest.mark.django_db


def test_seed_adds_packages_payments_a_refund_a_void_and_todays_takings():
    call_command("seed_demo", patients=12, stdout=None)
    assert PackageType.objects.count() == 2
    kinds = set(Payment.objects.values_list("kind", flat=True))
    assert kinds == {Kind.PAYMENT, Kind.REFUND, Kind.VOID}
    assert not Payment.objects.filter(is_synthetic=False).exists()
    for payment in Payment.objects.filter(kind=Kind.PAYMENT):
        assert Decimal(0) <= refundable_amount(payment) <= payment.amount
    numbers = sorted(Payment.objects.values_list("receipt_number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    purchase = Payment.objects.get(purpose="package").package
    [balance] = package_balances(purchase.patient_id)
    assert balance.used >= 1 and balance.used + balance.remaining == 6
