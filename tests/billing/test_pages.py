"""Billing pages: who may see and do what (403 for a role, 404 across organizations), forms that
show the service's errors on their fields with 422 and write nothing, and the PDFs."""

from __future__ import annotations

import datetime as dt

import pytest

from kitclinic.billing.models import FeeSchedule, GoodFaithEstimate, Superbill
from kitclinic.billing.selectors import clinic_today
from tests.billing.helpers import PHYSICIAN_NPI
from tests.support.clients import web_client

pytestmark = pytest.mark.django_db


def _estimate_post(world, **change):  # type: ignore[no-untyped-def]
    today = clinic_today(world.clinic)
    return {
        "kind": "iv_ketamine",
        "sessions": "6",
        "minutes": "40",
        "dose_mg": "",
        "provider": str(world.users["physician"].pk),
        "scheduled_on": today.isoformat(),
        "first_service_on": (today + dt.timedelta(days=14)).isoformat(),
        "last_service_on": (today + dt.timedelta(days=28)).isoformat(),
        **change,
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("physician", 200),
        ("nurse", 200),
        ("front_desk", 200),
        ("clinic_admin", 200),
        ("auditor", 200),
    ],
)
def test_every_role_reads_the_fee_schedule(world, billing, persona, status):
    page = web_client(world, persona).get("/billing/")
    assert page.status_code == status
    assert "450.00" in page.content.decode()


@pytest.mark.parametrize("persona", ["physician", "nurse", "front_desk", "auditor"])
def test_only_the_clinic_admin_opens_the_set_up_pages(world, persona):
    client = web_client(world, persona)
    for url in ("/billing/fee-schedule/new/", "/billing/details/", "/billing/providers/"):
        assert client.get(url).status_code == 403, url


def test_the_admin_publishes_a_version_through_the_form(world, billing):
    client = web_client(world, "clinic_admin")
    form = client.get("/billing/fee-schedule/new/").content.decode()
    assert 'value="450.00"' in form  # prefilled from the version in force
    today = clinic_today(world.clinic).isoformat()
    bad = client.post(
        "/billing/fee-schedule/new/",
        {"currency": "USD", "effective_from": today, "price_96365": "4.505"},
    )
    assert bad.status_code == 422 and "two decimals" in bad.content.decode()
    assert FeeSchedule.objects.count() == 1
    done = client.post(
        "/billing/fee-schedule/new/",
        {"currency": "USD", "effective_from": today, "price_96365": "475"},
    )
    assert done.status_code == 302
    assert FeeSchedule.objects.count() == 2


def test_the_admin_sets_npis_and_a_bad_one_is_shown_on_its_field(world, billing):
    client = web_client(world, "clinic_admin")
    field = f"npi_{world.users['physician'].pk}"
    bad = client.post("/billing/providers/", {field: "1987654320"})
    assert bad.status_code == 422 and "check digit" in bad.content.decode()
    assert client.post("/billing/providers/", {field: PHYSICIAN_NPI}).status_code == 302


