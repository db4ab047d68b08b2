"""The demo seed's billing: a fee schedule in force since the clinic opened, one Good Faith
Estimate and one superbill, all synthetic-looking (the CMS example NPI, a zero tax id)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from kitclinic.billing.models import BillingIdentity, FeeSchedule, GoodFaithEstimate, Superbill
from kitclinic.demo.billing import DEMO_NPI, DEMO_TAX_ID

pytestmark = pytest.mark.django_db


def test_seed_adds_a_fee_schedule_an_estimate_and_a_superbill():
    call_command("seed_demo", patients=3, stdout=None)
    identity = BillingIdentity.objects.get()
    assert (identity.npi, identity.tax_id) == (DEMO_NPI, DEMO_TAX_ID)
    assert "synthetic" in identity.billing_name
    schedule = FeeSchedule.objects.get()
    assert schedule.items.count() == 5
    estimate = GoodFaithEstimate.objects.get()
    assert estimate.total == Decimal("2700.00")  # six 40-minute infusions at 450.00
    # the 3-patient demo has no signed session to bill; the 12-patient one has last week's
    assert not Superbill.objects.exists()


def test_a_larger_seed_bills_last_weeks_signed_session():
    call_command("seed_demo", patients=12, stdout=None)
    superbill = Superbill.objects.get()
    assert superbill.total_charges == Decimal("450.00")
    assert superbill.content["services"][0]["lines"][0]["code"] == "96365"
    assert superbill.content["services"][0]["minutes"] == 40
