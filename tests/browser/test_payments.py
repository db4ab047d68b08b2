"""The front desk records a payment from the patient's chart and prints its receipt, sells a
package, and reads the day's takings; the clinic admin refunds part of a payment and defines a
package. Real browser: Debian's Chromium via Playwright; each page is photographed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kitclinic.payments.models import Kind, Payment
from kitclinic.payments.services.setup import package_type_create
from tests.browser.helpers import log_in_to_dashboard
from tests.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_desk_takes_a_payment_and_the_admin_refunds_part_of_it(
    live_server, page, shoot, world
):  # type: ignore[no-untyped-def]
    patient = PatientFactory(home_clinic=world.clinic, family_name="Rivera", given_name="Sam")
    package_type_create(
        actor=world.actor("clinic_admin"), name="Course of six infusions", sessions=6, price="2400"
    )
    log_in_to_dashboard(page, "front_desk")
    page.goto(f"/patients/{patient.pk}/")
    card = page.locator("section[aria-labelledby=payments]")
    card.get_by_role("link", name="Record a payment").click()
    page.get_by_label("Amount").fill("450.00")
    page.get_by_label("Paid by").select_option("card")
    page.get_by_label("Reference").fill("slip 0042")
    shoot("record-payment")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("heading", name="Receipt 000001")).to_be_visible()
    shoot("receipt-page")

    page.goto(f"/patients/{patient.pk}/packages/buy/")
    page.get_by_label("Package").select_option(
        label="Course of six infusions (6 sessions, 2400.00 USD)"
    )
    page.get_by_label("Paid by").select_option("cash")
    page.get_by_role("button", name="Record").click()
    page.goto(f"/patients/{patient.pk}/payments/")
    expect(page.locator("section[aria-labelledby=packages]")).to_contain_text("Course of six")
    shoot("payments-front-desk")

    page.get_by_role("link", name="Takings").click()
    expect(page.locator("main")).to_contain_text("Net USD")
    expect(page.locator("main")).to_contain_text("2850.00")
    shoot("takings-front-desk")

    payment = Payment.objects.get(receipt_number=1)
    page.context.clear_cookies()
    log_in_to_dashboard(page, "clinic_admin")
    page.goto(f"/patients/{patient.pk}/payments/")
    shoot("payments-admin")
    page.goto(f"/payments/{payment.pk}/refund/")
    page.get_by_label("Amount to give back").fill("500.00")
    page.get_by_label("Reason").fill("Session ended early")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("main")).to_contain_text("Must be at most 450.00")
    shoot("refund-too-much")
    page.get_by_label("Amount to give back").fill("150.00")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("heading", name="Receipt 000003")).to_be_visible()
    shoot("refund-receipt")
    assert Payment.objects.filter(kind=Kind.REFUND, amount="150.00").count() == 1

    page.goto("/payments/setup/")
    shoot("setup-admin")
