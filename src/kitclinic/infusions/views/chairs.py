"""The clinic admin's chairs and opening-hours page: add, rename, retire and return chairs; the
clinic's hours per weekday. One service call per write (``kitclinic.infusions.services.courses``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_chair
from kitclinic.infusions.forms import clinic as clinic_forms
from kitclinic.infusions.models import OpeningHours
from kitclinic.infusions.selectors.library import clinic_chairs, opening_hours
from kitclinic.infusions.services import courses as services
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors


def _hours_initial(clinic_id: int) -> dict[str, object]:
    initial: dict[str, object] = {}
    for row in opening_hours(clinic_id):
        initial[f"open_{row.weekday}"] = True
        initial[f"opens_{row.weekday}"] = row.opens_at.strftime("%H:%M")
        initial[f"closes_{row.weekday}"] = row.closes_at.strftime("%H:%M")
    return initial


def _page(
    request: HttpRequest,
    actor: Actor,
    *,
    add_form: clinic_forms.ChairForm | None = None,
    hours_form: clinic_forms.OpeningHoursForm | None = None,
    rename_errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "infusions/chairs.html",
        {
            "chairs": clinic_chairs(actor),
            "add_form": add_form or clinic_forms.ChairForm(),
            "hours_form": hours_form
            or clinic_forms.OpeningHoursForm(
                initial=_hours_initial(actor.clinic.pk), weekdays=OpeningHours.WEEKDAYS
            ),
            "rename_errors": rename_errors or {},
        },
        status=status,
    )


@clinic_page
def chairs_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.CHAIR_MANAGE)  # the list itself is readable by every role (the API)
    if request.method != "POST":
        return _page(request, actor)
    form = clinic_forms.ChairForm(request.POST)
    if form.is_valid():
        try:
            chair = services.chair_add(actor=actor, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Chair {chair.name} added.")
            return redirect("chairs")
    return _page(request, actor, add_form=form, status=INVALID_FORM_STATUS)


@require_POST
@clinic_page
def chair_rename_view(request: HttpRequest, actor: Actor, chair_id: int) -> HttpResponse:
    chair = access_chair(actor, chair_id)
    form = clinic_forms.ChairForm(request.POST)
    old = chair.name
    if form.is_valid():
        try:
            services.chair_rename(actor=actor, chair=chair, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Chair {old} is now {form.cleaned_data['name'].strip()}.")
            return redirect("chairs")
    errors = [str(e) for e in form.errors.get("name", [])] or [
        str(e) for e in form.non_field_errors()
    ]
    return _page(request, actor, rename_errors={chair.pk: errors}, status=INVALID_FORM_STATUS)


def _chair_step(request: HttpRequest, actor: Actor, chair_id: int, *, retire: bool) -> HttpResponse:
    chair = access_chair(actor, chair_id)
    try:
        if retire:
            services.chair_retire(actor=actor, chair=chair)
        else:
            services.chair_return(actor=actor, chair=chair)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _page(request, actor, status=INVALID_FORM_STATUS)
    messages.success(
        request,
        f"Chair {chair.name} retired: it can no longer be booked."
        if retire
        else f"Chair {chair.name} is back in use.",
    )
    return redirect("chairs")


@require_POST
@clinic_page
def chair_retire_view(request: HttpRequest, actor: Actor, chair_id: int) -> HttpResponse:
    return _chair_step(request, actor, chair_id, retire=True)


@require_POST
@clinic_page
def chair_return_view(request: HttpRequest, actor: Actor, chair_id: int) -> HttpResponse:
    return _chair_step(request, actor, chair_id, retire=False)


@require_POST
@clinic_page
def opening_hours_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.CHAIR_MANAGE)
    form = clinic_forms.OpeningHoursForm(request.POST, weekdays=OpeningHours.WEEKDAYS)
    if form.is_valid():
        try:
            services.opening_hours_set(actor=actor, hours=form.hours())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Opening hours saved.")
            return redirect("chairs")
    return _page(request, actor, hours_form=form, status=INVALID_FORM_STATUS)
