"""Exports: the dashboard's CSV, an information-sheet version as published (PDF), and a
patient's progress report (PDF, for the patient or for a clinician).

Rendered with WeasyPrint from HTML; the progress report's charts are the figures its page gives
plotly.js, drawn as PNGs (kitclinic.lib.chart_image) and embedded as data URIs, so the PDF needs
no network and no static-file server.
"""

from __future__ import annotations

import base64
import csv
import io

from django.template.loader import render_to_string
from django.utils import timezone

from kitclinic.consent.models import InfoSheetVersion
from kitclinic.lib.chart_image import figure_png
from kitclinic.outcome_stats import DEFAULT_REMISSION_CUTOFFS
from kitclinic.outcomes.charts import PROGRESS_PNG_DPI, PROGRESS_PNG_INCHES, progress_figures
from kitclinic.outcomes.data.tables import ENGINE_INSTRUMENTS
from kitclinic.outcomes.labels import INDICATION_LABELS
from kitclinic.outcomes.patient import PatientOutcomes
from kitclinic.outcomes.selectors.dashboard import Dashboard
from kitclinic.patients.models import Patient

CSV_COLUMNS = (
    "breakdown",
    "group",
    "instrument",
    "n",
    "responders",
    "response_rate",
    "response_ci95_low",
    "response_ci95_high",
    "remitters",
    "remission_rate",
    "remission_ci95_low",
    "remission_ci95_high",
)
CLINICIAN = "clinician"
PATIENT = "patient"


def dashboard_csv(board: Dashboard) -> str:
    """Every breakdown of ``board`` (overall, indication, protocol, clinician, period), one row
    per group: N, responders and remitters with their rates and Wilson 95% intervals."""

    def fmt(x: float | None) -> str:
        return "" if x is None else f"{x:.4f}"

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    groups = [
        ("overall", [board.overall] if board.overall else []),
        ("indication", board.by_indication),
        ("protocol", board.by_protocol),
        ("clinician", board.by_clinician),
        ("period", board.by_period),
    ]
    for name, rates in groups:
        for r in rates:
            writer.writerow(
                [
                    name,
                    r.label,
                    board.instrument_label,
                    r.n,
                    r.response.successes,
                    fmt(r.response.estimate),
                    fmt(r.response.lower),
                    fmt(r.response.upper),
                    r.remission.successes,
                    fmt(r.remission.estimate),
                    fmt(r.remission.lower),
                    fmt(r.remission.upper),
                ]
            )
    return out.getvalue()


def report_audience(asked: str | None) -> str:
    """Who a progress report is written for: the clinician when asked, else the patient."""
    return CLINICIAN if asked == CLINICIAN else PATIENT


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def sheet_pdf(version: InfoSheetVersion) -> bytes:
    """The snapshot exactly as published, with a footer naming the version (outside the hash)."""
    stamp = (
        f'<div style="margin-top:1rem;font-size:8pt;color:#57606a;border-top:1px solid #c9d1d9;'
        f'padding-top:.3rem">Information sheet: {INDICATION_LABELS[version.indication]}, '
        f"version {version.version}, published "
        f"{timezone.localtime(version.published_at):%Y-%m-%d}. Version check code "
        f"{version.content_hash[:16]}.</div>"
    )
    html = version.html_snapshot
    at = html.rfind("</body>")
    html = html[:at] + stamp + html[at:] if at >= 0 else html + stamp
    return html_to_pdf(html)


def chart_pictures(po: PatientOutcomes) -> list[dict[str, str]]:
    """The progress report's charts (:func:`kitclinic.outcomes.charts.progress_figures`, one per
    rating scale on record) as PNG data URIs with their descriptions, for the PDF."""
    width_in, height_in = PROGRESS_PNG_INCHES
    out = []
    for chart in progress_figures(po):
        png = figure_png(chart.figure, width_in=width_in, height_in=height_in, dpi=PROGRESS_PNG_DPI)
        out.append(
            {
                "name": chart.scale.name,
                "src": "data:image/png;base64," + base64.b64encode(png).decode(),
                "alt": chart.description,
            }
        )
    return out


def progress_context(patient: Patient, po: PatientOutcomes, *, audience: str) -> dict[str, object]:
    """What the progress report says, for its page and its PDF alike (the charts aside: the page
    draws figures, the PDF pictures)."""
    rows = []
    counted = set()
    for c in po.courses:
        for o in c.outcomes:
            cut = DEFAULT_REMISSION_CUTOFFS[o.instrument]
            counted.add(o.instrument)
            rows.append({"course": c, "o": o, "label": cut.label, "remission_rule": cut.describe()})
    return {
        "patient": patient,
        "po": po,
        "rows": rows,
        # the scales the course results above do not cover (PEG, PCL-5, ...)
        "other_scales": [
            t for t in po.scales if ENGINE_INSTRUMENTS.get(t.instrument_id) not in counted
        ],
        "audience": audience,
        "for_clinician": audience == CLINICIAN,
        "remission_rules": [c.describe() for c in DEFAULT_REMISSION_CUTOFFS.values()],
        "today": timezone.localdate(),
    }


def progress_report_html(patient: Patient, po: PatientOutcomes, *, audience: str) -> str:
    context = progress_context(patient, po, audience=audience)
    context["pictures"] = chart_pictures(po)
    return render_to_string("outcomes/progress_report.html", context)


def progress_report_pdf(patient: Patient, po: PatientOutcomes, *, audience: str) -> bytes:
    return html_to_pdf(progress_report_html(patient, po, audience=audience))
