"""Plotly figures of score trajectories, built on the server (plotly.js renders them)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go

if TYPE_CHECKING:
    from kitclinic.assessments.selectors import Trajectory

# Light fills from green (least severe) to red (most severe); text stays readable on top.
BAND_COLOURS = ["#e3f5e6", "#f3f7d9", "#fff4d6", "#fde7d4", "#fde2e1"]


def _band_colour(index: int, count: int) -> str:
    if count <= 1:
        return BAND_COLOURS[0]
    return BAND_COLOURS[round(index * (len(BAND_COLOURS) - 1) / (count - 1))]


def trajectory_figure(t: Trajectory) -> dict[str, Any]:
    """The figure as a JSON-ready dict: severity bands shaded, the baseline, response and remission lines."""
    xs = [a.administered_at.isoformat() for a in t.assessments]
    ys = [a.total_value for a in t.assessments]
    labels = [a.severity_label or "" for a in t.assessments]
    fig = go.Figure()
    for i, (_key, label, low, high) in enumerate(t.bands):
        fig.add_hrect(
            y0=low - 0.5 if low > 0 else 0,
            y1=high + 0.5 if high < t.maximum else t.maximum,
            fillcolor=_band_colour(i, len(t.bands)),
            opacity=1,
            layer="below",
            line_width=0,
            annotation_text=label,
            annotation_position="bottom left",
            annotation_font_size=10,
            annotation_font_color="#777",
        )
    base = float(t.baseline.total)
    fig.add_hline(
        y=base,
        line_dash="dot",
        line_color="#555",
        annotation_text=f"baseline {t.baseline.total_value}",
        annotation_position="top right",
        annotation_font_size=10,
    )
    if t.response_level is not None:
        fig.add_hline(
            y=t.response_level,
            line_dash="dash",
            line_color="#1f6fb2",
            annotation_text=f"response ≤ {t.response_level:g}",
            annotation_position="bottom right",
            annotation_font_size=10,
        )
    if t.remission_level is not None:
        fig.add_hline(
            y=t.remission_level,
            line_dash="dash",
            line_color="#17602a",
            annotation_text=f"remission {t.remission_text.split('total ')[-1]}",
            annotation_position="bottom right",
            annotation_font_size=10,
        )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines+markers",
            name=t.name,
            line={"color": "#222", "width": 2},
            marker={"size": 7},
            customdata=labels,
            hovertemplate="%{x|%Y-%m-%d}<br>total %{y}<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        height=300,
        showlegend=False,
        plot_bgcolor="#fff",
        yaxis={"range": [0, t.maximum], "title": {"text": "total"}, "fixedrange": True},
        xaxis={"type": "date"},
    )
    # Plain JSON types (no NumPy) for json_script; the page's plotly.js draws it.
    return json.loads(fig.to_json())
