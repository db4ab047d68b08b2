"""Documents: a receipt for each entry (PDF the patient takes) and the daily takings report of a
clinic (CSV and PDF). Downloading either is audited (action export)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.reads import read_covered
from kitclinic.audit.services import audit_record
from kitclinic.payments.models import Kind, Method, Payment, Purpose
from kitclinic.payments.rules import Total, totals
from kitclinic.payments.selectors import as_lines, day_entries

CSV_COLUMNS = [
    "receipt",
    "received_at",
    "kind",
    "patient_mrn",
    "patient",
    "method",
    "currency",
    "amount",
    "net_amount",
    "for",
    "reference",
    "gives_back_receipt",
    "reason",
    "recorded_by",
]


def _pdf(template: str, context: dict[str, object]) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_to_string(template, context)).write_pdf()
    return pdf


def what_for(entry: Payment, zone: dt.tzinfo) -> str:
    """What an entry paid for, in plain words (a session by its date and number only)."""
    if entry.purpose == Purpose.SESSION and entry.session is not None:
        starts = entry.session.appointment.starts_at.astimezone(zone)
        return f"Infusion session {entry.session.number} on {starts:%B %-d, %Y}"
    if entry.purpose == Purpose.PACKAGE and entry.package is not None:
        return f"Prepaid package: {entry.package.name} ({entry.package.sessions} sessions)"
    return "Payment on account"


def receipt_pdf(actor: Actor, payment: Payment) -> tuple[str, bytes]:
    """(filename, PDF) of the entry's receipt, audited as an export."""
    zone = payment.clinic.zone
    content = _pdf(
        "payments/receipt_pdf.html",
        {
            "entry": payment,
            "clinic": payment.clinic,
            "received": payment.received_at.astimezone(zone),
            "what_for": what_for(payment, zone),
            "is_payment": payment.kind == Kind.PAYMENT,
        },
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            obj=payment,
            patient=payment.patient,
            detail=f"Receipt {payment.receipt_label} PDF",
        )
    read_covered(payment.patient_id)  # the export event is the read: not a second one
    return f"receipt-{payment.receipt_label}.pdf", content


@dataclass(frozen=True)
class Takings:
    clinic_name: str
    day: dt.date
    zone: dt.tzinfo
    entries: list[Payment]
    totals: list[Total]
    net: dict[str, Decimal]
    generated_at: dt.datetime
    generated_by: str

    def local(self, value: dt.datetime) -> dt.datetime:
        return value.astimezone(self.zone)

    @property
    def rows(self) -> list[tuple[str, Total]]:
        """Each total with its method's label ("Bank transfer")."""
        return [(Method(t.method).label, t) for t in self.totals]


def takings(actor: Actor, day: dt.date) -> Takings:
    """The acting clinic's entries of ``day`` (clinic time) with their totals."""
    actor.require(Action.TAKINGS_REPORT)
    entries = day_entries(actor.clinic, day)
    rows, net = totals(as_lines(entries))
    return Takings(
        clinic_name=actor.clinic.name,
        day=day,
        zone=actor.clinic.zone,
        entries=entries,
        totals=rows,
        net=net,
        generated_at=timezone.now(),
        generated_by=f"{actor.user} ({actor.user.username})",
    )


def takings_csv(report: Takings) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in report.entries:
        writer.writerow(
            [
                e.receipt_label,
                report.local(e.received_at).isoformat(timespec="minutes"),
                e.kind,
                e.patient.mrn,
                e.patient.display_name,
                e.method,
                e.currency,
                f"{e.amount:.2f}",
                f"{e.net_amount:.2f}",
                e.purpose,
                e.reference,
                e.refund_of.receipt_label if e.refund_of else "",
                e.reason,
                e.received_by.username,
            ]
        )
    writer.writerow([])
    writer.writerow(["total", "method", "currency", "received", "given_back", "net", "count"])
    for t in report.totals:
        writer.writerow(
            [
                "",
                t.method,
                t.currency,
                f"{t.received:.2f}",
                f"{t.given_back:.2f}",
                f"{t.net:.2f}",
                t.count,
            ]
        )
    for currency, net in sorted(report.net.items()):
        writer.writerow(["net", "", currency, "", "", f"{net:.2f}", ""])
    return out.getvalue()


def takings_export(actor: Actor, *, day: dt.date, fmt: str) -> tuple[str, bytes, str]:
    """(filename, content, content type) of the day's takings, audited as an export."""
    report = takings(actor, day)
    if fmt == "csv":
        content, content_type = takings_csv(report).encode("utf-8"), "text/csv; charset=utf-8"
    elif fmt == "pdf":
        content, content_type = (
            _pdf("payments/takings_pdf.html", {"report": report}),
            "application/pdf",
        )
    else:
        raise ValueError(f"Unknown report format {fmt!r}")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            detail=f"Takings {fmt.upper()} {day}, {len(report.entries)} entries",
        )
    return f"takings-{day:%Y%m%d}.{fmt}", content, content_type
