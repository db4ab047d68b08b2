"""Money received and given back at a clinic: the append-only payment ledger (payments, refunds
and voids, each with its receipt number), prepaid packages and the sessions drawn from them, and
each clinic's payment settings.

Nothing in the ledger is ever updated or deleted: the models and their querysets refuse it, and
on PostgreSQL a trigger refuses it as well (migration 0002, the same guard as the audit trail and
the controlled-substance log). A mistake is corrected by a new entry: a refund (money given back,
up to what the payment still has) or a void (a payment recorded in error, reversed in full). A
payment's net effect is the sum of ``net_amount`` over it and its refunds and voids; balances are
never stored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from kitclinic.audit.append_only import AppendOnlyError, AppendOnlyModel
from kitclinic.payments.rules import CURRENCIES, DEFAULT_CURRENCY

__all__ = ["AppendOnlyError"]


class DecimalShape(TypedDict):
    max_digits: int
    decimal_places: int


# Every amount: 12 digits, 2 of them decimals (cents).
MONEY: DecimalShape = {"max_digits": 12, "decimal_places": 2}


class Method(models.TextChoices):
    CARD = "card", "Card"
    CASH = "cash", "Cash"
    CHEQUE = "cheque", "Cheque"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    OTHER = "other", "Other"


class Kind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"
    VOID = "void", "Void (recorded in error)"


class Purpose(models.TextChoices):
    SESSION = "session", "An infusion session"
    PACKAGE = "package", "A prepaid package"
    ACCOUNT = "account", "On account"


class PackageRefundRule(models.TextChoices):
    PRO_RATA = "pro_rata", "Unused sessions are refunded pro rata"
    NONE = "none", "Packages are not refundable"


CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]


class PaymentSettings(models.Model):
    """A clinic's currency and package refund rule (clinic settings, changed by its admin and
    audited). A clinic without a row keeps the defaults: USD, pro-rata refunds."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="payment_settings"
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)
    package_refund_rule = models.CharField(
        max_length=10, choices=PackageRefundRule.choices, default=PackageRefundRule.PRO_RATA
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "payment settings"

    def __str__(self) -> str:
        return f"Payment settings of {self.clinic}"


class ReceiptCounter(models.Model):
    """The last receipt number of a clinic. Locked (``select_for_update``) and moved on in the
    transaction that writes the entry, so numbers are gap-free and never given twice."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="receipt_counter"
    )
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Receipts of {self.clinic}: {self.last_number}"


class PackageType(models.Model):
    """What a clinic sells in advance: a number of sessions for a price. Retired, never edited: a
    new price is a new type, so every purchase keeps the terms it was sold on."""

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="package_types"
    )
    name = models.CharField(max_length=120)
    sessions = models.PositiveSmallIntegerField()
    price = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_active", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(sessions__gt=0), name="package_type_sessions"),
            models.CheckConstraint(condition=Q(price__gt=0), name="package_type_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sessions} sessions, {self.price} {self.currency})"


class PackagePurchase(AppendOnlyModel):
    """A patient's purchase of a package, on the terms of its type at the time (copied)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="package_purchases"
    )
    package_type = models.ForeignKey(PackageType, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    sessions = models.PositiveSmallIntegerField()
    price = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    bought_at = models.DateTimeField()

    class Meta:
        ordering = ["bought_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(sessions__gt=0), name="package_purchase_sessions"),
            models.CheckConstraint(condition=Q(price__gt=0), name="package_purchase_price"),
        ]

    def __str__(self) -> str:
        return f"{self.name} bought {self.bought_at:%Y-%m-%d}"


class PackageUse(AppendOnlyModel):
    """One session drawn from a package: unit ``unit`` of ``of_units``. A session draws at most
    once, and a unit number is used once per package, so two draws cannot take the same unit."""

    purchase = models.ForeignKey(PackagePurchase, on_delete=models.PROTECT, related_name="uses")
    session = models.OneToOneField(
        "infusions.InfusionSession", on_delete=models.PROTECT, related_name="package_use"
    )
    unit = models.PositiveSmallIntegerField()
    of_units = models.PositiveSmallIntegerField()
    used_at = models.DateTimeField()

    class Meta:
        ordering = ["purchase", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["purchase", "unit"], name="package_unit_used_once"),
            models.CheckConstraint(
                condition=Q(unit__gte=1, unit__lte=F("of_units")), name="package_unit_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.unit} of {self.of_units}"


class Payment(AppendOnlyModel):
    """One entry of the ledger: a payment received, or a refund or void of one. ``amount`` is
    always more than 0; ``net_amount`` is its signed effect (+ for a payment, − for a refund or
    void). Refunds and voids name the payment they give back and copy what it paid for."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    net_amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    method = models.CharField(max_length=16, choices=Method.choices)
    reference = models.CharField(
        max_length=100, blank=True, help_text="The card slip, cheque or transfer reference."
    )
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    session = models.ForeignKey(
        "infusions.InfusionSession",
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
    )
    package = models.ForeignKey(
        PackagePurchase, on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    refund_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="refunds", null=True, blank=True
    )
    package_units = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="On a package refund or void: the unused sessions given back.",
    )
    reason = models.TextField(blank=True)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    receipt_number = models.PositiveIntegerField()
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "received_at", "id"], name="payment_clinic_time"),
            models.Index(fields=["patient", "received_at"], name="payment_patient_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "receipt_number"], name="payment_receipt_number_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(kind="payment", net_amount=F("amount"), refund_of__isnull=True)
                    | Q(
                        kind__in=["refund", "void"],
                        net_amount=-F("amount"),
                        refund_of__isnull=False,
                    )
                ),
                name="payment_net_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="payment") | ~Q(reason=""), name="payment_refund_has_reason"
            ),
            models.CheckConstraint(
                condition=(
                    Q(purpose="session", session__isnull=False, package__isnull=True)
                    | Q(purpose="package", package__isnull=False, session__isnull=True)
                    | Q(purpose="account", session__isnull=True, package__isnull=True)
                ),
                name="payment_purpose_names_its_object",
            ),
        ]

    @property
    def is_refund(self) -> bool:
        return self.kind != Kind.PAYMENT

    @property
    def receipt_label(self) -> str:
        return f"{self.receipt_number:06d}"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} (receipt {self.receipt_label})"


def signed(amount: Decimal, kind: str) -> Decimal:
    return amount if kind == Kind.PAYMENT else -amount
