"""The clinic dashboard: response and remission with their 95% intervals, overall and by
indication, protocol, clinician and period, infusions to response (Kaplan–Meier), early
non-response, relapse, rapid onset and side effects, each with its N."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.dosing.units import format_number
from kitclinic.infusions.delivery import report_min_share
from kitclinic.outcome_stats import (
    DEFAULT_REMISSION_CUTOFFS,
    Proportion,
    kaplan_meier,
    proportion,
)
from kitclinic.outcomes.data.dataset import dataset_for
from kitclinic.outcomes.data.tables import ONSET_WINDOWS_H, SECONDS_PER_DAY, OutcomeDataset
from kitclinic.outcomes.labels import INDICATION_LABELS


@dataclass(frozen=True)
class OutcomeFilter:
    instrument: str = "phq9"
    indication: str = ""
    protocol: str = ""
    clinician_id: int | None = None
    date_from: dt.date | None = None  # course planned on or after
    date_to: dt.date | None = None  # course planned on or before

    def querystring(self) -> dict[str, str]:
        return {
            "instrument": self.instrument,
            "indication": self.indication,
            "protocol": self.protocol,
            "clinician": "" if self.clinician_id is None else str(self.clinician_id),
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }


@dataclass(frozen=True)
class Rate:
    label: str
    n: int
    response: Proportion
    remission: Proportion


@dataclass(frozen=True)
class Curve:
    x: list[float]
    y: list[float]
    n: int
    events: int


@dataclass(frozen=True)
class Onset:
    label: str
    n: int
    mean_change_pct: float | None  # mean improvement from baseline, percent (positive = better)


@dataclass(frozen=True)
class SideEffects:
    sessions: int  # complete infusions
    adverse_events: int  # in every infusion given
    sessions_with_bp: int
    bp_rise_mean: float | None
    bp_rise_max: float | None
    sessions_with_cadss: int
    cadss_mean: float | None
    cadss_max: float | None
    # stopped below KITCLINIC_COMPLETE_INFUSION_MIN_SHARE of the ordered dose
    incomplete_sessions: int = 0

    @property
    def given(self) -> int:
        """Every infusion given, complete or not (the denominator of the side-effect rates)."""
        return self.sessions + self.incomplete_sessions

    @property
    def adverse_events_per_session(self) -> float | None:
        return None if not self.given else self.adverse_events / self.given


@dataclass(frozen=True)
class Dashboard:
    filter: OutcomeFilter
    instrument_label: str
    courses: int  # courses matching the filter (any instrument)
    n_included: int
    n_excluded: int
    overall: Rate | None
    by_indication: list[Rate]
    by_protocol: list[Rate]
    by_clinician: list[Rate]
    by_period: list[Rate]
    km: Curve | None
    median_infusions_to_response: int | None
    early_non_response: Proportion
    relapse: Proportion
    relapse_median_days: float | None
    onset: list[Onset]
    side_effects: SideEffects
    protocols: list[str]
    clinicians: list[tuple[int, str]]
    build_seconds: float

    @property
    def empty(self) -> bool:
        return self.n_included == 0


def course_mask(ds: OutcomeDataset, flt: OutcomeFilter) -> npt.NDArray[np.bool_]:
    c = ds.courses
    mask = np.ones(c.course_id.size, dtype=bool)
    if flt.indication:
        mask &= c.indication == flt.indication
    if flt.protocol:
        mask &= c.protocol == flt.protocol
    if flt.clinician_id is not None:
        mask &= c.clinician_id == flt.clinician_id
    if flt.date_from is not None:
        start = dt.datetime.combine(flt.date_from, dt.time.min, tzinfo=dt.UTC).timestamp()
        mask &= c.planned_day >= start / SECONDS_PER_DAY
    if flt.date_to is not None:
        end = dt.datetime.combine(flt.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
        mask &= c.planned_day < end.timestamp() / SECONDS_PER_DAY
    return mask


def course_rate(label: str, ds: OutcomeDataset, rows: npt.NDArray[np.bool_]) -> Rate:
    o = ds.outcomes
    kept = rows & o.included
    n = int(kept.sum())
    return Rate(
        label,
        n,
        proportion(int((kept & o.responded).sum()), n),
        proportion(int((kept & o.remitted).sum()), n),
    )


def _quarters(days: npt.NDArray[np.float64]) -> npt.NDArray[np.str_]:
    """Calendar quarter (UTC) of each day number, e.g. ``2026-Q3``."""
    months = (days * SECONDS_PER_DAY).astype("datetime64[s]").astype("datetime64[M]").astype(int)
    years, month0 = 1970 + months // 12, months % 12
    return np.char.add(np.char.add(years.astype(str), "-Q"), (month0 // 3 + 1).astype(str))


def _breakdown(
    ds: OutcomeDataset,
    rows: npt.NDArray[np.bool_],
    keys: npt.NDArray[Any],
    labels: dict[Any, str] | None = None,
) -> list[Rate]:
    per_outcome = keys[ds.outcomes.course_index]
    out = []
    for key in sorted(set(per_outcome[rows].tolist())):
        rate = course_rate((labels or {}).get(key, str(key)), ds, rows & (per_outcome == key))
        if rate.n:
            out.append(rate)
    return out


def clinician_names(ids: Sequence[int]) -> dict[int, str]:
    users = User.objects.filter(pk__in=list(ids)).only("id", "username", "first_name", "last_name")
    return {u.pk: (u.get_full_name() or u.username) for u in users}


def filter_choices(ds: OutcomeDataset) -> tuple[list[str], list[tuple[int, str]]]:
    """Protocols and clinicians (id, name) the dashboard's filters offer."""
    names = clinician_names(sorted(set(ds.courses.clinician_id.tolist())))
    return sorted(set(ds.courses.protocol.tolist())), sorted(names.items(), key=lambda kv: kv[1])


