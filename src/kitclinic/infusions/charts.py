"""The infusion charts, built with :mod:`kitclinic.lib.charts`: the order page's predicted
concentrations and the session page's vital signs with the concentrations of what was given.
Time is minutes from the start of the infusion (planned start before it begins)."""

from __future__ import annotations

from collections.abc import Sequence

from kitclinic.lib import charts

PLASMA_COLOR = "#6a3d9a"
EFFECT_SITE_COLOR = "#cab2d6"
# (trace name, VitalSign attribute, colour)
VITALS = (
    ("SBP (mmHg)", "sbp", "#e31a1c"),
    ("DBP (mmHg)", "dbp", "#fb9a99"),
    ("HR (/min)", "hr", "#1f78b4"),
    ("SpO2 (%)", "spo2", "#33a02c"),
)


def _concentrations(
    times_min: Sequence[float],
    plasma_ug_per_ml: Sequence[float],
    effect_site_ug_per_ml: Sequence[float],
    *,
    names: tuple[str, str],
    yaxis: str | None = None,
) -> list[charts.Json]:
    plasma, effect_site = names
    return [
        charts.line_trace(
            times_min, plasma_ug_per_ml, name=plasma, color=PLASMA_COLOR, yaxis=yaxis
        ),
        charts.line_trace(
            times_min,
            effect_site_ug_per_ml,
            name=effect_site,
            color=EFFECT_SITE_COLOR,
            dash="dash",
            yaxis=yaxis,
        ),
    ]


def pk_preview_figure(
    times_min: Sequence[float],
    plasma_ug_per_ml: Sequence[float],
    effect_site_ug_per_ml: Sequence[float],
) -> charts.Figure:
    """The order's predicted plasma (Cp) and effect-site (Ce) concentrations, µg/mL."""
    return charts.figure(
        _concentrations(
            times_min,
            plasma_ug_per_ml,
            effect_site_ug_per_ml,
            names=("Plasma (Cp)", "Effect site (Ce)"),
        ),
        height=300,
        margin=(55, 20, 10, 40),
        xaxis=charts.axis("Minutes from the start"),
        yaxis=charts.axis("µg/mL", from_zero=True),
        legend=charts.legend_below(-0.3),
    )


def session_figure(
    *,
    pk_model: str,
    started: bool,
    times_min: Sequence[float] = (),
    plasma_ug_per_ml: Sequence[float] = (),
    effect_site_ug_per_ml: Sequence[float] = (),
    vitals_min: Sequence[float] = (),
    vitals: Sequence[object] = (),
) -> charts.Figure:
    """Vital signs (left axis) at ``vitals_min`` and the predicted concentrations of what was
    given (right axis, µg/mL, ``pk_model``); no concentration trace before anything ran."""
    traces: list[charts.Json] = []
    if len(times_min):
        traces += _concentrations(
            times_min,
            plasma_ug_per_ml,
            effect_site_ug_per_ml,
            names=("Predicted plasma (µg/mL)", "Predicted effect site (µg/mL)"),
            yaxis="y2",
        )
    if vitals:
        for name, attr, color in VITALS:
            traces.append(
                charts.line_trace(
                    vitals_min,
                    [getattr(v, attr) for v in vitals],
                    name=name,
                    markers=True,
                    color=color,
                )
            )
    title = "Minutes from the start" if started else "Minutes from the start (planned)"
    return charts.figure(
        traces,
        height=360,
        margin=(50, 60, 20, 40),
        xaxis=charts.axis(title),
        yaxis=charts.axis("Vitals", from_zero=True),
        yaxis2=charts.right_axis(f"Ketamine µg/mL ({pk_model} model)", from_zero=True),
        legend=charts.legend_above(),
    )
