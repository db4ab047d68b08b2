"""The outcomes charts, built with :mod:`kitclinic.lib.charts`: the dashboard's Kaplan–Meier
curve, the lab association scatter, a patient's lab trend (chart card) and one chart per rating
scale for the progress report (its page draws them with plotly.js, its PDF as pictures drawn by
:func:`kitclinic.lib.chart_image.figure_png`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kitclinic.assessments.charts import infusion_lines, trajectory_figure
from kitclinic.lib import charts
from kitclinic.outcomes.labs import ANALYTE_CODES, Analyte

if TYPE_CHECKING:
    from kitclinic.assessments.selectors import Trajectory
    from kitclinic.outcomes.patient import PatientOutcomes
    from kitclinic.outcomes.selectors.dashboard import Curve
    from kitclinic.outcomes.selectors.labs import LabAssociation

# The progress report's pictures: their size on the A4 page, in inches, and their resolution.
PROGRESS_PNG_INCHES = (7.2, 2.6)
PROGRESS_PNG_DPI = 150


def km_figure(km: Curve) -> charts.Figure:
    """Share of courses not yet responded by number of infusions (a step curve)."""
    return charts.figure(
        [
            charts.line_trace(
                km.x,
                km.y,
                name="not yet responded",
                width=2,
                step=True,
                hovertemplate="after %{x} infusions: %{y:.0%} not yet responded<extra></extra>",
            )
        ],
        height=300,
        margin=(55, 10, 10, 45),
        xaxis=charts.axis("infusions", tick_step=1, from_zero=True),
        yaxis=charts.axis("not yet responded", value_range=(0, 1.02), tick_format=".0%"),
    )


def lab_association_figure(assoc: LabAssociation, labels: dict[str, str]) -> charts.Figure:
    """Baseline marker level against % improvement, one point per course (``labels``:
    indication key -> label shown on hover)."""
    return charts.figure(
        [
            charts.marker_trace(
                [p.baseline for p in assoc.points],
                [p.change_pct for p in assoc.points],
                text=[labels.get(p.indication, p.indication) for p in assoc.points],
                hovertemplate="baseline %{x}<br>change %{y:.0f}%<br>%{text}<extra></extra>",
            )
        ],
        height=320,
        margin=(55, 10, 10, 45),
        xaxis=charts.axis(f"baseline {assoc.analyte_label} ({assoc.unit})"),
        yaxis=charts.axis(f"% improvement on {assoc.instrument_label}"),
    )


def lab_trend_figure(po: PatientOutcomes) -> charts.Figure | None:
    """Each analyte's results over time, every infusion given as a dotted line."""
    if not po.labs:
        return None
    traces = []
    for analyte, results in po.labs.items():
        units = sorted({r.unit for r in results})
        label = Analyte(analyte).label
        traces.append(
            charts.line_trace(
                charts.local_times(r.collected_at for r in results),
                [float(r.value) for r in results],
                name=f"{label} ({', '.join(units)})",
                markers=True,
                hovertemplate=f"{label} %{{y}} {'/'.join(units)}<br>%{{x|%Y-%m-%d}}"
                f"<br>LOINC {ANALYTE_CODES[analyte].loinc_code}<extra></extra>",
            )
        )
    return charts.figure(
        traces,
        height=300,
        margin=(50, 10, 10, 40),
        xaxis=charts.time_axis(),
        yaxis=charts.axis("value (unit in legend)", from_zero=True),
        marks=infusion_lines(po.infusion_dates),
        legend=charts.legend_below(),
    )


@dataclass(frozen=True)
class ScaleChart:
    """One rating scale's chart of the progress report: the page draws ``figure`` with plotly.js,
    the PDF draws it as a picture (:func:`kitclinic.lib.chart_image.figure_png`)."""

    scale: Trajectory
    figure: charts.Figure

    @property
    def element_id(self) -> str:
        return f"progress-{self.scale.instrument_id}"

    @property
    def description(self) -> str:
        return f"{self.scale.name} totals over time; dotted vertical lines mark infusions"


def progress_figures(po: PatientOutcomes) -> list[ScaleChart]:
    """One chart per rating scale the patient has scores on (whichever they are), each the chart
    page's trajectory figure with every infusion given as a dotted vertical line."""
    return [
        ScaleChart(scale, trajectory_figure(scale, infusions=po.infusion_dates))
        for scale in po.scales
    ]
