"""The session page's chart: the vitals and the predicted ketamine concentration of the
regimen given so far."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kitclinic import pharmacology as pk
from kitclinic.infusions.charts import session_figure
from kitclinic.infusions.delivery import session_delivery
from kitclinic.infusions.models import InfusionOrder, InfusionSession
from kitclinic.infusions.selectors.common import minutes_between
from kitclinic.infusions.services.orders import PK_MODEL
from kitclinic.infusions.states import SessionState
from kitclinic.lib.charts import Figure


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
) -> Figure | None:
    if order is None:
        return None
    now = timezone.now()
    origin = session.started_at
    regimen = actual_regimen(session, order, events, now)
    times: list[float] = []
    plasma: list[float] = []
    effect_site: list[float] = []
    if regimen.infusions:
        result = pk.simulate(
            PK_MODEL, pk.Patient(weight_kg=float(order.weight_kg), age_y=float(age)), regimen
        )
        times = [round(float(t), 1) for t in result.times_min]
        plasma = [round(float(c), 4) for c in result.plasma_ug_per_ml]
        effect_site = [round(float(c), 4) for c in result.effect_site_ug_per_ml]
    shown = vitals if origin is not None else []
    return session_figure(
        pk_model=PK_MODEL,
        started=origin is not None,
        times_min=times,
        plasma_ug_per_ml=plasma,
        effect_site_ug_per_ml=effect_site,
        vitals_min=[minutes_between(origin, v.taken_at) for v in shown]
        if origin is not None
        else [],
        vitals=shown,
    )
