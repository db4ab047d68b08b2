"""The one chart builder: the plain dicts plotly.js draws, ``{"data": [...], "layout": {...}}``.

Every page's chart is built here and handed to the page as it is (``json_script``; the page's
``data-plotly-spec`` script draws it). A PDF draws the very same figure with
:func:`kitclinic.lib.chart_image.figure_png`, so a PDF and its page show the same points.

Only JSON values go in (str, int, float, bool, None, lists, dicts). Times: plotly.js ignores a
time-zone offset in a date string and would show UTC; :func:`local_times` gives the clinic's
wall-clock time (the acting clinic's zone, activated by ``clinic_page``), so a date axis
(:func:`time_axis`) ticks the clinic's dates. :func:`figure` sets a date axis's range and ticks
from every time on the plot with the one tick policy of :mod:`kitclinic.lib.time_ticks`, which the
PDF's picture follows too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from django.utils import timezone

from kitclinic.lib.time_ticks import tick_plan

Json = dict[str, Any]
Dash = Literal["solid", "dot", "dash", "dashdot"]
Corner = Literal["top left", "top right", "bottom left", "bottom right"]


class Figure(TypedDict):
    """A plotly.js figure: its traces and its layout."""

    data: list[Json]
    layout: Json


@dataclass(frozen=True)
class Mark:
    """A shape drawn on the plot (band or line) and its label, if any."""

    shape: Json
    annotation: Json | None = None


def local_time(value: dt.datetime) -> str:
    """``value`` as the clinic's wall-clock time, ISO 8601 without an offset."""
    return timezone.localtime(value).replace(tzinfo=None).isoformat()


def local_times(values: Iterable[dt.datetime]) -> list[str]:
    return [local_time(v) for v in values]


def _line(color: str | None, width: float | None, dash: Dash | None) -> Json:
    line: Json = {}
    if color is not None:
        line["color"] = color
    if width is not None:
        line["width"] = width
    if dash is not None:
        line["dash"] = dash
    return line


def _trace(
    mode: str,
    x: Sequence[Any],
    y: Sequence[Any],
    *,
    name: str | None,
    line: Json,
    marker_size: float | None,
    yaxis: str | None,
    hovertemplate: str | None,
    customdata: Sequence[Any] | None,
    text: Sequence[str] | None,
) -> Json:
    trace: Json = {"type": "scatter", "mode": mode, "x": list(x), "y": list(y)}
    if name is not None:
        trace["name"] = name
    if line:
        trace["line"] = line
    if marker_size is not None:
        trace["marker"] = {"size": marker_size}
    if yaxis is not None:
        trace["yaxis"] = yaxis
    if customdata is not None:
        trace["customdata"] = list(customdata)
    if text is not None:
        trace["text"] = list(text)
    if hovertemplate is not None:
        trace["hovertemplate"] = hovertemplate
    return trace


def line_trace(
    x: Sequence[Any],
    y: Sequence[Any],
    *,
    name: str | None = None,
    markers: bool = False,
    color: str | None = None,
    width: float | None = None,
    dash: Dash | None = None,
    step: bool = False,
    marker_size: float | None = None,
    yaxis: str | None = None,
    hovertemplate: str | None = None,
    customdata: Sequence[Any] | None = None,
) -> Json:
    """A series drawn as a line through its points (``markers``: with a dot at each point;
    ``step``: a step curve, level until the next point). ``yaxis="y2"``: on the right axis."""
    line = _line(color, width, dash)
    if step:
        line["shape"] = "hv"
    return _trace(
        "lines+markers" if markers else "lines",
        x,
        y,
        name=name,
        line=line,
        marker_size=marker_size,
        yaxis=yaxis,
        hovertemplate=hovertemplate,
        customdata=customdata,
        text=None,
    )


def marker_trace(
    x: Sequence[Any],
    y: Sequence[Any],
    *,
    name: str | None = None,
    marker_size: float | None = None,
    hovertemplate: str | None = None,
    text: Sequence[str] | None = None,
) -> Json:
    """A series drawn as points only (a scatter)."""
    return _trace(
        "markers",
        x,
        y,
        name=name,
        line={},
        marker_size=marker_size,
        yaxis=None,
        hovertemplate=hovertemplate,
        customdata=None,
        text=text,
    )


def axis(
    title: str | None = None,
    *,
    value_range: tuple[float, float] | None = None,
    from_zero: bool = False,
    tick_step: float | None = None,
    tick_format: str | None = None,
    fixed: bool = False,
) -> Json:
    """A numeric axis. ``from_zero``: the range starts at 0; ``tick_format``: d3 format
    (``".0%"``); ``fixed``: no zooming along it."""
    out: Json = {}
    if title is not None:
        out["title"] = {"text": title}
    if value_range is not None:
        out["range"] = list(value_range)
    if from_zero:
        out["rangemode"] = "tozero"
    if tick_step is not None:
        out["dtick"] = tick_step
    if tick_format is not None:
        out["tickformat"] = tick_format
    if fixed:
        out["fixedrange"] = True
    return out


def right_axis(title: str, *, from_zero: bool = False) -> Json:
    """A second y axis on the right, over the first (traces with ``yaxis="y2"``), no grid."""
    out = axis(title, from_zero=from_zero)
    out.update({"overlaying": "y", "side": "right", "showgrid": False})
    return out


def time_axis(title: str | None = None) -> Json:
    """A date axis for :func:`local_times` values: :func:`figure` gives it its range and ticks
    (:func:`kitclinic.lib.time_ticks.tick_plan` over every time on the plot)."""
    out: Json = {"type": "date"}
    if title is not None:
        out["title"] = {"text": title}
    return out