def test_the_front_desk_issues_an_estimate_prints_it_and_records_the_signature(
    world, patient, billing
):
    client = web_client(world, "front_desk")
    assert client.get(f"/patients/{patient.pk}/billing/").status_code == 200
    assert client.get(f"/patients/{patient.pk}/billing/estimates/new/").status_code == 200
    bad = client.post(
        f"/patients/{patient.pk}/billing/estimates/new/", _estimate_post(world, sessions="0")
    )
    assert bad.status_code == 422 and not GoodFaithEstimate.objects.exists()
    done = client.post(f"/patients/{patient.pk}/billing/estimates/new/", _estimate_post(world))
    estimate = GoodFaithEstimate.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/billing/estimates/{estimate.pk}/"
    page = client.get(f"/billing/estimates/{estimate.pk}/").content.decode()
    assert "2700.00" in page and "Record the signature" in page
    pdf = client.get(f"/billing/estimates/{estimate.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.post(f"/billing/estimates/{estimate.pk}/", {"confirm": "on"}).status_code == 302
    estimate.refresh_from_db()
    assert estimate.signed_at is not None


def test_the_auditor_reads_an_estimate_but_cannot_record_a_signature(world, patient, billing):
    web_client(world, "front_desk").post(
        f"/patients/{patient.pk}/billing/estimates/new/", _estimate_post(world)
    )
    estimate = GoodFaithEstimate.objects.get()
    auditor = web_client(world, "auditor")
    assert auditor.get(f"/billing/estimates/{estimate.pk}/").status_code == 200
    assert auditor.post(f"/billing/estimates/{estimate.pk}/", {"confirm": "on"}).status_code == 403
    estimate.refresh_from_db()
    assert estimate.signed_at is None


def test_nurses_see_no_billing_documents(world, patient, billing):
    client = web_client(world, "nurse")
    assert client.get(f"/patients/{patient.pk}/billing/").status_code == 403


def test_another_organization_gets_404(world, patient, billing, signed):
    front = web_client(world, "front_desk")
    front.post(f"/patients/{patient.pk}/billing/estimates/new/", _estimate_post(world))
    estimate = GoodFaithEstimate.objects.get()
    other = web_client(world, "other_org")
    assert other.get(f"/billing/estimates/{estimate.pk}/").status_code == 404
    assert other.get(f"/billing/estimates/{estimate.pk}/pdf/").status_code == 404
    assert other.get(f"/patients/{patient.pk}/billing/").status_code == 404


def test_the_front_desk_issues_a_superbill_and_downloads_it(world, patient, billing, signed):
    client = web_client(world, "front_desk")
    today = clinic_today(world.clinic)
    bad = client.post(
        f"/patients/{patient.pk}/billing/superbills/new/",
        {
            "period_start": today.isoformat(),
            "period_end": (today - dt.timedelta(days=3)).isoformat(),
        },
    )
    assert bad.status_code == 422 and not Superbill.objects.exists()
    done = client.post(
        f"/patients/{patient.pk}/billing/superbills/new/",
        {
            "period_start": (today - dt.timedelta(days=7)).isoformat(),
            "period_end": today.isoformat(),
        },
    )
    assert done.status_code == 302
    bill = Superbill.objects.get()
    pdf = client.get(f"/billing/superbills/{bill.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        web_client(world, "other_org").get(f"/billing/superbills/{bill.pk}/pdf/").status_code == 404
    )


def test_posts_without_csrf_are_refused(world, patient, billing):
    from django.test import Client

    from tests.support.clients import web_client as login

    client = login(world, "front_desk", enforce_csrf_checks=True)
    assert isinstance(client, Client)
    response = client.post(f"/patients/{patient.pk}/billing/estimates/new/", _estimate_post(world))
    assert response.status_code == 403
    assert not GoodFaithEstimate.objects.exists()


def test_the_balance_on_the_chart_is_charges_less_payments(world, patient, billing, signed):
    from kitclinic.payments.services.ledger import payment_record

    payment_record(
        actor=world.actor("front_desk"),
        patient=patient,
        amount="100.00",
        method="card",
        purpose="session",
        session=signed,
    )
    for persona in ("front_desk", "physician"):
        client = web_client(world, persona)
        chart = client.get(f"/patients/{patient.pk}/").content.decode()
        assert f"/patients/{patient.pk}/billing/balance/" in chart
        card = client.get(f"/patients/{patient.pk}/billing/balance/").content.decode()
        assert "450.00 USD" in card and "100.00 USD" in card and "350.00 USD" in card, persona
    nurse = web_client(world, "nurse")
    assert "/billing/balance/" not in nurse.get(f"/patients/{patient.pk}/").content.decode()
    assert nurse.get(f"/patients/{patient.pk}/billing/balance/").status_code == 403
    assert (
        web_client(world, "other_org").get(f"/patients/{patient.pk}/billing/balance/").status_code
        == 404
    )


def test_the_balance_costs_the_same_queries_for_one_or_many_sessions(
    world, patient, billing, signed, course, chair, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kitclinic.infusions.states import SessionState
    from tests.infusions.helpers import advance, book, slot_time

    client = web_client(world, "front_desk")
    url = f"/patients/{patient.pk}/billing/balance/"
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    advance(world, book(world, course, chair, slot_time(hour=13, days=-1)), SessionState.SIGNED)
    with CaptureQueriesContext(connection) as two:
        page = client.get(url).content.decode()
    assert "900.00 USD" in page
    assert len(two.captured_queries) == len(one.captured_queries)


def test_a_prepaid_package_is_its_own_account_not_a_debt_or_a_credit(
    world, patient, billing, course, chair
):
    """A package sold below the fee schedule's price leaves nothing owed once its sessions are
    given, and its unused sessions are not shown as credit; a session outside it is owed."""
    from kitclinic.billing.selectors import patient_balance
    from kitclinic.infusions.states import SessionState
    from kitclinic.payments.services.packages import package_buy
    from kitclinic.payments.services.setup import package_type_create
    from tests.infusions.helpers import advance, book, slot_time

    two = package_type_create(
        actor=world.actor("clinic_admin"), name="Two infusions", sessions=2, price="800.00"
    )
    package_buy(actor=world.actor("front_desk"), patient=patient, package_type=two, method="card")
    bought = patient_balance(world.clinic, patient.pk)
    assert (bought.charges, bought.paid, bought.balance) == (0, 0, 0)
    for hour in (8, 10):
        advance(
            world, book(world, course, chair, slot_time(hour=hour, days=-1)), SessionState.SIGNED
        )
    used = patient_balance(world.clinic, patient.pk)
    assert (used.balance, used.prepaid, used.sessions) == (0, 2, 0)
    advance(world, book(world, course, chair, slot_time(hour=13, days=-1)), SessionState.SIGNED)
    owed = patient_balance(world.clinic, patient.pk)
    assert (str(owed.charges), str(owed.balance), owed.prepaid, owed.sessions) == (
        "450.00",
        "450.00",
        2,
        1,
    )
