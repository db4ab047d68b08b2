"""Reads of billing records, scoped to the actor's clinic and organization.

Prices: the fee schedule in force on a date is the clinic's latest version whose
``effective_from`` is on or before that date. Amounts paid come from one function,
:func:`amount_paid`, the one place that asks the payments records (``kitclinic.payments``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic
from kitclinic.billing.models import (
    BillingIdentity,
    FeeSchedule,
    FeeScheduleItem,
    GoodFaithEstimate,
    ProviderNumber,
    Superbill,
)
from kitclinic.billing_codes import CODE_DESCRIPTORS, Line, lines_total
from kitclinic.infusions.selectors.billing import signed_sessions_billed
from kitclinic.patients.models import Patient
from kitclinic.payments.selectors import (
    is_package_money,
    paid_total,
    payment_settings,
    payments_for_patient,
    sessions_drawn_from_packages,
)

ZERO = Decimal("0.00")
# The codes a fee schedule prices, in the order its page lists them.
PRICED_CODES: tuple[str, ...] = tuple(CODE_DESCRIPTORS)


def clinic_today(clinic: Clinic) -> dt.date:
    return timezone.localtime(timezone.now(), clinic.zone).date()


def schedules_of(clinic_id: int) -> QuerySet[FeeSchedule]:
    """Every version of the clinic's fee schedule, newest first, with its items."""
    return (
        FeeSchedule.objects.filter(clinic_id=clinic_id)
        .select_related("created_by")
        .prefetch_related(Prefetch("items", queryset=FeeScheduleItem.objects.order_by("code")))
        .order_by("-version")
    )


def schedule_in_force(clinic_id: int, on: dt.date) -> FeeSchedule | None:
    """The version that prices a service on ``on`` (None before the first one)."""
    return (
        schedules_of(clinic_id)
        .filter(effective_from__lte=on)
        .order_by("-effective_from", "-version")
        .first()
    )


def prices_of(schedule: FeeSchedule) -> dict[str, Decimal]:
    return {item.code: item.unit_price for item in schedule.items.all()}


@dataclass(frozen=True)
class ScheduleRow:
    schedule: FeeSchedule
    prices: list[tuple[str, str, Decimal | None]]  # code, descriptor, price (None: not priced)
    in_force: bool
    future: bool


def schedule_rows(clinic: Clinic) -> list[ScheduleRow]:
    today = clinic_today(clinic)
    current = schedule_in_force(clinic.pk, today)
    rows = []
    for schedule in schedules_of(clinic.pk):
        prices = prices_of(schedule)
        rows.append(
            ScheduleRow(
                schedule=schedule,
                prices=[(c, CODE_DESCRIPTORS[c], prices.get(c)) for c in PRICED_CODES],
                in_force=current is not None and schedule.pk == current.pk,
                future=schedule.effective_from > today,
            )
        )
    return rows


def billing_identity(clinic_id: int) -> BillingIdentity | None:
    return BillingIdentity.objects.filter(clinic_id=clinic_id).first()


def provider_npis(organization_id: int) -> dict[int, str]:
    """user id -> NPI for the organization's rendering providers."""
    return dict(
        ProviderNumber.objects.filter(organization_id=organization_id).values_list("user_id", "npi")
    )


def require_identity(clinic: Clinic) -> BillingIdentity:
    identity = billing_identity(clinic.pk)
    if identity is None:
        raise ValidationError(
            "The clinic's billing name, NPI, tax id and address are not set yet: the clinic "
            "admin sets them under Billing, Clinic billing details."
        )
    return identity


def estimates_of(actor: Actor, patient: Patient) -> QuerySet[GoodFaithEstimate]:
    return GoodFaithEstimate.objects.filter(
        patient=patient, clinic__organization_id=actor.organization_id
    ).select_related("issued_by", "superseded_by")


def superbills_of(actor: Actor, patient: Patient) -> QuerySet[Superbill]:
    return Superbill.objects.filter(
        patient=patient, clinic__organization_id=actor.organization_id
    ).select_related("issued_by")


def amount_paid(*, patient_id: int, session_ids: list[int], currency: str) -> Decimal:
    """What the patient paid (net of refunds and voids) for these sessions, in ``currency``: the
    payments recorded against each session (``kitclinic.payments``). A session drawn from a
    prepaid package was paid with the package and is not counted here (the package's receipt
    shows it)."""
    total = ZERO
    for session_id in session_ids:
        total += paid_total(patient_id, session_id=session_id, currency=currency)
    return total


@dataclass(frozen=True)
class Balance:
    currency: str
    charges: Decimal  # the signed sessions at the clinic, priced as on their date of service
    paid: Decimal  # net of refunds and voids, in this currency, at the clinic
    sessions: int
    unpriced: int  # signed sessions whose codes the fee schedule of their date does not price
    prepaid: int = 0  # signed sessions a prepaid package paid for: outside charges and paid

    @property
    def balance(self) -> Decimal:
        return self.charges - self.paid


def patient_balance(clinic: Clinic, patient_id: int) -> Balance:
    """What the patient owes the clinic: charges for every signed session there, priced from the
    fee schedule in force on its date, less what the patient paid there (net). A prepaid package
    is its own account: the sessions it paid for and the money paid for it (its purchase, and any
    refund of it) are left out of both sides, so a package sold below the fee schedule's price
    leaves nothing owed, and its unused sessions show on the package, not as credit. A fixed
    number of queries however long the history."""
    schedules = sorted(
        schedules_of(clinic.pk), key=lambda s: (s.effective_from, s.version), reverse=True
    )
    billed = signed_sessions_billed(
        clinic_id=clinic.pk,
        patient_id=patient_id,
        start=dt.datetime(1900, 1, 1, tzinfo=dt.UTC),
        end=timezone.now() + dt.timedelta(days=1),
    )
    currency = schedules[0].currency if schedules else payment_settings(clinic).currency
    prepaid = sessions_drawn_from_packages(row.session.pk for row in billed)
    charges, unpriced = ZERO, 0
    for row in billed:
        if row.session.pk in prepaid:
            continue
        day = timezone.localtime(row.date_of_service, clinic.zone).date()
        schedule = next((s for s in schedules if s.effective_from <= day), None)
        prices = prices_of(schedule) if schedule else {}
        if (
            schedule is None
            or schedule.currency != currency
            or any(c.code not in prices for c in row.codes)
        ):
            unpriced += 1
            continue
        charges += lines_total(
            [Line(c.code, c.units, prices[c.code], currency) for c in row.codes], currency=currency
        )
    paid = sum(
        (
            e.net_amount
            for e in payments_for_patient(patient_id, clinic_id=clinic.pk)
            if e.currency == currency and not is_package_money(e)
        ),
        ZERO,
    )
    return Balance(currency, charges, paid, len(billed) - len(prepaid), unpriced, len(prepaid))
