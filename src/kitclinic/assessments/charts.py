"""The score trajectory chart, built on the server with kitclinic.lib.charts (plotly.js draws it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from kitclinic.lib import charts

if TYPE_CHECKING:
    from kitclinic.assessments.selectors import Trajectory

# Light fills from green (least severe) to red (most severe); text stays readable on top.
BAND_COLOURS = ["#e3f5e6", "#f3f7d9", "#fff4d6", "#fde7d4", "#fde2e1"]
INFUSION_LINE_COLOR = "#8c959f"


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


def _band_colour(index: int, count: int) -> str:
    if count <= 1:
        return BAND_COLOURS[0]
    return BAND_COLOURS[round(index * (len(BAND_COLOURS) - 1) / (count - 1))]


def trajectory_figure(t: Trajectory, *, infusions: Iterable[dt.datetime] = ()) -> charts.Figure:
    """Totals over time in the clinic's time zone: severity bands shaded, the baseline, response
    and remission lines (``infusions``: a dotted vertical line at each one's start). The chart
    page, the progress report page and its PDFs all draw this figure."""
    marks = [
        charts.band(
            low - 0.5 if low > 0 else 0,
            high + 0.5 if high < t.maximum else t.maximum,
            fill=_band_colour(i, len(t.bands)),
            label=label,
            label_corner="bottom left",
            label_color="#777",
        )
        for i, (_key, label, low, high) in enumerate(t.bands)
    ]
    marks.append(
        charts.hline(
            float(t.baseline.total),
            color="#555",
            dash="dot",
            label=f"baseline {t.baseline.total_value}",
            label_corner="top right",
        )
    )
    if t.response_level is not None:
        marks.append(
            charts.hline(
                t.response_level,
                color="#1f6fb2",
                dash="dash",
                label=f"response ≤ {t.response_level:g}",
                label_corner="top right",  # above its line: the remission label hangs below its own
            )
        )
    if t.remission_level is not None:
        marks.append(
            charts.hline(
                t.remission_level,
                color="#17602a",
                dash="dash",
                label=f"remission {t.remission_rule}",
                label_corner="bottom right",
            )
        )
    scores = charts.line_trace(
        charts.local_times(a.administered_at for a in t.assessments),
        [a.total_value for a in t.assessments],
        name=t.name,
        markers=True,
        color="#222",
        width=2,
        marker_size=7,
        customdata=[a.severity_label or "" for a in t.assessments],
        hovertemplate="%{x|%Y-%m-%d}<br>total %{y}<br>%{customdata}<extra></extra>",
    )
    marks += infusion_lines(infusions)
    return charts.figure(
        [scores],
        height=300,
        margin=(40, 10, 10, 30),
        xaxis=charts.time_axis(),
        yaxis=charts.axis("total", value_range=(0, t.maximum), fixed=True),
        marks=marks,
        show_legend=False,
        background="#fff",
    )
