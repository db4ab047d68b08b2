"""Prepaid packages: bought with a payment, drawn one unit per signed session, and the unused
sessions refunded pro rata when the clinic's rule allows it.

The draw: when a physician signs a session (the infusions app calls
``draw_for_signed_session`` in the sign-off's transaction), one unit is taken from the patient's
oldest package at the session's clinic that has sessions left; with none left, nothing is drawn
and the session is paid for as usual. A package's row is locked while its units are counted, so
two sign-offs cannot take its last unit twice (and the database refuses a unit number used twice).

The refund: the price less the value of the sessions used, the value of ``n`` of ``N`` sessions
being price × n / N rounded half up to the cent (``rules.package_refund_amount``); it gives back
every unused session and closes the package. A clinic whose rule is "not refundable" refuses it;
a package recorded in error is voided instead (``ledger.payment_void``).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.states import SessionState
from kitclinic.lib.field_errors import Errors
from kitclinic.patients.models import Patient
from kitclinic.payments.models import (
    Kind,
    PackagePurchase,
    PackageType,
    PackageUse,
    Payment,
    Purpose,
)
from kitclinic.payments.rules import package_refund_amount
from kitclinic.payments.selectors import (
    package_balance,
    package_balances,
    payment_settings,
    refundable_amount,
)
from kitclinic.payments.services._common import (
    REASON_MAX,
    REFERENCE_MAX,
    method_of,
    patient_of_organization,
    received_when,
    text_of,
    write_entry,
)
from kitclinic.payments.services.ledger import give_back, locked_payment


@transaction.atomic
def package_buy(
    *,
    actor: Actor,
    patient: Patient,
    package_type: PackageType,
    method: str,
    reference: str = "",
    received_at: dt.datetime | None = None,
    is_synthetic: bool = False,
) -> Payment:
    """``patient`` buys a package of the acting clinic: the purchase, on the type's terms, and
    its payment of the full price, with a receipt."""
    actor.require(Action.PAYMENT_RECORD)
    patient_of_organization(actor, patient)
    package_type = PackageType.objects.get(pk=package_type.pk)  # as it stands now
    errors = Errors()
    if package_type.clinic_id != actor.clinic.pk or not package_type.is_active:
        errors.add("package_type", "Choose a package this clinic sells.")
    elif package_type.currency != payment_settings(actor.clinic).currency:
        errors.add(
            "package_type",
            f"This package is priced in {package_type.currency}, but the clinic now keeps its "
            "books in another currency: define the package again.",
        )
    method_of(errors, method)
    when = received_when(errors, received_at)
    ref = text_of(errors, "reference", reference, limit=REFERENCE_MAX)
    errors.raise_if_any()
    purchase = PackagePurchase(
        clinic=actor.clinic,
        patient=patient,
        package_type=package_type,
        name=package_type.name,
        sessions=package_type.sessions,
        price=package_type.price,
        currency=package_type.currency,
        bought_at=when,
    )
    purchase.full_clean()
    purchase.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=purchase,
        patient=patient,
        changes={
            "package_type": [None, package_type.pk],
            "sessions": [None, purchase.sessions],
            "price": [None, str(purchase.price)],
        },
        detail=f"Package bought: {purchase.name}",
    )
    return write_entry(
        actor,
        Payment(
            clinic=actor.clinic,
            patient=patient,
            kind=Kind.PAYMENT,
            amount=purchase.price,
            net_amount=purchase.price,
            currency=purchase.currency,
            method=method,
            reference=ref,
            purpose=Purpose.PACKAGE,
            package=purchase,
            received_at=when,
            received_by=actor.user,
            is_synthetic=is_synthetic,
        ),
        detail=f"Payment of {purchase.price} for {purchase.name}",
    )


@transaction.atomic
def package_draw(
    *, actor: Actor, purchase: PackagePurchase, session: InfusionSession
) -> PackageUse:
    """One session drawn from ``purchase``; refused when none is left or the session is another
    patient's, of another clinic, not signed or already drawn. Called by the sign-off, whose
    actor was allowed to sign the session."""
    purchase = PackagePurchase.objects.select_for_update().get(pk=purchase.pk)
    errors = Errors()
    if session.patient_id != purchase.patient_id or session.clinic_id != purchase.clinic_id:
        errors.add("session", "The session is not of this package's patient and clinic.")
    elif session.state != SessionState.SIGNED:
        errors.add("session", "Only a signed session draws from a package.")
    elif PackageUse.objects.filter(session=session).exists():
        errors.add("session", "This session has already drawn from a package.")
    balance = package_balance(purchase)
    if balance.remaining <= 0:
        errors.add(
            "purchase",
            f"All {balance.bought} sessions of this package are used or refunded "
            f"({balance.used} used): nothing is left to draw.",
        )
    errors.raise_if_any()
    use = PackageUse(
        purchase=purchase,
        session=session,
        unit=balance.used + 1,
        of_units=purchase.sessions,
        used_at=timezone.now(),
    )
    use.full_clean()
    use.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=use,
        patient=session.patient,
        changes={"purchase": [None, purchase.pk], "session": [None, session.pk]},
        detail=f"Package session {use.unit} of {use.of_units} used ({purchase.name})",
        clinic_id=purchase.clinic_id,
    )
    return use


def draw_for_signed_session(actor: Actor, session: InfusionSession) -> None:
    """The sign-off's listener: draw one unit from the patient's oldest package at the session's
    clinic with sessions left; nothing when there is none (or the session already drew)."""
    if PackageUse.objects.filter(session=session).exists():
        return
    for balance in package_balances(session.patient_id, clinic_id=session.clinic_id):
        if balance.remaining > 0:
            package_draw(actor=actor, purchase=balance.purchase, session=session)
            return


@transaction.atomic
def package_refund(
    *,
    actor: Actor,
    purchase: PackagePurchase,
    reason: str,
    method: str = "",
    received_at: dt.datetime | None = None,
) -> Payment:
    """Every unused session of ``purchase`` given back, pro rata (see the module's docstring)."""
    payment = Payment.objects.filter(package=purchase, kind=Kind.PAYMENT).select_related("clinic")
    paid = payment.first()
    if paid is None:  # a purchase is written with its payment; this is no purchase of a patient
        raise ValidationError({"purchase": ["This package has no payment to refund."]})
    actor, paid = locked_payment(actor, paid, Action.PAYMENT_REFUND)
    PackagePurchase.objects.select_for_update().get(pk=purchase.pk)
    errors = Errors()
    if not payment_settings(purchase.clinic_id).packages_refundable:
        errors.add("purchase", "This clinic's packages are not refundable (Payment settings).")
    balance = package_balance(purchase)
    if balance.remaining <= 0:
        errors.add("purchase", "No unused session is left to refund on this package.")
    why = text_of(errors, "reason", reason, limit=REASON_MAX, required="Give the reason.")
    how = method_of(errors, method or paid.method)
    when = received_when(errors, received_at)
    errors.raise_if_any()
    amount = min(
        package_refund_amount(purchase.price, purchase.sessions, balance.used),
        refundable_amount(paid),
    )
    if amount <= 0:
        raise ValidationError({"purchase": ["Nothing is left to refund on this package."]})
    return give_back(
        actor,
        paid,
        kind=Kind.REFUND,
        amount=amount,
        method=how,
        reason=why,
        received_at=when,
        package_units=balance.remaining,
        detail=(f"Refund of {amount} for {balance.remaining} unused session(s) of {purchase.name}"),
    )