def summarize(
    ds: OutcomeDataset, flt: OutcomeFilter, *, names: dict[int, str] | None = None
) -> Dashboard:
    """The dashboard's figures for ``flt`` (no database access except clinician names)."""
    c, o = ds.courses, ds.outcomes
    course_ok = course_mask(ds, flt)
    rows = course_ok[o.course_index] & (o.instrument == flt.instrument)
    kept = rows & o.included
    n = int(kept.sum())

    durations = np.where(o.first_response_infusion >= 0, o.first_response_infusion, o.last_infusion)
    km_est = kaplan_meier(
        durations[kept].astype(np.float64), (o.first_response_infusion >= 0)[kept]
    )
    km = None
    median = None
    if n:
        x = [0.0, *km_est.times.tolist()]
        y = [1.0, *km_est.survival.tolist()]
        km = Curve(x, y, n, int(km_est.events.sum()))
        m = km_est.median()
        median = None if m is None else int(m)

    reviewed = kept & o.early_reviewed
    responders = kept & o.responder
    relapse_median = None
    if responders.any():
        rk = kaplan_meier(o.days_to_relapse_or_followed[responders], o.relapsed[responders])
        relapse_median = rk.median()

    onset = []
    this = rows & o.included
    for w, label in enumerate(ONSET_WINDOWS_H):
        change = o.onset_change_pct[this, w]
        change = change[np.isfinite(change)]
        onset.append(Onset(label, int(change.size), float(change.mean()) if change.size else None))

    e = ds.effects
    bp_n, cadss_n = int(e.bp_n[course_ok].sum()), int(e.cadss_n[course_ok].sum())
    side = SideEffects(
        sessions=int(e.sessions[course_ok].sum()),
        adverse_events=int(e.adverse_events[course_ok].sum()),
        sessions_with_bp=bp_n,
        bp_rise_mean=float(e.bp_sum[course_ok].sum()) / bp_n if bp_n else None,
        bp_rise_max=float(np.nanmax(e.bp_max[course_ok])) if bp_n else None,
        sessions_with_cadss=cadss_n,
        cadss_mean=float(e.cadss_sum[course_ok].sum()) / cadss_n if cadss_n else None,
        cadss_max=float(np.nanmax(e.cadss_max[course_ok])) if cadss_n else None,
        incomplete_sessions=int(e.incomplete_or_zero()[course_ok].sum()),
    )

    names = names if names is not None else clinician_names(sorted(set(c.clinician_id.tolist())))
    periods = _quarters(c.planned_day)
    return Dashboard(
        filter=flt,
        instrument_label=DEFAULT_REMISSION_CUTOFFS[flt.instrument].label,
        courses=int(course_ok.sum()),
        n_included=n,
        n_excluded=int((rows & ~o.included).sum()),
        overall=course_rate("All matching courses", ds, rows) if n else None,
        by_indication=_breakdown(ds, rows, c.indication, INDICATION_LABELS),
        by_protocol=_breakdown(ds, rows, c.protocol),
        by_clinician=_breakdown(ds, rows, c.clinician_id, names),
        by_period=_breakdown(ds, rows, periods),
        km=km,
        median_infusions_to_response=median,
        early_non_response=proportion(
            int((reviewed & o.early_non_response).sum()), int(reviewed.sum())
        ),
        relapse=proportion(int((responders & o.relapsed).sum()), int(responders.sum())),
        relapse_median_days=relapse_median,
        onset=onset,
        side_effects=side,
        protocols=sorted(set(c.protocol.tolist())),
        clinicians=sorted(names.items(), key=lambda kv: kv[1]),
        build_seconds=ds.seconds,
    )


def incomplete_below_percent() -> str:
    """The share of the ordered dose below which an infusion counts as incomplete, in percent
    (``KITCLINIC_COMPLETE_INFUSION_MIN_SHARE``), as the dashboard states it."""
    return format_number(report_min_share() * 100, 1)


def outcomes_dashboard(actor: Actor, flt: OutcomeFilter) -> Dashboard:
    actor.require(Action.OUTCOMES_VIEW)
    return summarize(dataset_for(actor.organization_id), flt)
