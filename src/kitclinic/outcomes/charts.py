"""The outcomes charts, built with :mod:`kitclinic.lib.charts`: the dashboard's Kaplan–Meier
curve, the lab association scatter, a patient's lab trend (chart card) and questionnaire scores
(progress report PDF, drawn by :func:`kitclinic.lib.chart_image.figure_png`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from kitclinic.lib import charts
from kitclinic.outcome_stats import DEFAULT_REMISSION_CUTOFFS
from kitclinic.outcomes.labs import ANALYTE_CODES, Analyte

if TYPE_CHECKING:
    from kitclinic.outcomes.patient import PatientOutcomes
    from kitclinic.outcomes.selectors.dashboard import Curve
    from kitclinic.outcomes.selectors.labs import LabAssociation

INFUSION_LINE_COLOR = "#8c959f"
# The progress report's picture: its size on the A4 page, in inches, and its resolution.
PROGRESS_PNG_INCHES = (7.2, 3.0)
PROGRESS_PNG_DPI = 150


def infusion_lines(dates: Iterable[dt.datetime], *, legend: bool = False) -> list[charts.Mark]:
    """A dotted vertical line at each infusion's start (``legend``: named once in the legend)."""
    return [
        charts.vline(
            charts.local_time(d),
            color=INFUSION_LINE_COLOR,
            dash="dot",
            width=1,
            legend="infusion" if legend and i == 0 else None,
        )
        for i, d in enumerate(dates)
    ]


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


def progress_figure(po: PatientOutcomes) -> charts.Figure | None:
    """Scores over time for each scale of each course, every infusion given as a dotted line;
    None without a rating."""
    series = [(key, pts) for c in po.courses for key, pts in c.trajectories.items() if pts]
    if not series:
        return None
    return charts.figure(
        [
            charts.line_trace(
                charts.local_times(p.when for p in pts),
                [p.score for p in pts],
                name=DEFAULT_REMISSION_CUTOFFS[key].label,
                markers=True,
                marker_size=6,
                hovertemplate="%{x|%Y-%m-%d}<br>score %{y}<extra></extra>",
            )
            for key, pts in series
        ],
        height=300,
        margin=(50, 10, 10, 40),
        xaxis=charts.time_axis(tick_format="%d %b"),
        yaxis=charts.axis("score (lower is better)", from_zero=True),
        marks=infusion_lines(po.infusion_dates, legend=True),
    )
