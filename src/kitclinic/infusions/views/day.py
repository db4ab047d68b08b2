"""The clinic day: each chair's appointments and the next step of each session."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.audit.reads import worklist_record
from kitclinic.infusions.selectors.day import clinic_day as clinic_day_rows
from kitclinic.infusions.selectors.day import day_hours
from kitclinic.lib.bounds import date_in_window


@clinic_page
def clinic_day(request: HttpRequest, actor: Actor) -> HttpResponse:
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    if not date_in_window(day):  # the day after 9999-12-31 does not exist
        day = timezone.localdate()
    rows = clinic_day_rows(actor, day)
    worklist_record(
        actor,
        what="schedule",
        patient_ids=[e.appointment.patient_id for row in rows for e in row.entries],
    )
    return render(
        request,
        "infusions/day.html",
        {
            "rows": rows,
            "day": day,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "is_today": day == timezone.localdate(),
            "day_hours": day_hours(actor.clinic.pk, day),
        },
    )
