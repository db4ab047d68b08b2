"""The period report: chronological entries with each lot's running balance, as CSV and as a PDF
whose text (read back with pypdf) carries the header, the Schedule III note and the table.
Downloads are audited as exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kitclinic.audit.models import AuditEvent
from kitclinic.substances import reports
from kitclinic.substances.services import dispensing
from tests.substances.helpers import receive
from tests.support.clients import web_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world, sess):
    """Entries on three days: before the period, in it, and after it (all in the clinic's zone,
    UTC in the tests)."""
    nurse, physician = world.actor("nurse"), world.actor("physician")
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    if now > timezone.now():
        now -= dt.timedelta(days=1)
    day = dt.timedelta(days=1)
    lot = receive(nurse, vials=2, occurred_at=now - 3 * day)  # 1000 mg, before the period
    dispensing.substance_dispense(
        actor=nurse,
        lot=lot,
        quantity_mg=Decimal("100"),
        session=sess,
        occurred_at=now - 2 * day,
    )  # before the period: opening balance 900
    dispensing.substance_dispense(
        actor=nurse, lot=lot, quantity_mg=Decimal("35"), session=sess, occurred_at=now - day
    )
    dispensing.substance_waste(
        actor=nurse,
        lot=lot,
        quantity_mg=Decimal("15"),
        witness=physician.user,
        reason="Remainder of the syringe",
        session=sess,
        occurred_at=now - day + dt.timedelta(minutes=5),
    )
    second = receive(
        physician, vials=1, lot_number="KX-2002", occurred_at=now - day + dt.timedelta(hours=1)
    )
    dispensing.substance_dispense(
        actor=nurse, lot=lot, quantity_mg=Decimal("20"), session=sess, occurred_at=now
    )  # after the period
    return {"lot": lot, "second": second, "day": (now - day).date(), "session": sess}


def test_report_runs_the_balance_per_lot_from_the_opening_balance(world, history):
    report = reports.substance_report(
        world.actor("auditor"), date_from=history["day"], date_to=history["day"]
    )
    rows = [(p.entry.kind, p.entry.lot.lot_number, p.balance_mg) for p in report.points]
    assert rows == [
        ("dispense", "KX-1001", Decimal("865")),
        ("waste", "KX-1001", Decimal("850")),
        ("receipt", "KX-2002", Decimal("500")),
    ]
    summary = {s.lot.lot_number: (s.opening_mg, s.closing_mg) for s in report.lots}
    assert summary == {
        "KX-1001": (Decimal("900"), Decimal("850")),
        "KX-2002": (Decimal("0"), Decimal("500")),
    }


def test_csv_has_one_row_per_entry_with_witness_and_balance(world, history):
    report = reports.substance_report(
        world.actor("physician"), date_from=history["day"], date_to=history["day"]
    )
    rows = list(csv.DictReader(io.StringIO(reports.report_csv(report))))
    assert list(rows[0]) == reports.CSV_COLUMNS
    assert [(r["kind"], r["change_mg"], r["lot_balance_after_mg"]) for r in rows] == [
        ("dispense", "-35", "865"),
        ("waste", "-15", "850"),
        ("receipt", "500", "500"),
    ]
    waste = rows[1]
    assert waste["witness"] == f"{world.users['physician']} (physician)"
    assert waste["recorded_by"] == f"{world.users['nurse']} (nurse)"
    assert (
        waste["session"] == str(history["session"].pk)
        and waste["reason"] == "Remainder of the syringe"
    )
    assert rows[2]["vials"] == "1" and rows[2]["strength_mg_per_ml"] == "50"


def test_pdf_download_has_header_schedule_note_and_table_and_is_audited(world, history):
    from pypdf import PdfReader

    client = web_client(world, "auditor")
    exports = AuditEvent.objects.filter(action="export").count()
    day = history["day"].isoformat()
    response = client.get(
        reverse("substance-report"), {"date_from": day, "date_to": day, "format": "pdf"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"controlled-substances-{day.replace('-', '')}" in response["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    for expected in (
        "Controlled-substance log",
        "Northside",
        f"{day} to {day}",
        f"by {world.users['auditor']} (auditor)",
        "Schedule III",
        "at least 2 years",
        "KX-1001",
        "KX-2002",
        "Remainder of the syringe",
        "865",
        "850",
        "Page 1 of",
    ):
        assert expected in flat, expected
    assert "3 entries." in flat  # the dispenses before and after the period are left out
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert AuditEvent.objects.filter(action="export").count() == exports + 1
    assert event.actor_id == world.users["auditor"].pk
    assert "PDF" in event.detail and day in event.detail


def test_csv_download_is_audited_and_refused_for_roles_without_the_report(world, history):

    day = history["day"].isoformat()
    params = {"date_from": day, "date_to": day, "format": "csv"}
    client = web_client(world, "clinic_admin")
    response = client.get(reverse("substance-report"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().count("\r\n") == 4  # header + 3 entries
    nurse = web_client(world, "nurse")
    exports = AuditEvent.objects.filter(action="export").count()
    assert nurse.get(reverse("substance-report"), params).status_code == 403
    assert AuditEvent.objects.filter(action="export").count() == exports


def test_report_with_the_end_before_the_start_is_refused_on_the_field(world):

    client = web_client(world, "physician")
    response = client.get(
        reverse("substance-report"),
        {"date_from": "2026-11-20", "date_to": "2026-11-01", "format": "csv"},
    )
    assert response.status_code == 200
    assert "Must be on or after the start date." in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()
