"""The esketamine REMS report of a clinic for a period, as CSV and PDF: every esketamine session of
the period with a Patient Monitoring Form (one per signed session), whether and when the form was
submitted, and the totals (submitted on time, submitted late, overdue, still open). Downloading it
is audited (action export)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.reads import read_covered
from kitclinic.audit.services import audit_record
from kitclinic.rems.models import MonitoringForm
from kitclinic.rems.rules import FORM_WINDOW_DAYS
from kitclinic.rems.selectors import FormRow, certification_view, form_row
from kitclinic.rems.services import clinic_today

CSV_COLUMNS = [
    "form_id",
    "session_id",
    "session_date",
    "patient_mrn",
    "due_on",
    "status",
    "submitted_on",
    "submitted_late",
    "confirmation_number",
    "submitted_by",
]


@dataclass(frozen=True)
class RemsReport:
    clinic_name: str
    organization_name: str
    certification: str
    date_from: dt.date
    date_to: dt.date
    generated_at: dt.datetime
    generated_by: str
    rows: list[FormRow]

    @property
    def window_days(self) -> int:
        return FORM_WINDOW_DAYS

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def totals(self) -> list[tuple[str, int]]:
        late = sum(1 for r in self.rows if r.late)
        return [
            ("Esketamine sessions with a form", len(self.rows)),
            ("Submitted within the window", self.count("submitted") - late),
            ("Submitted late", late),
            ("Overdue, not submitted", self.count("overdue")),
            ("Not yet submitted, still in the window", self.count("due_soon") + self.count("open")),
        ]


def rems_report(actor: Actor, *, date_from: dt.date, date_to: dt.date) -> RemsReport:
    """The acting clinic's forms of sessions from ``date_from`` to ``date_to`` (inclusive)."""
    actor.require(Action.REMS_REPORT)
    clinic = actor.clinic
    today = clinic_today(clinic)
    forms = (
        MonitoringForm.objects.filter(
            clinic=clinic, session_date__gte=date_from, session_date__lte=date_to
        )
        .select_related("patient", "submitted_by")
        .order_by("session_date", "id")
    )
    current = certification_view(actor).current
    return RemsReport(
        clinic_name=clinic.name,
        organization_name=clinic.organization.name,
        certification=(
            f"{current.certification_number}, certified on {current.certified_on:%Y-%m-%d}"
            + (f", expires on {current.expires_on:%Y-%m-%d}" if current.expires_on else "")
            if current
            else "none on record"
        ),
        date_from=date_from,
        date_to=date_to,
        generated_at=timezone.now(),
        generated_by=f"{actor.user} ({actor.user.username})",
        rows=[form_row(f, today) for f in forms],
    )


def report_csv(report: RemsReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        f = row.form
        writer.writerow(
            [
                f.pk,
                f.session_id,
                f.session_date.isoformat(),
                f.patient.mrn,
                f.due_on.isoformat(),
                row.status,
                f.submitted_on.isoformat() if f.submitted_on else "",
                "yes" if row.late else ("no" if f.submitted_on else ""),
                f.confirmation_number,
                f.submitted_by.username if f.submitted_by else "",
            ]
        )
    return out.getvalue()


def report_pdf(report: RemsReport) -> bytes:
    from weasyprint import HTML

    html = render_to_string("rems/report_pdf.html", {"report": report})
    pdf: bytes = HTML(string=html).write_pdf()  # with no target, WeasyPrint returns the bytes
    return pdf


def report_export(
    actor: Actor, *, date_from: dt.date, date_to: dt.date, fmt: str
) -> tuple[str, bytes, str]:
    """(filename, content, content type) of the report, audited as an export."""
    report = rems_report(actor, date_from=date_from, date_to=date_to)
    if fmt == "csv":
        content, content_type = report_csv(report).encode("utf-8"), "text/csv; charset=utf-8"
    elif fmt == "pdf":
        content, content_type = report_pdf(report), "application/pdf"
    else:
        raise ValueError(f"Unknown report format {fmt!r}")
    patient_ids = sorted({r.form.patient_id for r in report.rows})
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            changes={"patient_ids": patient_ids},
            detail=(
                f"Esketamine REMS report {fmt.upper()} {date_from}..{date_to}, "
                f"{len(report.rows)} forms"
            ),
        )
    for patient_id in patient_ids:
        read_covered(patient_id)
    filename = f"rems-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{fmt}"
    return filename, content, content_type
