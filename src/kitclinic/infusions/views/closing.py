"""The end of a session: discharge, the physician's sign-off, addenda; and the ways out before
the start (cancel, no-show)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kitclinic import instruments
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_session
from kitclinic.infusions.selectors.discharge import discharge_overview
from kitclinic.infusions.selectors.summary import session_summary
from kitclinic.infusions.services import scheduling
from kitclinic.infusions.services.overrides import cosigner_from_id
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.protocol import order_protocol
from kitclinic.infusions.services.sessions.signoff import addendum_write, session_sign
from kitclinic.infusions.states import Step, allowed
from kitclinic.infusions.views.common import session_redirect, step_page


@clinic_page
def discharge(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.DISCHARGE)
    actor = actor.at_clinic(session.clinic_id)
    instrument = instruments.get_instrument("aldrete")
    data = request.POST if request.method == "POST" else None
    form = f.DischargeForm(data, instrument=instrument)
    if data is not None and form.is_valid():
        overview = discharge_overview(
            actor,
            session,
            aldrete_answers=form.aldrete_answers(),
            escort_present=form.cleaned_data["escort_present"],
            instructions_given=form.cleaned_data["instructions_given"],
        )
    else:
        overview = discharge_overview(actor, session)
    if overview.soft_codes:
        form = f.DischargeForm(
            data,
            instrument=instrument,
            soft_codes=overview.soft_codes,
            cosigners=overview.cosigners,
        )

    def save(form: forms.Form) -> object:
        assert isinstance(form, f.DischargeForm)
        return session_discharge(
            actor=actor,
            session=session,
            aldrete_answers=form.aldrete_answers(),
            escort_present=form.cleaned_data["escort_present"],
            instructions_given=form.cleaned_data["instructions_given"],
            override_reasons=form.override_reasons(),
            cosigner=cosigner_from_id(session.clinic, form.cleaned_data.get("cosigner")),
        )

    return step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Discharge",
        done="Discharged. A physician signs the session.",
        template="infusions/discharge.html",
        context={
            "findings": [x.to_dict() for x in overview.findings],
            "may_override": overview.may_override,
            "refusal": overview.refusal,
            "protocol": order_protocol(session),
        },
    )


@clinic_page
def sign(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    """GET: the sign-off summary (ordered against delivered, duration, blood pressure, CADSS,
    adverse events, waste); POST: sign."""
    session = access_session(actor, session_id, Action.SESSION_SIGN)
    actor = actor.at_clinic(session.clinic_id)
    if request.method == "POST":
        try:
            session_sign(actor=actor, session=session)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("infusions-sign", session_id=session.pk)
        messages.success(request, "Session signed. It can no longer be changed; use addenda.")
        return session_redirect(session)
    summary = session_summary(actor, session)
    return render(
        request,
        "infusions/sign.html",
        {
            "s": summary,
            "session": summary.session,
            "patient": summary.session.patient,
            "step_allowed": allowed(Step.SIGN, summary.session.state),
            "may_waste": allowed(Step.WASTE, summary.session.state)
            and actor.may(Action.SUBSTANCE_DISPENSE),
        },
    )


@clinic_page
def addendum(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ADDENDUM_WRITE)
    actor = actor.at_clinic(session.clinic_id)
    form = f.AddendumForm(request.POST or None)
    return step_page(
        request,
        actor,
        session,
        form,
        lambda form: addendum_write(actor=actor, session=session, text=form.cleaned_data["text"]),
        title="Addendum",
        done="Addendum added.",
    )


@clinic_page
def appointment_cancel(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    # a checked-in session needs a nurse or physician: the service says so (403)
    session = access_session(actor, session_id, Action.APPOINTMENT_BOOK)
    actor = actor.at_clinic(session.clinic_id)
    form = f.CancelForm(request.POST or None)
    return step_page(
        request,
        actor,
        session,
        form,
        lambda form: scheduling.appointment_cancel(
            actor=actor, appointment=session.appointment, reason=form.cleaned_data["reason"]
        ),
        title="Cancel the session",
        done="Session cancelled; the chair is free.",
    )


@clinic_page
def no_show(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.APPOINTMENT_BOOK)
    actor = actor.at_clinic(session.clinic_id)
    form = f.NoShowForm(request.POST or None)
    return step_page(
        request,
        actor,
        session,
        form,
        lambda form: scheduling.session_no_show(
            actor=actor, session=session, note=form.cleaned_data["note"]
        ),
        title="The patient did not come",
        done="Recorded as a no-show; the chair is free.",
    )
