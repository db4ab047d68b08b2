"""Running the infusion: the pump's start, pause and resume, the rate change, the stop and the
witnessed waste of what was drawn but not given."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_session
from kitclinic.infusions.delivery import (
    remainder_outstanding_mg,
)
from kitclinic.infusions.selectors.infusion import (
    rate_change_overview,
    stop_overview,
    witness_named,
)
from kitclinic.infusions.services.infusion import pump, stop
from kitclinic.infusions.services.overrides import cosigner_from_id
from kitclinic.infusions.states import Step, allowed
from kitclinic.infusions.views.common import session_redirect, step_page
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors
from kitclinic.substances.access import access_lot
from kitclinic.substances.selectors import eligible_witnesses


@require_POST
@clinic_page
def pump_operate(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    form = f.PumpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a pump action.")
        return session_redirect(session)
    op, reason = form.cleaned_data["op"], form.cleaned_data["reason"]
    lot_id, witness_id = form.cleaned_data["lot"], form.cleaned_data["waste_witness"]
    lot = access_lot(actor, lot_id, Action.SUBSTANCE_DISPENSE) if lot_id else None
    witness = witness_named(actor, witness_id)
    if witness_id and witness is None:
        messages.error(request, "The waste witness must be a physician or nurse of this clinic.")
        return session_redirect(session)
    try:
        if op == "start":
            pump.infusion_start(actor=actor, session=session, lot=lot)
        elif op == "pause":
            pump.infusion_pause(actor=actor, session=session, reason=reason)
        elif op == "resume":
            pump.infusion_resume(actor=actor, session=session, reason=reason)
        elif op == "rate_change":
            pump.infusion_rate_change(
                actor=actor,
                session=session,
                rate_ml_per_h=form.cleaned_data["rate_ml_per_h"],
                reason=reason,
            )
        else:
            stop.infusion_stop(actor=actor, session=session, reason=reason, waste_witness=witness)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            {
                "start": "Infusion started.",
                "pause": "Infusion paused.",
                "resume": "Infusion resumed.",
                "rate_change": "Rate changed.",
                "stop": "Infusion stopped; recovery has begun.",
            }[op],
        )
    return session_redirect(session)


@clinic_page
def rate_change(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    """The rate change under the one soft-limit rule: the findings of the proposed rate are
    shown, a soft one asks for a reason and a co-signer, a hard one refuses."""
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    data = request.POST if request.method == "POST" else None
    page = rate_change_overview(
        actor,
        session,
        rate=data.get("rate_ml_per_h") if data is not None else None,
        now=timezone.now(),
    )
    form = f.RateChangeForm(data, soft_codes=page.soft_codes, cosigners=page.cosigners)
    if data is not None and form.is_valid():
        try:
            pump.infusion_rate_change(
                actor=actor,
                session=session,
                rate_ml_per_h=form.cleaned_data["rate_ml_per_h"],
                reason=form.cleaned_data["reason"],
                override_reasons=form.override_reasons(),
                cosigner=cosigner_from_id(session.clinic, form.cleaned_data.get("cosigner")),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Rate changed.")
            return session_redirect(session)
    return render(
        request,
        "infusions/rate_change.html",
        {
            "form": form,
            "session": session,
            "patient": session.patient,
            "order": page.order,
            "step_allowed": page.step_allowed,
            "findings": [x.to_dict() for x in page.findings if x.severity != "ok"],
            "checks": [x.to_dict() for x in page.findings],
            "plan": page.plan,
            "delivery": page.delivery,
            "current_rate": page.current_rate_ml_per_h,
        },
        status=INVALID_FORM_STATUS if data is not None else 200,
    )


@clinic_page
def stop_page(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    """Stop the infusion: the delivered volume and dose are shown; an early stop needs its reason
    and what happened; what was drawn but not given is wasted now (witness) or later."""
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    page = stop_overview(actor, session, now=timezone.now())
    # an empty POST is a real submission here (a complete stop needs no field)
    form = f.StopForm(request.POST if request.method == "POST" else None, witnesses=page.witnesses)

    def save(form: forms.Form) -> object:
        return stop.infusion_stop(
            actor=actor,
            session=session,
            stop_reason=form.cleaned_data["stop_reason"],
            reason=form.cleaned_data["reason"],
            waste_witness=witness_named(actor, form.cleaned_data.get("waste_witness")),
        )

    return step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Stop the infusion",
        done="Infusion stopped; recovery has begun.",
        template="infusions/stop.html",
        context={
            "order": page.order,
            "delivery": page.delivery,
            "complete": page.complete,
            "step_allowed": page.step_allowed,
            "drawn": page.drawn,
        },
    )


@clinic_page
def waste(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    """Waste, witnessed, what was drawn for the session but not given (before sign-off)."""
    session = access_session(actor, session_id, Action.SUBSTANCE_DISPENSE)
    actor = actor.at_clinic(session.clinic_id)
    witnesses = list(eligible_witnesses(actor.clinic, exclude=actor.user))
    form = f.WasteForm(request.POST if request.method == "POST" else None, witnesses=witnesses)

    def save(form: forms.Form) -> object:
        witness = witness_named(actor, form.cleaned_data["witness"])
        return stop.remainder_waste(actor=actor, session=session, witness=witness)

    return step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Waste the remainder",
        done="The remainder was wasted (witnessed).",
        template="infusions/waste.html",
        context={
            "outstanding_mg": remainder_outstanding_mg(session),
            "step_allowed": allowed(Step.WASTE, session.state),
        },
    )
