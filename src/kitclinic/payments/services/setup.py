"""A clinic's payment settings (currency, package refund rule) and the package types it sells;
both the clinic admin's, audited with old and new values."""

from __future__ import annotations

from django.db import transaction

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.lib.field_errors import Errors
from kitclinic.payments.models import PackageRefundRule, PackageType, PaymentSettings
from kitclinic.payments.rules import CURRENCIES
from kitclinic.payments.selectors import payment_settings
from kitclinic.payments.services._common import amount_of, text_of

# A course of ketamine infusions is commonly six; a package of more than this is a typing mistake.
MAX_PACKAGE_SESSIONS = 50
NAME_MAX = PackageType._meta.get_field("name").max_length or 120


@transaction.atomic
def payment_settings_set(
    *, actor: Actor, currency: str, package_refund_rule: str
) -> PaymentSettings:
    """The acting clinic's currency and package refund rule. The currency applies to entries
    written from now on; earlier ones keep theirs."""
    actor.require(Action.PAYMENT_SETUP)
    errors = Errors()
    if currency not in CURRENCIES:
        errors.add("currency", f"Must be one of: {', '.join(CURRENCIES)}.")
    if package_refund_rule not in PackageRefundRule.values:
        errors.add("package_refund_rule", f"Must be one of: {', '.join(PackageRefundRule.values)}.")
    errors.raise_if_any()
    before = payment_settings(actor.clinic)
    row, _ = PaymentSettings.objects.select_for_update().get_or_create(clinic=actor.clinic)
    old = {"currency": before.currency, "package_refund_rule": before.package_refund_rule}
    row.currency, row.package_refund_rule = currency, package_refund_rule
    row.full_clean()
    row.save()
    changes = changes_between(old, snapshot(row, ("currency", "package_refund_rule")))
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=row,
            changes=changes,
            detail="Payment settings changed",
        )
    return row


@transaction.atomic
def package_type_create(*, actor: Actor, name: str, sessions: object, price: object) -> PackageType:
    """A package the acting clinic sells, priced in its currency."""
    actor.require(Action.PAYMENT_SETUP)
    errors = Errors()
    label = text_of(errors, "name", name, limit=NAME_MAX, required="Name the package.")
    if (
        isinstance(sessions, bool)
        or not isinstance(sessions, int)
        or not (1 <= sessions <= MAX_PACKAGE_SESSIONS)
    ):
        errors.add("sessions", f"A whole number of sessions from 1 to {MAX_PACKAGE_SESSIONS}.")
        sessions = 1
    value = amount_of(errors, "price", price)
    errors.raise_if_any()
    package = PackageType(
        clinic=actor.clinic,
        name=label,
        sessions=sessions,
        price=value,
        currency=payment_settings(actor.clinic).currency,
        created_by=actor.user,
    )
    package.full_clean()
    package.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=package,
        changes=changes_between({}, snapshot(package, ("name", "sessions", "price", "currency"))),
    )
    return package


@transaction.atomic
def package_type_retire(*, actor: Actor, package_type: PackageType) -> PackageType:
    """The package is no longer sold; packages already bought keep their terms."""
    actor = actor.require_at(package_type.clinic_id, Action.PAYMENT_SETUP)
    package_type = PackageType.objects.select_for_update().get(pk=package_type.pk)
    if package_type.is_active:
        package_type.is_active = False
        package_type.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=package_type,
            changes={"is_active": [True, False]},
        )
    return package_type