def _times_on(traces: Sequence[Json], marks: Sequence[Mark]) -> list[dt.datetime]:
    """Every time on the x axis: the traces' points and the vertical lines' positions."""
    values: list[Any] = [x for t in traces for x in t["x"]]
    values += [m.shape["x0"] for m in marks if m.shape.get("xref") == "x"]
    return [dt.datetime.fromisoformat(v) if isinstance(v, str) else v for v in values]


def _with_ticks(xaxis: Json, traces: Sequence[Json], marks: Sequence[Mark]) -> Json:
    times = _times_on(traces, marks)
    if xaxis.get("type") != "date" or "range" in xaxis or not times:
        return xaxis
    return {**xaxis, **tick_plan(min(times), max(times)).plotly_axis()}


def _label(
    text: str,
    *,
    x: float,
    y: float,
    xanchor: Literal["left", "right"],
    yanchor: Literal["top", "bottom"],
    size: int,
    color: str | None,
) -> Json:
    font: Json = {"size": size}
    if color is not None:
        font["color"] = color
    return {
        "text": text,
        "showarrow": False,
        "xref": "x domain",
        "yref": "y",
        "x": x,
        "y": y,
        "xanchor": xanchor,
        "yanchor": yanchor,
        "font": font,
    }


def band(
    y0: float,
    y1: float,
    *,
    fill: str,
    label: str = "",
    label_corner: Corner = "bottom left",
    label_size: int = 10,
    label_color: str | None = None,
) -> Mark:
    """A horizontal band from ``y0`` to ``y1`` across the plot, under the traces."""
    shape: Json = {
        "type": "rect",
        "xref": "x domain",
        "yref": "y",
        "x0": 0,
        "x1": 1,
        "y0": y0,
        "y1": y1,
        "fillcolor": fill,
        "opacity": 1,
        "layer": "below",
        "line": {"width": 0},
    }
    if not label:
        return Mark(shape)
    bottom, left = label_corner.startswith("bottom"), label_corner.endswith("left")
    # inside the band, in its corner
    return Mark(
        shape,
        _label(
            label,
            x=0 if left else 1,
            y=y0 if bottom else y1,
            xanchor="left" if left else "right",
            yanchor="bottom" if bottom else "top",
            size=label_size,
            color=label_color,
        ),
    )


def hline(
    y: float,
    *,
    color: str,
    dash: Dash = "solid",
    label: str = "",
    label_corner: Corner = "top right",
    label_size: int = 10,
) -> Mark:
    """A horizontal line at ``y`` across the plot (a threshold), labelled above or below it."""
    shape: Json = {
        "type": "line",
        "xref": "x domain",
        "yref": "y",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": _line(color, None, dash),
    }
    if not label:
        return Mark(shape)
    above, left = label_corner.startswith("top"), label_corner.endswith("left")
    # a "top" label sits on the line (its bottom edge at y), a "bottom" one hangs under it
    return Mark(
        shape,
        _label(
            label,
            x=0 if left else 1,
            y=y,
            xanchor="left" if left else "right",
            yanchor="bottom" if above else "top",
            size=label_size,
            color=None,
        ),
    )


def vline(
    x: Any,
    *,
    color: str,
    dash: Dash = "solid",
    width: float = 1,
    legend: str | None = None,
) -> Mark:
    """A vertical line at ``x`` over the plot's full height (an event in time); ``legend``:
    listed in the legend under that name."""
    shape: Json = {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": _line(color, width, dash),
    }
    if legend is not None:
        shape.update({"name": legend, "showlegend": True})
    return Mark(shape)


def legend_below(y: float = -0.25) -> Json:
    """A horizontal legend under the plot (``y`` in plot heights, negative = below)."""
    return {"orientation": "h", "y": y}


def legend_above() -> Json:
    """A horizontal legend over the plot, left-aligned: on a narrow screen its entries wrap to
    more rows and push the plot down, where a legend under the plot would run into the x axis's
    title."""
    return {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}


def figure(
    traces: Sequence[Json],
    *,
    height: int,
    margin: tuple[int, int, int, int],
    xaxis: Json | None = None,
    yaxis: Json | None = None,
    yaxis2: Json | None = None,
    marks: Sequence[Mark] = (),
    legend: Json | None = None,
    show_legend: bool | None = None,
    background: str | None = None,
) -> Figure:
    """The figure: ``traces`` drawn in order, ``height`` in px, ``margin`` (left, right, top,
    bottom) in px, ``marks`` (bands and lines, then their labels). A date x axis gets its range
    and ticks from the times on the plot."""
    left, right, top, bottom = margin
    layout: Json = {
        "height": height,
        "margin": {"l": left, "r": right, "t": top, "b": bottom},
    }
    if xaxis is not None:
        layout["xaxis"] = _with_ticks(xaxis, traces, marks)
    if yaxis is not None:
        layout["yaxis"] = yaxis
    if yaxis2 is not None:
        layout["yaxis2"] = yaxis2
    if marks:
        layout["shapes"] = [m.shape for m in marks]
        labels = [m.annotation for m in marks if m.annotation is not None]
        if labels:
            layout["annotations"] = labels
    if legend is not None:
        layout["legend"] = legend
    if show_legend is not None:
        layout["showlegend"] = show_legend
    if background is not None:
        layout["plot_bgcolor"] = background
    return {"data": list(traces), "layout": layout}
