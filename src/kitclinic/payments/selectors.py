"""Reading the payment ledger. Balances are computed from the entries, never stored.

For the billing app (which sits above this one) two reads are part of this app's contract:

``paid_total(patient_id, *, session_id=None, start=None, end=None, currency=None) -> Decimal``
    What the patient has paid, net of refunds and voids, in cents: every entry of the patient
    (at any clinic), or only those for one infusion session, received in ``[start, end)`` when
    given. Entries are kept in their clinic's currency; when the patient's entries span several
    currencies, name one (``currency="USD"``), else ``MixedCurrencies`` is raised, since amounts
    in different currencies are never added.

``payments_for_patient(patient_id, *, clinic_id=None, start=None, end=None) -> list[Payment]``
    The patient's entries (payments, refunds and voids), oldest first, with ``received_by``,
    ``session`` and ``package`` loaded (a fixed number of queries).

Neither checks a role or writes an audit event: the caller has fetched the patient through an
access function (which notes the read) and checked its own action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from kitclinic.accounts.models import Clinic
from kitclinic.infusions.models import InfusionSession
from kitclinic.payments.models import (
    Kind,
    PackagePurchase,
    PackageRefundRule,
    PackageType,
    PackageUse,
    Payment,
    PaymentSettings,
    Purpose,
)
from kitclinic.payments.rules import DEFAULT_CURRENCY, ZERO, Line, cents, day_bounds, refundable


class MixedCurrencies(ValueError):
    """The entries summed are in more than one currency."""


@dataclass(frozen=True)
class ClinicPaymentSettings:
    currency: str
    package_refund_rule: str

    @property
    def packages_refundable(self) -> bool:
        return self.package_refund_rule == PackageRefundRule.PRO_RATA


def payment_settings(clinic: Clinic | int) -> ClinicPaymentSettings:
    """The clinic's currency and package refund rule (the defaults when it has set none)."""
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    row = PaymentSettings.objects.filter(clinic_id=clinic_id).first()
    if row is None:
        return ClinicPaymentSettings(DEFAULT_CURRENCY, PackageRefundRule.PRO_RATA)
    return ClinicPaymentSettings(row.currency, row.package_refund_rule)


def _window(
    entries: QuerySet[Payment], start: dt.datetime | None, end: dt.datetime | None
) -> QuerySet[Payment]:
    if start is not None:
        entries = entries.filter(received_at__gte=start)
    if end is not None:
        entries = entries.filter(received_at__lt=end)
    return entries


def paid_total(
    patient_id: int,
    *,
    session_id: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    currency: str | None = None,
) -> Decimal:
    """What the patient paid, net of refunds and voids (see the module's docstring)."""
    entries = _window(Payment.objects.filter(patient_id=patient_id), start, end)
    if session_id is not None:
        entries = entries.filter(session_id=session_id)
    if currency is not None:
        entries = entries.filter(currency=currency)
    sums = list(entries.values("currency").annotate(total=Sum("net_amount")).order_by("currency"))
    if len(sums) > 1:
        raise MixedCurrencies(
            "The entries are in several currencies "
            f"({', '.join(row['currency'] for row in sums)}): name one."
        )
    return cents(sums[0]["total"]) if sums else ZERO


