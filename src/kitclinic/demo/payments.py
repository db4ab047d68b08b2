"""Payments of the synthetic demo: deterministic, every entry marked synthetic. At the front
desk's clinic: two package types, a package bought before a patient's course (its signed
sessions drew from it), a payment for each of the latest signed sessions, a refund and a void by
the clinic admin, and two payments today so the takings page has a day to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.states import SessionState
from kitclinic.payments.models import Payment, Purpose
from kitclinic.payments.services.ledger import payment_record, payment_refund, payment_void
from kitclinic.payments.services.packages import draw_for_signed_session, package_buy
from kitclinic.payments.services.setup import package_type_create

SESSION_FEE = Decimal("450.00")
METHODS = ("card", "card", "cash", "card", "bank_transfer", "cheque")


def seed_payments(*, front: Actor, admin: Actor, physician: Actor, sessions: int = 24) -> None:
    clinic = front.clinic
    six = package_type_create(
        actor=admin, name="Course of six infusions", sessions=6, price=Decimal("2400.00")
    )
    package_type_create(actor=admin, name="Booster infusion", sessions=1, price=Decimal("450.00"))
    signed = list(
        InfusionSession.objects.filter(clinic=clinic, state=SessionState.SIGNED)
        .select_related("appointment", "patient")
        .order_by("appointment__starts_at", "id")
    )
    if not signed:
        return
    # The package: bought the day before the first signed session of the latest course with
    # signed sessions; those sessions drew from it.
    course_id = signed[-1].course_id
    course = [s for s in signed if s.course_id == course_id]
    package_buy(
        actor=front,
        patient=course[0].patient,
        package_type=six,
        method="card",
        reference="DEMO-SLIP-0001",
        received_at=course[0].appointment.starts_at - dt.timedelta(days=1),
        is_synthetic=True,
    )
    for session in course:
        draw_for_signed_session(physician, session)
    paid: list[Payment] = []
    others = [s for s in signed if s.course_id != course_id][-sessions:]
    for n, session in enumerate(others):
        paid.append(
            payment_record(
                actor=front,
                patient=session.patient,
                amount=SESSION_FEE,
                method=METHODS[n % len(METHODS)],
                purpose=Purpose.SESSION,
                session=session,
                reference=f"DEMO-{n + 2:04d}",
                received_at=session.appointment.starts_at + dt.timedelta(hours=2),
                is_synthetic=True,
            )
        )
    now = timezone.now()
    today = [
        payment_record(
            actor=front,
            patient=signed[n % len(signed)].patient,
            amount=amount,
            method=method,
            reference="DEMO-TODAY" if method == "card" else "",
            received_at=now - dt.timedelta(minutes=3 - n),
            is_synthetic=True,
        )
        for n, (amount, method) in enumerate(
            ((Decimal("450.00"), "card"), (Decimal("80.00"), "cash"))
        )
    ]
    # a demo too small to have older paid sessions refunds and voids today's
    refunded, voided = paid[-2:] if len(paid) >= 2 else today
    payment_refund(
        actor=admin,
        payment=refunded,
        amount=Decimal("15.00") if refunded in today else Decimal("150.00"),
        reason="Session ended early; the clinic's policy refunds a third of the fee.",
        received_at=min(refunded.received_at + dt.timedelta(days=1), now),
    )
    payment_void(
        actor=admin,
        payment=voided,
        reason="Recorded twice: the patient paid once.",
        received_at=min(voided.received_at + dt.timedelta(minutes=10), now),
    )
