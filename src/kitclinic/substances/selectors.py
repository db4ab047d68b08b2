"""Reading the controlled-substance log: balances computed from the entries (never stored), the
log with filters, running balances, open discrepancies and who may witness."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, User
from kitclinic.accounts.roles import Action
from kitclinic.accounts.selectors import CLINICIAN_ROLES, clinicians
from kitclinic.lib.listing import Column, ListPage, ListSpec, list_page
from kitclinic.substances.models import (
    MG,
    Reconciliation,
    ReconciliationLine,
    SubstanceLogEntry,
    SubstanceLot,
)

# Waste is witnessed by two licensed staff ([waste-witness]); in kitclinic's
# roles those are physicians and nurses.
WITNESS_ROLES = CLINICIAN_ROLES
ZERO = Decimal("0.000")
# Entries per page of the log.
LOG_PAGE_SIZE = 50

# The log's entry list; the time and kind sorts have indexes ending with the id
# (SubstanceLogEntry.Meta.indexes), a change sort reads one clinic's entries.
ENTRY_LIST = ListSpec(
    columns=(
        Column("when", "When", ("occurred_at",), newest_first=True),
        Column("kind", "Kind", ("kind", "occurred_at")),
        Column("lot", "Lot"),
        Column("change", "Change (mg)", ("change_mg",), css="num"),
        Column("vials", "Vials", css="num"),
        Column("recorded_by", "Recorded by"),
        Column("witness", "Witness"),
        Column("session", "Session"),
        Column("reason", "Reason / notes"),
    ),
    default_sort="-when",
    page_size=LOG_PAGE_SIZE,
)


def clinic_zone(clinic: Clinic) -> dt.tzinfo:
    return clinic.zone


def exact_mg(total: Decimal | float | None) -> Decimal:
    """A summed amount back on the 0.001 mg grid the entries are stored on.

    SQLite adds DECIMAL columns as floating point, so 0.1 + 0.2 − 0.3 can come back as 5.5e-17;
    every entry has three decimals, so rounding the sum to three decimals gives the exact total.
    """
    if total is None:
        return ZERO
    return Decimal(str(total)).quantize(ZERO)


def _balance_expression() -> Coalesce:
    return Coalesce(Sum("entries__change_mg"), Value(ZERO), output_field=DecimalField(**MG))


def lot_balance_mg(lot: SubstanceLot, *, at: dt.datetime | None = None) -> Decimal:
    """The book balance of ``lot``: the sum of its entries (up to ``at`` if given)."""
    entries = SubstanceLogEntry.objects.filter(lot=lot)
    if at is not None:
        entries = entries.filter(occurred_at__lte=at)
    return exact_mg(entries.aggregate(total=Sum("change_mg"))["total"])


@dataclass(frozen=True)
class LotBalance:
    lot: SubstanceLot
    balance_mg: Decimal

    @property
    def balance_vials(self) -> Decimal:
        """The balance as a number of vials (a fraction for an opened vial)."""
        return (self.balance_mg / self.lot.mg_per_vial).quantize(Decimal("0.01"))

    @property
    def expired(self) -> bool:
        return self.lot.expiry_date < timezone.localdate(timezone=clinic_zone(self.lot.clinic))


def lot_balances(actor: Actor, *, include_empty: bool = False) -> list[LotBalance]:
    """Every lot of the acting clinic with its balance, in one query (soonest expiry first)."""
    actor.require(Action.SUBSTANCE_LOG_VIEW)
    lots = (
        SubstanceLot.objects.filter(clinic_id=actor.membership.clinic_id)
        .select_related("clinic")
        .annotate(balance_mg=_balance_expression())
        .order_by("expiry_date", "lot_number", "id")
    )
    return [
        LotBalance(lot=lot, balance_mg=exact_mg(lot.balance_mg))
        for lot in lots
        if include_empty or exact_mg(lot.balance_mg) != 0
    ]


@dataclass(frozen=True)
class EntryFilter:
    kind: str = ""
    lot_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def entries_for(actor: Actor, flt: EntryFilter | None = None) -> QuerySet[SubstanceLogEntry]:
    """The acting clinic's entries, newest first, filtered by kind, lot and clinic-local dates."""
    actor.require(Action.SUBSTANCE_LOG_VIEW)
    flt = flt or EntryFilter()
    zone = clinic_zone(actor.clinic)
    qs = SubstanceLogEntry.objects.filter(clinic_id=actor.membership.clinic_id)
    if flt.kind:
        qs = qs.filter(kind=flt.kind)
    if flt.lot_id is not None:
        qs = qs.filter(lot_id=flt.lot_id)
    if flt.date_from is not None:
        qs = qs.filter(occurred_at__gte=_day_start(flt.date_from, zone))
    if flt.date_to is not None:
        qs = qs.filter(occurred_at__lt=_day_start(flt.date_to + dt.timedelta(days=1), zone))
    return qs.select_related("lot", "recorded_by", "witness").order_by("-occurred_at", "-id")


