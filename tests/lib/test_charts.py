"""The chart builder: plain JSON figures for plotly.js with times in the clinic's zone, and the
same figure drawn for a PDF with the same points."""

from __future__ import annotations

import datetime as dt
import json

import matplotlib.dates as mdates
import pytest
from django.test import override_settings

from kitclinic.lib import charts
from kitclinic.lib.chart_image import colour, figure_axes, figure_png

NEW_YORK = "America/New_York"


@override_settings(TIME_ZONE=NEW_YORK)
def test_times_are_the_clinics_wall_clock_on_both_sides_of_a_daylight_saving_change():
    # 2026-03-08: New York moves from UTC-5 to UTC-4
    before = dt.datetime(2026, 3, 8, 3, 30, tzinfo=dt.UTC)
    after = dt.datetime(2026, 3, 9, 3, 30, tzinfo=dt.UTC)
    assert charts.local_times([before, after]) == ["2026-03-07T22:30:00", "2026-03-08T23:30:00"]


@override_settings(TIME_ZONE="UTC")
def test_a_utc_clinic_keeps_the_utc_time_without_an_offset():
    when = dt.datetime(2026, 3, 8, 3, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert charts.local_time(when) == "2026-03-08T01:30:00"


def test_a_figure_is_plain_json_with_its_series_and_axes():
    fig = charts.figure(
        [
            charts.line_trace([0, 1, 2], [1.0, 0.5, 0.25], name="km", step=True, width=2),
            charts.line_trace([0, 2], [3, 4], name="right", yaxis="y2", dash="dash"),
            charts.marker_trace([1.5], [30.0], text=["depression"]),
        ],
        height=300,
        margin=(55, 10, 10, 45),
        xaxis=charts.axis("infusions", tick_step=1, from_zero=True),
        yaxis=charts.axis("share", value_range=(0, 1.02), tick_format=".0%"),
        yaxis2=charts.right_axis("µg/mL", from_zero=True),
        legend=charts.legend_below(-0.3),
    )
    assert json.loads(json.dumps(fig)) == fig
    step, right, points = fig["data"]
    assert (step["mode"], step["line"], step["x"], step["y"]) == (
        "lines",
        {"width": 2, "shape": "hv"},
        [0, 1, 2],
        [1.0, 0.5, 0.25],
    )
    assert (right["yaxis"], right["line"]) == ("y2", {"dash": "dash"})
    assert (points["mode"], points["text"]) == ("markers", ["depression"])
    layout = fig["layout"]
    assert layout["margin"] == {"l": 55, "r": 10, "t": 10, "b": 45}
    assert layout["xaxis"] == {"title": {"text": "infusions"}, "rangemode": "tozero", "dtick": 1}
    assert layout["yaxis"] == {"title": {"text": "share"}, "range": [0, 1.02], "tickformat": ".0%"}
    assert layout["yaxis2"]["overlaying"] == "y" and layout["yaxis2"]["side"] == "right"
    assert layout["legend"] == {"orientation": "h", "y": -0.3}
    assert "shapes" not in layout and "showlegend" not in layout


def test_bands_and_lines_go_to_shapes_and_their_labels_to_annotations():
    fig = charts.figure(
        [],
        height=200,
        margin=(0, 0, 0, 0),
        marks=[
            charts.band(0, 4.5, fill="#e3f5e6", label="minimal", label_color="#777"),
            charts.hline(12, color="#555", dash="dot", label="baseline 12"),
            charts.hline(
                6, color="#1f6fb2", dash="dash", label="response", label_corner="bottom right"
            ),
            charts.vline("2026-03-02T04:00:00", color="#8c959f", dash="dot", legend="infusion"),
        ],
    )
    band, baseline, response, infusion = fig["layout"]["shapes"]
    assert (band["type"], band["y0"], band["y1"], band["layer"]) == ("rect", 0, 4.5, "below")
    assert (baseline["type"], baseline["y0"], baseline["y1"]) == ("line", 12, 12)
    assert (infusion["xref"], infusion["yref"], infusion["x0"]) == (
        "x",
        "paper",
        "2026-03-02T04:00:00",
    )
    assert infusion["name"] == "infusion" and infusion["showlegend"] is True
    labels = fig["layout"]["annotations"]
    assert [(a["text"], a["y"], a["xanchor"], a["yanchor"]) for a in labels] == [
        ("minimal", 0, "left", "bottom"),  # inside the band, bottom left
        ("baseline 12", 12, "right", "bottom"),  # on the line
        ("response", 6, "right", "top"),  # under the line
    ]
    assert labels[0]["font"] == {"size": 10, "color": "#777"}


def _dated_figure() -> charts.Figure:
    return charts.figure(
        [
            charts.line_trace(
                ["2026-03-01T04:00:00", "2026-03-03T04:00:00"], [20, 8], name="PHQ-9", markers=True
            ),
            charts.line_trace(
                ["2026-03-01T04:00:00", "2026-03-06T04:00:00"], [15, 5], name="GAD-7"
            ),
        ],
        height=300,
        margin=(50, 10, 10, 40),
        xaxis=charts.time_axis(),
        yaxis=charts.axis("score", from_zero=True),
        marks=[
            charts.vline(x, color="#8c959f", dash="dot", legend="infusion" if i == 0 else None)
            for i, x in enumerate(["2026-03-02T04:00:00", "2026-03-05T04:00:00"])
        ],
    )


def test_the_picture_for_a_pdf_draws_the_figures_points_and_lines():
    drawn = figure_axes(_dated_figure(), width_in=7.2, height_in=3.0)
    (ax,) = drawn.axes
    phq9, gad7, first, second = ax.get_lines()
    assert list(phq9.get_xdata()) == [dt.datetime(2026, 3, 1, 4), dt.datetime(2026, 3, 3, 4)]
    assert list(phq9.get_ydata()) == [20, 8] and phq9.get_marker() == "o"
    assert list(gad7.get_ydata()) == [15, 5] and gad7.get_marker() in ("None", None, "")
    assert [first.get_xdata()[0], second.get_xdata()[0]] == [
        dt.datetime(2026, 3, 2, 4),
        dt.datetime(2026, 3, 5, 4),
    ]
    assert first.get_linestyle() == ":"
    _handles, names = ax.get_legend_handles_labels()
    assert names == ["PHQ-9", "GAD-7", "infusion"]  # the infusion lines named once
    assert ax.get_ylabel() == "score" and ax.get_ylim()[0] == 0
    # the ticks of the page's dict: one a day from 1 to 6 March, the date only
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"0{d} Mar" for d in range(1, 7)]
    assert ax.get_xlim()[0] < mdates.date2num(dt.datetime(2026, 3, 1, 4))


