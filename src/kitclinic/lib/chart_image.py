"""A :mod:`kitclinic.lib.charts` figure drawn as a PNG (Matplotlib, Agg), for the PDFs.

The PDF embeds the picture of the same figure its page gives plotly.js, so both show the same
points. What is drawn: scatter traces (lines, markers or both; colour, width, dash, marker size,
step shape, name in the legend), vertical lines over the plot's height (events in time, listed
once in the legend under their ``name``), horizontal lines and bands across it and their labels, the y-axis
title and range, a date x axis with the range and ticks of its dict (``tick0``, ``dtick``,
``tickformat``: :mod:`kitclinic.lib.time_ticks`, the same ticks plotly.js draws). Anything else in a figure is refused
(ValueError) rather than left out of the picture silently.

Sizes: plotly.js counts px, Matplotlib points (1/72 in); a px is 0.75 pt (96 px to the inch).

Matplotlib is imported inside the functions so that pages that never draw a PDF never load it;
its ``Figure`` is used without pyplot (no global state, safe in threads).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kitclinic.lib.charts import Figure, Json
from kitclinic.lib.time_ticks import step_of, ticks_between

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

PT_PER_PX = 0.75
PLOTLY_LINE_WIDTH_PX = 2.0  # plotly.js's default trace line width
PLOTLY_MARKER_SIZE_PX = 6.0  # plotly.js's default marker diameter
DASHES = {"solid": "-", "dot": ":", "dash": "--", "dashdot": "-."}
_RGBA = re.compile(r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)")


def colour(value: str) -> str | tuple[float, float, float, float]:
    """A plotly colour for Matplotlib: ``#rrggbb`` and names as they are, ``rgb()``/``rgba()``
    as an (r, g, b, a) tuple of fractions."""
    m = _RGBA.fullmatch(value.strip())
    if m is None:
        return value
    r, g, b, a = m.groups()
    return (float(r) / 255, float(g) / 255, float(b) / 255, 1.0 if a is None else float(a))


def _x_values(values: Sequence[Any], dates: bool) -> list[Any]:
    if not dates:
        return list(values)
    return [dt.datetime.fromisoformat(v) if isinstance(v, str) else v for v in values]


def _line_style(line: Json, default_width_px: float) -> dict[str, Any]:
    style: dict[str, Any] = {
        "linewidth": float(line.get("width", default_width_px)) * PT_PER_PX,
        "linestyle": DASHES[line.get("dash", "solid")],
    }
    if "color" in line:
        style["color"] = colour(line["color"])
    return style


def _trace(ax: Axes, trace: Json, dates: bool) -> None:
    if trace.get("type", "scatter") != "scatter" or trace.get("yaxis", "y") != "y":
        raise ValueError(f"a PNG draws scatter traces on the first y axis, not {trace!r:.80}")
    mode = str(trace.get("mode", "lines+markers"))
    line: Json = trace.get("line", {})
    style = _line_style(line, PLOTLY_LINE_WIDTH_PX)
    if "lines" not in mode:
        style["linestyle"] = "none"
    if "markers" in mode:
        size = float(trace.get("marker", {}).get("size", PLOTLY_MARKER_SIZE_PX))
        style.update(marker="o", markersize=size * PT_PER_PX)
    if line.get("shape") == "hv":
        style["drawstyle"] = "steps-post"
    ax.plot(
        _x_values(trace["x"], dates), list(trace["y"]), label=trace.get("name") or None, **style
    )


def _shape(ax: Axes, shape: Json, dates: bool, legend_names: set[str]) -> None:
    kind, xref, yref = shape.get("type"), shape.get("xref"), shape.get("yref")
    line: Json = shape.get("line", {})
    if kind == "line" and xref == "x" and yref == "paper" and shape["x0"] == shape["x1"]:
        name = shape.get("name") if shape.get("showlegend") else None
        label = name if name is not None and name not in legend_names else None
        if label is not None:
            legend_names.add(label)
        (x,) = _x_values([shape["x0"]], dates)
        ax.axvline(x, label=label, **_line_style(line, 1.0))
    elif kind == "line" and xref == "x domain" and yref == "y" and shape["y0"] == shape["y1"]:
        ax.axhline(float(shape["y0"]), **_line_style(line, 1.0))
    elif kind == "rect" and xref == "x domain" and yref == "y":
        ax.axhspan(
            float(shape["y0"]),
            float(shape["y1"]),
            color=colour(shape.get("fillcolor", "#eee")),
            linewidth=0,
            zorder=0,
        )
    else:
        raise ValueError(
            f"a PNG draws vertical lines, horizontal lines and bands, not {shape!r:.80}"
        )


def _date_ticks(ax: Axes, xaxis: Json) -> None:
    """The range and ticks of a date axis dict, drawn as the page draws them."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FixedFormatter, FixedLocator

    start, end = (dt.datetime.fromisoformat(v) for v in xaxis["range"])
    step = step_of(xaxis)
    ticks = ticks_between(start, end, step)
    ax.set_xlim(start, end)  # type: ignore[arg-type]  # Matplotlib converts datetimes itself
    at = [float(mdates.date2num(t)) for t in ticks]  # type: ignore[no-untyped-call]  # not annotated in Matplotlib
    ax.xaxis.set_major_locator(FixedLocator(at))
    ax.xaxis.set_major_formatter(FixedFormatter([t.strftime(step.label_format) for t in ticks]))
    ax.xaxis.set_minor_locator(FixedLocator([]))