def payments_for_patient(
    patient_id: int,
    *,
    clinic_id: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[Payment]:
    """The patient's entries, oldest first (see the module's docstring)."""
    entries = _window(Payment.objects.filter(patient_id=patient_id), start, end)
    if clinic_id is not None:
        entries = entries.filter(clinic_id=clinic_id)
    return list(
        entries.select_related("received_by", "session", "package", "refund_of").order_by(
            "received_at", "id"
        )
    )


def sessions_drawn_from_packages(session_ids: Iterable[int]) -> set[int]:
    """Of these sessions, those a prepaid package paid for (one query)."""
    return set(
        PackageUse.objects.filter(session_id__in=list(session_ids)).values_list(
            "session_id", flat=True
        )
    )


def is_package_money(entry: Payment) -> bool:
    """A package's purchase, or a refund or void of one: money that pays for the package's
    sessions, kept apart from the balance of sessions paid one by one."""
    original = entry.refund_of or entry
    return original.purpose == Purpose.PACKAGE


def given_back(payment: Payment) -> Decimal:
    """The refunds and voids of ``payment`` so far, as a positive amount."""
    total = Payment.objects.filter(refund_of=payment).aggregate(total=Sum("amount"))["total"]
    return cents(total)


def refundable_amount(payment: Payment) -> Decimal:
    """What ``payment`` still has to refund (0 for a refund or a void)."""
    if payment.kind != Kind.PAYMENT:
        return ZERO
    return refundable(payment.amount, [given_back(payment)])


@dataclass(frozen=True)
class PackageBalance:
    purchase: PackagePurchase
    used: int
    given_back: int  # unused sessions refunded or voided

    @property
    def bought(self) -> int:
        return self.purchase.sessions

    @property
    def remaining(self) -> int:
        return self.purchase.sessions - self.used - self.given_back

    @property
    def closed(self) -> bool:
        return self.given_back > 0


def _balances(purchases: QuerySet[PackagePurchase]) -> list[PackageBalance]:
    used = (
        PackageUse.objects.filter(purchase=OuterRef("pk"))
        .order_by()
        .values("purchase")
        .annotate(n=Count("id"))
        .values("n")
    )
    returned = (
        Payment.objects.filter(package=OuterRef("pk"))
        .exclude(kind=Kind.PAYMENT)
        .order_by()
        .values("package")
        .annotate(n=Sum("package_units"))
        .values("n")
    )
    rows = purchases.annotate(
        used_count=Coalesce(Subquery(used), 0), returned=Coalesce(Subquery(returned), 0)
    ).select_related("package_type")
    return [PackageBalance(purchase=p, used=p.used_count, given_back=p.returned) for p in rows]


def package_balance(purchase: PackagePurchase) -> PackageBalance:
    return _balances(PackagePurchase.objects.filter(pk=purchase.pk))[0]


def package_balances(patient_id: int, *, clinic_id: int | None = None) -> list[PackageBalance]:
    """The patient's packages, oldest first, with sessions bought, used and remaining."""
    purchases = PackagePurchase.objects.filter(patient_id=patient_id)
    if clinic_id is not None:
        purchases = purchases.filter(clinic_id=clinic_id)
    return _balances(purchases.order_by("bought_at", "id"))


def package_types(clinic: Clinic, *, active_only: bool = False) -> QuerySet[PackageType]:
    types = PackageType.objects.filter(clinic=clinic)
    return types.filter(is_active=True) if active_only else types


@dataclass(frozen=True)
class LedgerRow:
    entry: Payment
    refundable: Decimal  # for a payment: what it still has to refund


def patient_ledger(patient_id: int, *, clinic_id: int | None = None) -> list[LedgerRow]:
    """The patient's entries, newest first, each payment with what it still has to refund (two
    queries whatever the number of entries)."""
    entries = payments_for_patient(patient_id, clinic_id=clinic_id)
    back: dict[int, Decimal] = {}
    for e in entries:
        if e.refund_of_id is not None:
            back[e.refund_of_id] = back.get(e.refund_of_id, ZERO) + e.amount
    return [
        LedgerRow(
            entry=e,
            refundable=(
                refundable(e.amount, [back.get(e.pk, ZERO)]) if e.kind == Kind.PAYMENT else ZERO
            ),
        )
        for e in reversed(entries)
    ]


def day_entries(clinic: Clinic, day: dt.date) -> list[Payment]:
    """Every entry of ``clinic`` received on ``day`` in the clinic's time zone, in order."""
    start, end = day_bounds(day, clinic.zone)
    return list(
        Payment.objects.filter(clinic=clinic, received_at__gte=start, received_at__lt=end)
        .select_related("patient", "received_by", "refund_of")
        .order_by("received_at", "id")
    )


def as_lines(entries: list[Payment]) -> list[Line]:
    return [Line(method=e.method, currency=e.currency, net=e.net_amount) for e in entries]


def sessions_of(patient_id: int, clinic_id: int) -> QuerySet[InfusionSession]:
    """The sessions a payment may name: the patient's at the clinic, newest first."""
    return (
        InfusionSession.objects.filter(patient_id=patient_id, clinic_id=clinic_id)
        .order_by("-appointment__starts_at", "-id")
        .select_related("appointment")
    )