def test_a_date_axis_gets_its_range_and_ticks_from_every_time_on_the_plot():
    xaxis = _dated_figure()["layout"]["xaxis"]
    assert xaxis["type"] == "date" and (xaxis["dtick"], xaxis["tickformat"]) == (
        86_400_000,
        "%d %b",
    )
    start, end = xaxis["range"]
    # from before the first point to after the last infusion line and point (6 March)
    assert start < "2026-03-01T04:00:00" and end > "2026-03-06T04:00:00"


def test_a_pdf_picture_is_a_png():
    png = figure_png(_dated_figure(), width_in=4, height_in=2, dpi=50)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    "broken",
    [
        {"yaxis2": charts.right_axis("µg/mL")},
        {"data": [{"type": "bar", "x": [1], "y": [2]}]},
        {"data": [charts.line_trace([1], [2], yaxis="y2")]},
        {"shapes": [{"type": "circle", "xref": "x", "yref": "y"}]},
    ],
)
def test_what_the_pdf_picture_cannot_draw_is_refused_not_dropped(broken):
    fig = charts.figure([charts.line_trace([1, 2], [3, 4])], height=100, margin=(0, 0, 0, 0))
    if "data" in broken:
        fig["data"] = broken["data"]
    for key in ("yaxis2", "shapes"):
        if key in broken:
            fig["layout"][key] = broken[key]
    with pytest.raises(ValueError):
        figure_axes(fig, width_in=2, height_in=1)


def test_plotly_colours_become_matplotlib_colours():
    assert colour("#8c959f") == "#8c959f"
    assert colour("rgba(120,120,120,0.5)") == pytest.approx((120 / 255, 120 / 255, 120 / 255, 0.5))
    assert colour("rgb(255, 0, 0)") == (1.0, 0.0, 0.0, 1.0)


def test_a_legend_above_the_plot_sits_over_its_top_edge():
    legend = charts.legend_above()
    assert legend["orientation"] == "h"
    assert legend["y"] > 1 and legend["yanchor"] == "bottom"  # clear of the plot and the x title
