"""Fee schedules (versioned, never changed), the clinic's billing details and physicians' NPIs:
checked, audited, and bad input writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kitclinic.audit.append_only import AppendOnlyError
from kitclinic.audit.models import AuditEvent
from kitclinic.billing.models import BillingIdentity, FeeSchedule, FeeScheduleItem, ProviderNumber
from kitclinic.billing.selectors import clinic_today, prices_of, schedule_in_force
from kitclinic.billing.services import setup
from tests.billing.helpers import CLINIC_NPI, PRICES, publish, ready

pytestmark = pytest.mark.django_db


def test_a_new_version_supersedes_from_its_date_and_the_old_one_stays(world):
    today = clinic_today(world.clinic)
    first = publish(world)
    second = publish(world, {**PRICES, "96365": "475.00"}, on=today + dt.timedelta(days=10))
    assert (first.version, second.version) == (1, 2)
    assert schedule_in_force(world.clinic.pk, today).pk == first.pk
    assert schedule_in_force(world.clinic.pk, today + dt.timedelta(days=10)).pk == second.pk
    assert schedule_in_force(world.clinic.pk, today - dt.timedelta(days=1)) is None
    assert prices_of(first)["96365"] == Decimal("450.00")
    assert prices_of(second)["96365"] == Decimal("475.00")
    assert AuditEvent.objects.filter(object_type="billing.feeschedule").count() == 2


def test_a_version_is_never_changed_or_deleted(world):
    schedule = publish(world)
    schedule.note = "changed"
    with pytest.raises(AppendOnlyError):
        schedule.save()
    with pytest.raises(AppendOnlyError):
        FeeScheduleItem.objects.filter(schedule=schedule).update(unit_price=1)
    with pytest.raises(AppendOnlyError):
        schedule.delete()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "usd"}, "currency"),
        ({"currency": "DOLLARS"}, "currency"),
        ({"prices": {"96365": "450.001"}}, "price_96365"),
        ({"prices": {"96365": "-1"}}, "price_96365"),
        ({"prices": {"96365": "abc"}}, "price_96365"),
        ({"prices": {"96365": "NaN"}}, "price_96365"),
        ({"prices": {"99999": "10"}}, "__all__"),
        ({"prices": {}}, "__all__"),
        ({"effective_from": "yesterday"}, "effective_from"),
        ({"note": "x" * 301}, "note"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, change, field):
    today = clinic_today(world.clinic)
    values = {"currency": "USD", "effective_from": today, "prices": PRICES, **change}
    if values["effective_from"] == "yesterday":
        values["effective_from"] = today - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        setup.fee_schedule_publish(actor=world.actor("clinic_admin"), **values)
    assert field in caught.value.message_dict
    assert (
        not FeeSchedule.objects.exists()
        and not AuditEvent.objects.filter(object_type="billing.feeschedule").exists()
    )


@pytest.mark.parametrize("persona", ["physician", "nurse", "front_desk", "auditor"])
def test_only_the_clinic_admin_publishes(world, persona):
    with pytest.raises(PermissionDenied):
        setup.fee_schedule_publish(
            actor=world.actor(persona),
            currency="USD",
            effective_from=clinic_today(world.clinic),
            prices=PRICES,
        )


def test_billing_details_check_the_npi_and_the_ein(world):
    admin = world.actor("clinic_admin")
    with pytest.raises(ValidationError) as caught:
        setup.billing_identity_update(
            actor=admin, billing_name="X", npi="1234567890", tax_id="123", address="Here"
        )
    assert set(caught.value.message_dict) == {"npi", "tax_id"}
    assert not BillingIdentity.objects.exists()
    row = setup.billing_identity_update(
        actor=admin, billing_name="X", npi=CLINIC_NPI, tax_id="123456789", address="Here"
    )
    assert row.tax_id == "12-3456789"
    assert AuditEvent.objects.filter(object_type="billing.billingidentity").count() == 1


def test_a_physicians_npi_is_checked_and_only_physicians_have_one(world):
    admin = world.actor("clinic_admin")
    with pytest.raises(ValidationError) as caught:
        setup.provider_npi_set(actor=admin, user_id=world.users["physician"].pk, npi="1987654320")
    assert "npi" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        setup.provider_npi_set(actor=admin, user_id=world.users["nurse"].pk, npi="1987654328")
    assert "user" in caught.value.message_dict
    with pytest.raises(ValidationError):
        setup.provider_npi_set(actor=admin, user_id=world.users["other_org"].pk, npi="1987654328")
    assert not ProviderNumber.objects.exists()


def test_several_npis_at_once_are_all_or_nothing(world):
    from tests.factories import MembershipFactory, UserFactory

    second = UserFactory(username="physician2")
    MembershipFactory(user=second, clinic=world.clinic, role="physician")
    admin = world.actor("clinic_admin")
    with pytest.raises(ValidationError) as caught:
        setup.provider_npis_set(
            actor=admin,
            values={world.users["physician"].pk: "1987654328", second.pk: "bad"},
        )
    assert set(caught.value.message_dict) == {f"npi_{second.pk}"}
    assert not ProviderNumber.objects.exists()


def test_ready_sets_everything(world):
    ready(world)
    assert BillingIdentity.objects.get(clinic=world.clinic).npi == CLINIC_NPI
