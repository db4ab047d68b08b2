"""The pump replay (kitclinic.dosing.pump): volume and dose delivered, running time and the rate
schedule from start/pause/resume/rate-change/stop events. Reference values are worked by hand
from the worked example of [kitclinic-dose-rules] (35 mg over 40 min at 1 mg/mL = 52.5 mL/h,
VTBI 35 mL)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.dosing.pump import PumpEvent, is_complete, replay

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
ONE = Decimal(1)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def ev(kind: str, minute: float, rate: str | None = None) -> PumpEvent:
    return PumpEvent(at(minute), kind, None if rate is None else Decimal(rate))


def test_start_pause_resume_rate_change_and_stop():
    events = [
        ev("start", 0, "60"),  # 10 min at 60 mL/h = 10 mL
        ev("pause", 10),  # 5 min paused
        ev("resume", 15, "60"),  # 5 min at 60 = 5 mL
        ev("rate_change", 20, "30"),  # 10 min at 30 = 5 mL
        ev("alert", 25),  # ignored
        ev("stop", 30),
    ]
    done = replay(events, concentration_mg_per_ml=Decimal(10), until=at(60))
    assert done.delivered_ml == Decimal(20) and done.delivered_mg == Decimal(200)
    assert done.running_min == Decimal(25) and not done.running
    assert [(s.start_min, s.end_min, s.rate_ml_per_h) for s in done.segments] == [
        (0, 10, 60),
        (15, 20, 60),
        (20, 30, 30),
    ]
    # up to minute 25, still running at 30 mL/h: 10 + 5 + 2.5
    partway = replay(events, concentration_mg_per_ml=ONE, until=at(25))
    assert partway.delivered_ml == Decimal("17.5") and partway.running
    assert partway.rate_ml_per_h == Decimal(30)
    nothing = replay([], concentration_mg_per_ml=ONE, until=T0)
    assert nothing.delivered_ml == 0 and nothing.started_at is None and not nothing.running


def test_the_worked_example_delivers_the_vtbi_and_stops_there():
    events = [ev("start", 0, "52.5")]
    full = replay(events, concentration_mg_per_ml=ONE, until=at(40), vtbi_ml=Decimal(35))
    assert full.delivered_ml == Decimal(35) and full.delivered_mg == Decimal(35)
    later = replay(events, concentration_mg_per_ml=ONE, until=at(90), vtbi_ml=Decimal(35))
    assert later.delivered_ml == Decimal(35) and later.vtbi_reached and not later.running
    assert later.ended_at == at(40) and later.running_min == Decimal(40)
    # one minute in: 52.5 / 60 = 0.875 mL
    early = replay(events, concentration_mg_per_ml=ONE, until=at(1), vtbi_ml=Decimal(35))
    assert early.delivered_ml == Decimal("0.875") and early.running


def test_a_faster_rate_finishes_the_vtbi_sooner():
    # 10 min at 52.5 (8.75 mL), then 80 mL/h: the remaining 26.25 mL take 19.6875 min
    events = [ev("start", 0, "52.5"), ev("rate_change", 10, "80")]
    projected = replay(events, concentration_mg_per_ml=ONE, vtbi_ml=Decimal(35))
    assert projected.delivered_ml == Decimal(35)
    assert projected.running_min == Decimal("29.6875")
    assert projected.segments[-1].end == at(29.6875)


def test_a_rate_change_while_paused_sets_the_rate_of_the_resume():
    events = [ev("start", 0, "60"), ev("pause", 10), ev("rate_change", 12, "30"), ev("resume", 20)]
    done = replay(events, concentration_mg_per_ml=ONE, until=at(30))
    assert done.delivered_ml == Decimal(15)  # 10 at 60 + 5 at 30


def test_replay_without_an_end_needs_the_vtbi():
    with pytest.raises(ValueError, match="vtbi_ml"):
        replay([ev("start", 0, "60")], concentration_mg_per_ml=ONE)


def test_completeness_uses_the_share_or_the_volume_tolerance():
    share, ml = Decimal("0.99"), Decimal("0.1")
    assert is_complete(Decimal("34.65"), Decimal(35), min_share=share, tolerance_ml=ml)
    assert not is_complete(Decimal("34.6"), Decimal(35), min_share=share, tolerance_ml=ml)
    # a small order: 0.1 mL short is complete though below 99 %
    assert is_complete(Decimal("4.9"), Decimal(5), min_share=share, tolerance_ml=ml)
    assert not is_complete(Decimal("0"), Decimal(35), min_share=share, tolerance_ml=ml)


# --- properties -------------------------------------------------------------------------------

KINDS = st.sampled_from(["pause", "resume", "rate_change", "stop", "alert"])
RATES = st.decimals(min_value="0.01", max_value="500", places=2)


@st.composite
def runs(draw):  # type: ignore[no-untyped-def]
    """A start and up to 8 further events at increasing whole seconds."""
    times = sorted(draw(st.lists(st.integers(1, 4 * 3600), max_size=8, unique=True)))
    events = [PumpEvent(T0, "start", draw(RATES))]
    for second in times:
        kind = draw(KINDS)
        rate = draw(RATES) if kind in ("resume", "rate_change") else None
        events.append(PumpEvent(T0 + dt.timedelta(seconds=second), kind, rate))
    return events


@given(runs(), st.integers(0, 5 * 3600), st.integers(0, 3600))
def test_delivered_never_exceeds_the_highest_rate_times_the_time_and_grows_with_until(
    events, seconds, more
):
    until = T0 + dt.timedelta(seconds=seconds)
    top = max(e.rate_ml_per_h for e in events if e.rate_ml_per_h is not None)
    first = replay(events, concentration_mg_per_ml=ONE, until=until)
    later = replay(events, concentration_mg_per_ml=ONE, until=until + dt.timedelta(seconds=more))
    assert 0 <= first.delivered_ml <= top * Decimal(seconds) / 3600 + Decimal("0.001")
    assert first.delivered_ml <= later.delivered_ml
    assert first.running_min <= Decimal(seconds) / 60


@given(runs(), st.decimals(min_value="0.1", max_value="200", places=2))
def test_nothing_is_delivered_beyond_the_vtbi(events, vtbi):
    done = replay(events, concentration_mg_per_ml=ONE, until=at(6 * 60), vtbi_ml=vtbi)
    assert done.delivered_ml <= vtbi
    projected = replay(events, concentration_mg_per_ml=ONE, vtbi_ml=vtbi)
    assert done.delivered_ml <= projected.delivered_ml <= vtbi


@given(
    st.decimals(min_value="0.5", max_value="400", places=2),
    st.integers(min_value=2, max_value=480),
    st.decimals(min_value="0.5", max_value="50", places=1),
)
def test_an_uninterrupted_run_of_the_ordered_duration_delivers_the_ordered_volume(
    vtbi, minutes, concentration
):
    rate = vtbi * 60 / minutes  # exact: the order's rate before any rounding
    done = replay(
        [PumpEvent(T0, "start", rate)],
        concentration_mg_per_ml=concentration,
        until=at(minutes),
        vtbi_ml=vtbi,
    )
    assert done.delivered_ml == vtbi
    assert done.delivered_mg == (vtbi * concentration).quantize(Decimal("0.001"))
    without_cap = replay(
        [PumpEvent(T0, "start", rate)], concentration_mg_per_ml=concentration, until=at(minutes)
    )
    assert without_cap.delivered_ml == vtbi


def test_the_replay_loads_no_django_module():
    code = (
        "import sys, kitclinic.dosing.pump; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