def _annotation(ax: Axes, note: Json) -> None:
    """A band's or line's label: x in plot widths (``x domain``), y in data units."""
    from matplotlib.transforms import blended_transform_factory

    if note.get("xref") != "x domain" or note.get("yref") != "y":
        raise ValueError(f"a PNG draws labels of bands and lines, not {note!r:.80}")
    font: Json = note.get("font", {})
    ax.text(
        float(note["x"]),
        float(note["y"]),
        str(note["text"]),
        transform=blended_transform_factory(ax.transAxes, ax.transData),
        ha=note.get("xanchor", "center"),
        va={"top": "top", "bottom": "bottom"}.get(note.get("yanchor", ""), "center"),
        fontsize=float(font.get("size", 10)) * PT_PER_PX,
        color=colour(font.get("color", "#444")),
        clip_on=True,
    )


def figure_axes(fig: Figure, *, width_in: float, height_in: float, dpi: int = 150) -> MplFigure:
    """The Matplotlib figure of ``fig`` (not registered with pyplot: nothing to close, no state
    shared between threads)."""
    from matplotlib.figure import Figure as MplFigure

    layout = fig["layout"]
    xaxis: Json = layout.get("xaxis", {})
    yaxis: Json = layout.get("yaxis", {})
    if "yaxis2" in layout:
        raise ValueError("a PNG draws one y axis")
    dates = xaxis.get("type") == "date"
    out = MplFigure(figsize=(width_in, height_in), dpi=dpi)
    ax = out.subplots()
    for trace in fig["data"]:
        _trace(ax, trace, dates)
    legend_names: set[str] = set()
    for shape in layout.get("shapes", []):
        _shape(ax, shape, dates, legend_names)
    for note in layout.get("annotations", []):
        _annotation(ax, note)
    for name, a in (("x", xaxis), ("y", yaxis)):
        title = a.get("title", {}).get("text")
        if title:
            (ax.set_xlabel if name == "x" else ax.set_ylabel)(title)
    if "range" in yaxis:
        ax.set_ylim(*yaxis["range"])
    elif yaxis.get("rangemode") == "tozero":
        ax.set_ylim(bottom=0)
    if dates and "range" in xaxis:
        _date_ticks(ax, xaxis)
    ax.grid(axis="y", alpha=0.3)
    if layout.get("showlegend", True) and ax.get_legend_handles_labels()[1]:
        ax.legend(loc="upper right", fontsize=7, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    out.tight_layout()
    return out


def figure_png(fig: Figure, *, width_in: float, height_in: float, dpi: int = 150) -> bytes:
    """``fig`` drawn as a PNG of ``width_in`` × ``height_in`` inches at ``dpi``."""
    buffer = io.BytesIO()
    figure_axes(fig, width_in=width_in, height_in=height_in, dpi=dpi).savefig(buffer, format="png")
    return buffer.getvalue()
