"""The chronological controlled-substance report of a clinic for a period, as CSV and PDF.

Every entry of the period in order of occurrence, with its lot's balance after it; each lot
starts from its balance before the period. Downloading a report is audited (action export).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.substances.models import DRUG_SCHEDULE, Drug, SubstanceLogEntry, SubstanceLot
from kitclinic.substances.selectors import (
    ZERO,
    BalancePoint,
    clinic_zone,
    exact_mg,
    running_balances,
)

# [esketamine-label-summary], [cfr-1304-04], [cs-inventory-summary]: Schedule III; records kept at
# least 2 years (21 CFR 1304.04(a)) and separately per registered location (21 CFR 1304.21).
SCHEDULE_NOTE = (
    "Ketamine is a Schedule III controlled substance. Records of each registered location are "
    "kept separately and for at least 2 years, available for inspection (21 CFR 1304.04, "
    "1304.21); state rules may be stricter."
)

CSV_COLUMNS = [
    "entry_id",
    "occurred_at",
    "kind",
    "drug",
    "lot_number",
    "expiry_date",
    "strength_mg_per_ml",
    "vial_volume_ml",
    "quantity_mg",
    "change_mg",
    "vials",
    "lot_balance_after_mg",
    "recorded_by",
    "witness",
    "session",
    "reason",
    "corrects_entry",
    "resolves_count_line",
    "recorded_at",
]


@dataclass(frozen=True)
class LotSummary:
    lot: SubstanceLot
    opening_mg: Decimal
    closing_mg: Decimal


@dataclass(frozen=True)
class SubstanceReport:
    clinic_name: str
    organization_name: str
    date_from: dt.date
    date_to: dt.date
    zone: dt.tzinfo
    generated_at: dt.datetime
    generated_by: str
    points: list[BalancePoint]
    lots: list[LotSummary]

    @property
    def schedule_note(self) -> str:
        return SCHEDULE_NOTE

    @property
    def schedules(self) -> str:
        return ", ".join(sorted({DRUG_SCHEDULE[Drug(s.lot.drug)] for s in self.lots})) or "III"

    def local(self, value: dt.datetime) -> dt.datetime:
        return value.astimezone(self.zone)


def _user(user: User | None) -> str:
    return f"{user} ({user.username})" if user is not None else ""


def substance_report(actor: Actor, *, date_from: dt.date, date_to: dt.date) -> SubstanceReport:
    """The acting clinic's entries from ``date_from`` to ``date_to`` (clinic-local, inclusive)."""
    actor.require(Action.SUBSTANCE_REPORT)
    clinic = actor.clinic
    zone = clinic_zone(clinic)
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    entries = list(
        SubstanceLogEntry.objects.filter(
            clinic_id=clinic.pk, occurred_at__gte=start, occurred_at__lt=end
        )
        .select_related("lot", "recorded_by", "witness")
        .order_by("occurred_at", "id")
    )
    # Opening balance of every lot of the clinic: the sum of its entries before the period.
    opening: dict[int, Decimal] = {
        row["lot_id"]: exact_mg(row["total"])
        for row in SubstanceLogEntry.objects.filter(clinic_id=clinic.pk, occurred_at__lt=start)
        .values("lot_id")
        .annotate(total=Sum("change_mg"))
    }
    points = running_balances(entries, opening=opening)
    closing = dict(opening)
    for point in points:
        closing[point.entry.lot_id] = point.balance_mg
    lot_ids = {pk for pk, mg in opening.items() if mg != 0} | {e.lot_id for e in entries}
    lots = [
        LotSummary(lot=lot, opening_mg=opening.get(lot.pk, ZERO), closing_mg=closing[lot.pk])
        for lot in SubstanceLot.objects.filter(pk__in=lot_ids).order_by("expiry_date", "id")
    ]
    return SubstanceReport(
        clinic_name=clinic.name,
        organization_name=clinic.organization.name,
        date_from=date_from,
        date_to=date_to,
        zone=zone,
        generated_at=timezone.now(),
        generated_by=_user(actor.user),
        points=points,
        lots=lots,
    )


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}" if value else "0"


def report_csv(report: SubstanceReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for point in report.points:
        e = point.entry
        writer.writerow(
            [
                e.pk,
                report.local(e.occurred_at).isoformat(timespec="minutes"),
                e.kind,
                e.lot.drug,
                e.lot.lot_number,
                e.lot.expiry_date.isoformat(),
                _plain(e.lot.strength_mg_per_ml),
                _plain(e.lot.vial_volume_ml),
                _plain(e.quantity_mg),
                _plain(e.change_mg),
                "" if e.vials is None else e.vials,
                _plain(point.balance_mg),
                _user(e.recorded_by),
                _user(e.witness),
                e.session_id or "",
                e.reason,
                e.corrects_id or "",
                e.resolves_id or "",
                report.local(e.recorded_at).isoformat(timespec="seconds"),
            ]
        )
    return out.getvalue()


def report_pdf(report: SubstanceReport) -> bytes:
    from weasyprint import HTML

    html = render_to_string("substances/report_pdf.html", {"report": report})
    pdf: bytes = HTML(string=html).write_pdf()  # with no target, WeasyPrint returns the bytes
    return pdf


def report_filename(report: SubstanceReport, extension: str) -> str:
    return f"controlled-substances-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.{extension}"


def report_export(
    actor: Actor, *, date_from: dt.date, date_to: dt.date, fmt: str
) -> tuple[str, bytes, str]:
    """(filename, content, content type) of the report, audited as an export."""
    report = substance_report(actor, date_from=date_from, date_to=date_to)
    if fmt == "csv":
        content, content_type = report_csv(report).encode("utf-8"), "text/csv; charset=utf-8"
    elif fmt == "pdf":
        content, content_type = report_pdf(report), "application/pdf"
    else:
        raise ValueError(f"Unknown report format {fmt!r}")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            detail=(
                f"Controlled-substance report {fmt.upper()} {date_from}..{date_to}, "
                f"{len(report.points)} entries"
            ),
        )
    return report_filename(report, fmt), content, content_type