def entries_page(
    actor: Actor, flt: EntryFilter | None, params: Mapping[str, Any]
) -> ListPage[SubstanceLogEntry]:
    """One page of ``entries_for`` as ``params`` ask (kitclinic.lib.listing), with the total."""
    return list_page(params, entries_for(actor, flt), ENTRY_LIST)


@dataclass(frozen=True)
class BalancePoint:
    entry: SubstanceLogEntry
    balance_mg: Decimal  # the lot's balance just after this entry

    @property
    def takes_stock(self) -> bool:
        """The entry lowers its lot's balance (a report shows it marked)."""
        return self.entry.change_mg < 0


def running_balances(
    entries: Iterable[SubstanceLogEntry], *, opening: dict[int, Decimal] | None = None
) -> list[BalancePoint]:
    """Each entry with its lot's balance after it. ``entries`` must be in chronological order
    (occurred_at, id); ``opening`` holds each lot's balance before the first of them."""
    balances = dict(opening or {})
    points = []
    for entry in entries:
        balances[entry.lot_id] = balances.get(entry.lot_id, ZERO) + entry.change_mg
        points.append(BalancePoint(entry=entry, balance_mg=balances[entry.lot_id]))
    return points


def lowest_balance_from(lot: SubstanceLot, at: dt.datetime) -> Decimal:
    """The lowest balance the lot has at ``at`` or at any later entry. A new entry taking ``q``
    at ``at`` keeps every balance from then on at least zero iff this is at least ``q``."""
    balance = ZERO
    lowest: Decimal | None = None
    entries = SubstanceLogEntry.objects.filter(lot=lot).order_by("occurred_at", "id")
    for occurred_at, change in entries.values_list("occurred_at", "change_mg"):
        if occurred_at > at and lowest is None:
            lowest = balance
        balance += change
        if lowest is not None:
            lowest = min(lowest, balance)
    return balance if lowest is None else lowest


def open_discrepancies(actor: Actor) -> QuerySet[ReconciliationLine]:
    """Count lines of the acting clinic whose discrepancy no adjustment has resolved yet."""
    actor.require(Action.SUBSTANCE_LOG_VIEW)
    return (
        ReconciliationLine.objects.filter(reconciliation__clinic_id=actor.membership.clinic_id)
        .exclude(discrepancy_mg=0)
        .filter(~Exists(SubstanceLogEntry.objects.filter(resolves=OuterRef("pk"))))
        .select_related("lot", "reconciliation")
        .order_by("reconciliation__counted_at", "id")
    )


def line_is_open(line: ReconciliationLine) -> bool:
    return line.discrepancy_mg != 0 and not SubstanceLogEntry.objects.filter(resolves=line).exists()


@dataclass(frozen=True)
class CountLineRow:
    line: ReconciliationLine
    status: str  # what the count page says of the line
    is_open: bool  # a discrepancy no adjustment has resolved yet


def count_lines(reconciliation: Reconciliation) -> list[CountLineRow]:
    """The lines of a count with their status, in two queries."""
    rows = []
    for line in reconciliation.lines.select_related("lot").prefetch_related("resolutions"):
        resolution = next(iter(line.resolutions.all()), None)
        if not line.has_discrepancy:
            status, is_open = "Matches", False
        elif resolution is not None:
            status = f"Resolved by adjustment #{resolution.pk} ({resolution.reason})"
            is_open = False
        else:
            status, is_open = "Open discrepancy", True
        rows.append(CountLineRow(line=line, status=status, is_open=is_open))
    return rows


def resolving_summary(line: ReconciliationLine) -> str:
    """What the adjustment page says of the count line it resolves."""
    return (
        f"Resolves the discrepancy of lot {line.lot.lot_number} found by the count of "
        f"{line.reconciliation.counted_at:%Y-%m-%d %H:%M} UTC: book {line.book_mg:f} mg, "
        f"counted {line.counted_mg:f} mg."
    )


def eligible_witnesses(clinic: Clinic, *, exclude: User | None = None) -> QuerySet[User]:
    """Users with an active physician or nurse role at ``clinic`` (other than ``exclude``)."""
    return clinicians(clinic, exclude=exclude)


def organization_clinics(actor: Actor) -> QuerySet[Clinic]:
    """The other clinics of the actor's organization (transfer destinations)."""
    return (
        Clinic.objects.filter(organization_id=actor.organization_id)
        .exclude(pk=actor.membership.clinic_id)
        .order_by("name")
    )
