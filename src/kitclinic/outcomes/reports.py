"""PDFs: an information-sheet version as published, and a patient's progress report.

Rendered with WeasyPrint from HTML; the progress report's chart is a Matplotlib PNG embedded as a
data URI, so the PDF needs no network and no static-file server.
"""

from __future__ import annotations

import base64
import io

from django.template.loader import render_to_string
from django.utils import timezone

from kitclinic.outcome_stats import DEFAULT_REMISSION_CUTOFFS
from kitclinic.outcomes.models import InfoSheetVersion
from kitclinic.outcomes.patient import PatientOutcomes
from kitclinic.patients.models import Patient


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def sheet_pdf(version: InfoSheetVersion) -> bytes:
    """The snapshot exactly as published, with a footer naming the version (outside the hash)."""
    stamp = (
        f'<div style="margin-top:1rem;font-size:8pt;color:#57606a;border-top:1px solid #c9d1d9;'
        f'padding-top:.3rem">Information sheet {version.indication.replace("_", " ")} '
        f"version {version.version}, published "
        f"{timezone.localtime(version.published_at):%Y-%m-%d}; content "
        f"SHA-256 {version.content_hash[:16]}…</div>"
    )
    html = version.html_snapshot
    at = html.rfind("</body>")
    html = html[:at] + stamp + html[at:] if at >= 0 else html + stamp
    return html_to_pdf(html)


def trajectory_png(po: PatientOutcomes) -> str | None:
    """Scores over time for each scale of each course, infusions as vertical lines (data URI)."""
    series = [(c, key, pts) for c in po.courses for key, pts in c.trajectories.items() if pts]
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.2, 3.0), dpi=150)
    for _course, key, pts in series:
        label = DEFAULT_REMISSION_CUTOFFS[key].label
        ax.plot(
            [p.when for p in pts], [p.score for p in pts], marker="o", markersize=3.5, label=label
        )
    for i, d in enumerate(po.infusion_dates):
        ax.axvline(
            d, color="#8c959f", linestyle=":", linewidth=0.9, label="infusion" if i == 0 else None
        )
    ax.set_ylabel("score (lower is better)")
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def progress_report_html(patient: Patient, po: PatientOutcomes, *, audience: str) -> str:
    rows = []
    for c in po.courses:
        for o in c.outcomes:
            cut = DEFAULT_REMISSION_CUTOFFS[o.instrument]
            rows.append({"course": c, "o": o, "label": cut.label, "remission_rule": cut.describe()})
    return render_to_string(
        "outcomes/progress_report.html",
        {
            "patient": patient,
            "po": po,
            "rows": rows,
            "chart": trajectory_png(po),
            "audience": audience,
            "whose": "the patient's" if audience == "clinician" else "your",
            "today": timezone.localdate(),
        },
    )


def progress_report_pdf(patient: Patient, po: PatientOutcomes, *, audience: str) -> bytes:
    return html_to_pdf(progress_report_html(patient, po, audience=audience))
