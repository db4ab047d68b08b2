"""Bedside observations on the session page: vitals, scores, adverse events."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_session
from kitclinic.infusions.services.infusion import observations
from kitclinic.infusions.views.common import score_form, session_redirect, step_page
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors


@require_POST
@clinic_page
def vitals(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    # the service locks and re-reads the session; the redirect needs only its pk
    session = access_session(actor, session_id, Action.INFUSION_RUN, related=())
    actor = actor.at_clinic(session.clinic_id)
    slot = request.POST.get("slot_minute") or "0"
    # a non-number is left to the form to reject (int() here was a 500)
    slots = [int(slot)] if slot.isdigit() else []
    form = f.VitalsForm(request.POST, slots=slots)
    if not form.is_valid():
        messages.error(
            request,
            "Vitals not saved: "
            + "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items()),
        )
        return session_redirect(session)
    data = form.cleaned_data
    try:
        reading, created = observations.vitals_record(
            actor=actor,
            session=session,
            slot_minute=data["slot_minute"],
            sbp=data["sbp"],
            dbp=data["dbp"],
            hr=data["hr"],
            rr=data["rr"],
            spo2=data["spo2"],
            idempotency_key=data["idempotency_key"] or None,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if reading.alerts:
            messages.error(request, "ALERT: " + " ".join(a["message"] for a in reading.alerts))
        messages.success(
            request,
            f"Vitals for {reading.slot_minute} min recorded." if created else "Already saved.",
        )
    return session_redirect(session)


@require_POST
@clinic_page
def score(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    form = score_form(session, request.POST.get("kind", ""), request.POST)
    entered = form.scale_entry is not None
    if form.is_valid():
        try:
            result = observations.score_record(
                actor=actor,
                session=session,
                kind=form.cleaned_data["kind"],
                answers=form.answers(),
                level=form.cleaned_data.get("level"),
            )
        except ValidationError as exc:
            if not entered:
                messages.error(request, " ".join(exc.messages))
                return session_redirect(session)
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Recorded {result.label}.")
            return session_redirect(session)
    elif not entered:
        messages.error(request, "Score not saved: " + form.errors.as_text())
        return session_redirect(session)
    # a scale entered item by item comes back with the answers as typed and the errors on them
    return render(
        request,
        "infusions/score.html",
        {"form": form, "session": session, "patient": session.patient},
        status=INVALID_FORM_STATUS,
    )


@clinic_page
def adverse_event(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    form = f.AdverseEventForm(request.POST or None)
    return step_page(
        request,
        actor,
        session,
        form,
        lambda form: observations.adverse_event_record(
            actor=actor, session=session, **form.cleaned_data
        ),
        title="Adverse event",
        done="Adverse event recorded.",
    )
