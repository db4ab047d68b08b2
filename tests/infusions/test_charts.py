"""The infusion pages' charts carry their series: the order page's predicted concentrations are
the preview's, the session page's vital signs are the recorded readings at their minute from the
start and its concentrations are those of what was given."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from kitclinic import pharmacology as pk
from kitclinic.infusions.models import CheckIn, InfusionOrder, SessionEvent, VitalSign
from kitclinic.infusions.selectors.chart import actual_regimen
from kitclinic.infusions.services import orders
from kitclinic.infusions.services.orders import PK_MODEL
from kitclinic.infusions.states import SessionState
from kitclinic.patients.validators import age_years
from tests.infusions.helpers import advance, book, plan
from tests.support.charts import page_figure

pytestmark = pytest.mark.django_db


def test_order_page_plots_the_previews_concentrations(login, world, session):
    checked_in = advance(world, session, SessionState.CHECKED_IN)
    html = login("physician").get(reverse("infusions-order", args=[checked_in.pk])).content.decode()
    plasma, effect_site = page_figure(html, "pk-data")["data"]
    preview = orders.order_preview(
        session=checked_in,
        check_in=CheckIn.objects.get(session=checked_in),
        dose="0.5",
        duration_min="40",
        concentration_mg_per_ml="1",
    )
    assert preview.pk is not None
    assert (plasma["x"], plasma["y"]) == (preview.pk.times_min, preview.pk.plasma_ug_per_ml)
    assert effect_site["y"] == preview.pk.effect_site_ug_per_ml
    assert max(plasma["y"]) > 0


def test_session_page_plots_the_readings_and_what_was_given(
    login, world, library, other_eligible, chair2
):
    running = advance(
        world,
        book(world, plan(world, other_eligible), chair2),
        SessionState.RUNNING,
        elapsed_min=12,
    )
    html = login("nurse").get(reverse("infusions-session", args=[running.pk])).content.decode()
    figure = page_figure(html, "session-data")
    by_name = {t["name"]: t for t in figure["data"]}
    readings = list(VitalSign.objects.filter(session=running).order_by("taken_at", "id"))
    assert readings
    minutes = [round((v.taken_at - running.started_at).total_seconds() / 60, 2) for v in readings]
    for name, attr in (("SBP (mmHg)", "sbp"), ("HR (/min)", "hr"), ("SpO2 (%)", "spo2")):
        assert by_name[name]["x"] == minutes
        assert by_name[name]["y"] == [getattr(v, attr) for v in readings]
    order = InfusionOrder.objects.get(session=running)
    events = list(SessionEvent.objects.filter(session=running))
    regimen = actual_regimen(running, order, events, timezone.now())
    age = age_years(running.patient.date_of_birth, on=timezone.localdate())
    given = pk.simulate(
        PK_MODEL, pk.Patient(weight_kg=float(order.weight_kg), age_y=float(age)), regimen
    )
    plasma = by_name["Predicted plasma (µg/mL)"]
    assert plasma["yaxis"] == "y2"
    assert plasma["x"] == [round(float(t), 1) for t in given.times_min]
    assert plasma["y"] == [round(float(c), 4) for c in given.plasma_ug_per_ml]
    assert by_name["Predicted effect site (µg/mL)"]["y"] == [
        round(float(c), 4) for c in given.effect_site_ug_per_ml
    ]
    assert figure["layout"]["yaxis2"]["title"]["text"] == f"Ketamine µg/mL ({PK_MODEL} model)"
