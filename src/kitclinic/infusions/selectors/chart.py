"""The session page's chart: the vitals and the predicted ketamine concentration of the
regimen given so far."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kitclinic import pharmacology as pk
from kitclinic.infusions.delivery import session_delivery
from kitclinic.infusions.models import InfusionOrder, InfusionSession
from kitclinic.infusions.selectors.common import minutes_between
from kitclinic.infusions.services.orders import PK_MODEL
from kitclinic.infusions.states import SessionState


def actual_regimen(
    session: InfusionSession, order: InfusionOrder, events: list[Any], now: dt.datetime
) -> pk.Regimen:
    """The regimen given so far (the pump replay's rate schedule), continued at the current rate
    until the VTBI is in while the pump runs; before the start, the ordered regimen from t = 0."""
    if session.started_at is None:
        return pk.Regimen(
            infusions=(pk.Infusion.of_amount(0.0, float(order.duration_min), float(order.dose_mg)),)
        )
    # stopped or paused: what was given up to now; running: the rest of the VTBI projected
    running = session.state == SessionState.RUNNING
    done = session_delivery(order, events, None if running else now)
    conc = float(order.concentration_mg_per_ml)
    offset = minutes_between(session.started_at, done.started_at) if done.started_at else 0.0
    return pk.Regimen(
        infusions=tuple(
            pk.Infusion(
                max(0.0, offset + seg.start_min), seg.minutes, float(seg.rate_ml_per_h) * conc / 60
            )
            for seg in done.segments
            if seg.minutes > 0 and seg.rate_ml_per_h > 0
        )
    )


def session_chart(
    session: InfusionSession,
    order: InfusionOrder | None,
    events: list[Any],
    vitals: list[Any],
    age: int,
) -> dict[str, Any] | None:
    if order is None:
        return None
    now = timezone.now()
    origin = session.started_at
    regimen = actual_regimen(session, order, events, now)
    traces: list[dict[str, Any]] = []
    if regimen.infusions:
        result = pk.simulate(
            PK_MODEL, pk.Patient(weight_kg=float(order.weight_kg), age_y=float(age)), regimen
        )
        times = [round(float(t), 1) for t in result.times_min]
        traces += [
            {
                "x": times,
                "y": [round(float(c), 4) for c in result.plasma_ug_per_ml],
                "name": "Predicted plasma (µg/mL)",
                "yaxis": "y2",
                "mode": "lines",
                "line": {"color": "#6a3d9a"},
            },
            {
                "x": times,
                "y": [round(float(c), 4) for c in result.effect_site_ug_per_ml],
                "name": "Predicted effect site (µg/mL)",
                "yaxis": "y2",
                "mode": "lines",
                "line": {"color": "#cab2d6", "dash": "dash"},
            },
        ]
    if origin is not None and vitals:
        xs = [minutes_between(origin, v.taken_at) for v in vitals]
        for name, attr, color in (
            ("SBP (mmHg)", "sbp", "#e31a1c"),
            ("DBP (mmHg)", "dbp", "#fb9a99"),
            ("HR (/min)", "hr", "#1f78b4"),
            ("SpO2 (%)", "spo2", "#33a02c"),
        ):
            traces.append(
                {
                    "x": xs,
                    "y": [getattr(v, attr) for v in vitals],
                    "name": name,
                    "mode": "lines+markers",
                    "line": {"color": color},
                }
            )
    title = "Minutes from the start" if origin is not None else "Minutes from the start (planned)"
    return {
        "data": traces,
        "layout": {
            "height": 360,
            "margin": {"l": 50, "r": 60, "t": 20, "b": 40},
            "xaxis": {"title": {"text": title}},
            "yaxis": {"title": {"text": "Vitals"}, "rangemode": "tozero"},
            "yaxis2": {
                "title": {"text": f"Ketamine µg/mL ({PK_MODEL} model)"},
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                "showgrid": False,
            },
            "legend": {"orientation": "h", "y": -0.25},
        },
    }
