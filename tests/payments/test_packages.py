"""Prepaid packages: bought with a payment, one unit drawn per signed session, never more than
bought, and the unused sessions refunded pro rata when the clinic allows it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kitclinic.infusions.states import SessionState
from kitclinic.payments.models import Kind, PackageUse, Payment, Purpose
from kitclinic.payments.selectors import package_balances, paid_total
from kitclinic.payments.services.ledger import payment_refund, payment_void
from kitclinic.payments.services.packages import package_buy, package_draw, package_refund
from kitclinic.payments.services.setup import (
    package_type_create,
    package_type_retire,
    payment_settings_set,
)
from tests.infusions.helpers import advance, book, slot_time
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def buy(world, patient, package_type, method: str = "card") -> Payment:  # type: ignore[no-untyped-def]
    return package_buy(
        actor=world.actor("front_desk"), patient=patient, package_type=package_type, method=method
    )


def test_buying_a_package_writes_the_purchase_and_its_payment(world, patient, six_pack):
    payment = buy(world, patient, six_pack)
    assert (payment.purpose, payment.amount, payment.package.sessions) == (
        Purpose.PACKAGE,
        Decimal("2400.00"),
        6,
    )
    [balance] = package_balances(patient.pk)
    assert (balance.bought, balance.used, balance.remaining) == (6, 0, 6)
    assert paid_total(patient.pk) == Decimal("2400.00")


def test_a_retired_package_or_another_clinics_is_not_sold(world, patient, six_pack, unchanged):
    other = world.actor(world.elsewhere("clinic_admin"))
    theirs = package_type_create(actor=other, name="Two", sessions=2, price="800")
    package_type_retire(actor=world.actor("clinic_admin"), package_type=six_pack)
    unchanged.update(row_counts())
    for package_type in (six_pack, theirs):
        with pytest.raises(ValidationError) as exc:
            buy(world, patient, package_type)
        assert "package_type" in exc.value.message_dict


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "", "sessions": 6, "price": "100"}, "name"),
        ({"name": "Six", "sessions": 0, "price": "100"}, "sessions"),
        ({"name": "Six", "sessions": 51, "price": "100"}, "sessions"),
        ({"name": "Six", "sessions": "6", "price": "100"}, "sessions"),
        ({"name": "Six", "sessions": 6, "price": "0"}, "price"),
        ({"name": "Six", "sessions": 6, "price": "1.001"}, "price"),
    ],
)
def test_a_bad_package_type_is_refused_naming_the_field(world, unchanged, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        package_type_create(actor=world.actor("clinic_admin"), **kwargs)
    assert field in exc.value.message_dict


def test_only_the_clinic_admin_defines_packages(world, unchanged):
    for persona in ("front_desk", "physician", "nurse", "auditor"):
        with pytest.raises(PermissionDenied):
            package_type_create(actor=world.actor(persona), name="Six", sessions=6, price="10")


def test_each_signed_session_draws_one_unit_and_no_more_than_bought(world, patient, course_chair):
    course, chair = course_chair
    two = package_type_create(
        actor=world.actor("clinic_admin"), name="Two infusions", sessions=2, price="900.00"
    )
    payment = buy(world, patient, two)
    sessions = [
        advance(
            world,
            book(world, course, chair, slot_time(hour=8 + 2 * n, days=-1)),
            SessionState.SIGNED,
        )
        for n in range(3)
    ]
    [balance] = package_balances(patient.pk)
    assert (balance.bought, balance.used, balance.remaining) == (2, 2, 0)
    assert list(PackageUse.objects.values_list("session_id", "unit")) == [
        (sessions[0].pk, 1),
        (sessions[1].pk, 2),
    ]
    # the third was signed with nothing left: it drew nothing, and a draw by hand is refused
    with pytest.raises(ValidationError) as exc:
        package_draw(actor=world.actor("physician"), purchase=payment.package, session=sessions[2])
    assert "nothing is left" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        package_draw(actor=world.actor("physician"), purchase=payment.package, session=sessions[0])
    assert "session" in exc.value.message_dict
    assert PackageUse.objects.count() == 2


def test_the_unused_sessions_are_refunded_pro_rata_and_the_package_closes(
    world, patient, course_chair
):
    course, chair = course_chair
    three = package_type_create(
        actor=world.actor("clinic_admin"), name="Three", sessions=3, price="1000.00"
    )
    payment = buy(world, patient, three)
    advance(world, book(world, course, chair, slot_time(hour=8, days=-1)), SessionState.SIGNED)
    admin = world.actor("clinic_admin")
    with pytest.raises(ValidationError) as exc:
        payment_refund(actor=admin, payment=payment, amount="10", reason="r")
    assert "unused sessions" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        payment_void(actor=admin, payment=payment, reason="r")
    assert "were used" in str(exc.value)
    refund = package_refund(actor=admin, purchase=payment.package, reason="Moving away")
    # one of three used: worth 333.33 (1000 × 1/3, half up); 666.67 back
    assert (refund.kind, refund.amount, refund.package_units) == (Kind.REFUND, Decimal("666.67"), 2)
    [balance] = package_balances(patient.pk)
    assert (balance.used, balance.remaining, balance.closed) == (1, 0, True)
    assert paid_total(patient.pk) == Decimal("333.33")
    with pytest.raises(ValidationError):
        package_refund(actor=admin, purchase=payment.package, reason="again")


def test_a_clinic_that_does_not_refund_packages_refuses_and_a_void_still_works(
    world, patient, six_pack
):
    admin = world.actor("clinic_admin")
    payment = buy(world, patient, six_pack)
    payment_settings_set(actor=admin, currency="USD", package_refund_rule="none")
    with pytest.raises(ValidationError) as exc:
        package_refund(actor=admin, purchase=payment.package, reason="r")
    assert "not refundable" in str(exc.value)
    void = payment_void(actor=admin, payment=payment, reason="Bought by mistake")
    assert (void.amount, void.package_units) == (Decimal("2400.00"), 6)
    [balance] = package_balances(patient.pk)
    assert balance.remaining == 0


def test_a_package_priced_in_the_old_currency_is_not_sold(world, patient, six_pack, unchanged):
    from tests.support.rows import row_counts

    payment_settings_set(
        actor=world.actor("clinic_admin"), currency="EUR", package_refund_rule="pro_rata"
    )
    unchanged.update(row_counts())
    with pytest.raises(ValidationError) as exc:
        buy(world, patient, six_pack)
    assert "priced in USD" in str(exc.value)
