"""The daily takings report reconciles to the ledger to the cent: Hypothesis draws payments,
refunds and voids across several days, in clinics of several time zones, and every day's totals
(per method and currency, and the net per currency) must equal the sum of the ledger's entries
whose time received falls on that day in the clinic's zone; the days together hold every entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kitclinic.accounts.models import Clinic
from kitclinic.payments.models import Kind, Payment
from kitclinic.payments.reports import takings
from kitclinic.payments.services.ledger import payment_record, payment_refund, payment_void
from tests.factories import PatientFactory

ZONES = ["America/Los_Angeles", "Pacific/Auckland", "UTC", "Asia/Kolkata"]
ENTRY = st.tuples(
    st.integers(min_value=0, max_value=4 * 24 * 60 - 1),  # minutes into a four-day window
    st.integers(min_value=1, max_value=50_000),  # cents
    st.sampled_from(["card", "cash", "cheque", "bank_transfer", "other"]),
    st.sampled_from(["keep", "refund", "void"]),
    st.integers(min_value=1, max_value=100),  # share refunded, percent
)


pytestmark = pytest.mark.django_db


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(zone=st.sampled_from(ZONES), entries=st.lists(ENTRY, min_size=1, max_size=12))
def test_every_days_totals_equal_the_ledger(world, zone, entries) -> None:
    with transaction.atomic():
        Clinic.objects.filter(pk=world.clinic.pk).update(time_zone=zone)
        for persona in ("front_desk", "clinic_admin"):
            world.memberships[persona].clinic.time_zone = zone
        patient = PatientFactory(home_clinic=world.clinic)
        desk, admin = world.actor("front_desk"), world.actor("clinic_admin")
        start = timezone.now() - dt.timedelta(days=5)
        for minutes, cents_, method, fate, share in entries:
            when = start + dt.timedelta(minutes=minutes)
            payment = payment_record(
                actor=desk,
                patient=patient,
                amount=Decimal(cents_) / 100,
                method=method,
                received_at=when,
            )
            later = when + dt.timedelta(minutes=minutes % 600)
            if fate == "refund":
                back = max(Decimal(1), (Decimal(cents_) * share / 100).to_integral_value()) / 100
                payment_refund(
                    actor=admin, payment=payment, amount=back, reason="r", received_at=later
                )
            elif fate == "void":
                payment_void(actor=admin, payment=payment, reason="v", received_at=later)
        ledger = list(Payment.objects.filter(clinic=world.clinic))
        zone_info = desk.clinic.zone
        days = sorted({e.received_at.astimezone(zone_info).date() for e in ledger})
        counted = 0
        for day in days:
            report = takings(desk, day)
            mine = [e for e in ledger if e.received_at.astimezone(zone_info).date() == day]
            assert sorted(e.pk for e in report.entries) == sorted(e.pk for e in mine)
            assert report.net == {"USD": sum((e.net_amount for e in mine), Decimal("0.00"))}
            for total in report.totals:
                rows = [e for e in mine if e.method == total.method]
                assert total.received == sum(
                    (e.amount for e in rows if e.kind == Kind.PAYMENT), Decimal("0.00")
                )
                assert total.given_back == sum(
                    (e.amount for e in rows if e.kind != Kind.PAYMENT), Decimal("0.00")
                )
            counted += len(report.entries)
        assert counted == len(ledger)
        # the days before the first and after the last hold nothing
        assert takings(desk, days[0] - dt.timedelta(days=1)).entries == []
        assert takings(desk, days[-1] + dt.timedelta(days=1)).entries == []
        transaction.set_rollback(True)
