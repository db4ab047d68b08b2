"""The esketamine nasal-spray steps of the session page (docs/esketamine.md): the fixed-dose
order, the blood pressure before dosing (and a physician's answer to a raised one), each device,
and the blood pressure after dosing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_session
from kitclinic.infusions.forms.nasal import (
    DeviceForm,
    NasalBloodPressureForm,
    NasalOrderForm,
    ReasonForm,
)
from kitclinic.infusions.selectors.nasal import NO_PK_PREVIEW
from kitclinic.infusions.services import nasal
from kitclinic.infusions.services.overrides import cosigner_choices, cosigner_from_id
from kitclinic.infusions.services.sessions.protocol import session_protocol
from kitclinic.infusions.views.common import session_redirect, step_page
from kitclinic.substances.access import access_lot


@clinic_page
def nasal_order(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_PLACE)
    actor = actor.at_clinic(session.clinic_id)
    protocol = session_protocol(session)
    if protocol.nasal is None:
        messages.error(request, "This is an IV ketamine infusion session: place the IV order.")
        return session_redirect(session)
    form = NasalOrderForm(
        request.POST or None,
        doses_mg=protocol.nasal.doses_mg,
        mg_per_device=protocol.nasal.mg_per_device.value,
        cosigners=cosigner_choices(session.clinic, actor),
    )

    def save(form: forms.Form) -> Any:
        data = form.cleaned_data
        findings, _, _ = nasal.nasal_order_findings(
            session, protocol, data["dose_mg"], timezone.now()
        )
        reason = data["override_reason"].strip()
        reasons = {f.code: reason for f in findings if f.severity == "soft"} if reason else {}
        return nasal.nasal_order_place(
            actor=actor,
            session=session,
            dose_mg=data["dose_mg"],
            override_reasons=reasons,
            cosigner=cosigner_from_id(session.clinic, data["cosigner"]),
        )

    return step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Order the nasal-spray dose",
        template="infusions/nasal_order.html",
        done="Order placed: ready to give.",
        context={"protocol": protocol, "no_pk_preview": NO_PK_PREVIEW},
    )


def _bp_page(request: HttpRequest, actor: Actor, session_id: int, *, before: bool) -> HttpResponse:
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    form = NasalBloodPressureForm(request.POST or None)
    record = nasal.nasal_predose_bp_record if before else nasal.nasal_post_dose_bp_record

    def save(form: forms.Form) -> Any:
        return record(actor=actor, session=session, **form.cleaned_data)

    return step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Blood pressure before dosing" if before else "Blood pressure after dosing",
        done="Blood pressure recorded.",
    )


@clinic_page
def predose_bp(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    return _bp_page(request, actor, session_id, before=True)


@clinic_page
def post_dose_bp(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    return _bp_page(request, actor, session_id, before=False)


@clinic_page
def predose_override(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_PLACE)
    actor = actor.at_clinic(session.clinic_id)
    form = ReasonForm(request.POST or None)

    def save(form: forms.Form) -> Any:
        return nasal.nasal_predose_override(
            actor=actor, session=session, reason=form.cleaned_data["reason"]
        )

    return step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Raised blood pressure before dosing: go on?",
        done="Reason recorded: the devices may be given.",
    )


@require_POST
@clinic_page
def device_give(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    form = DeviceForm(request.POST)
    lot_id = form.cleaned_data["lot"] if form.is_valid() else None
    lot = access_lot(actor, lot_id, Action.SUBSTANCE_DISPENSE) if lot_id else None
    try:
        device = nasal.nasal_device_give(actor=actor, session=session, lot=lot)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Device {device.number} given at {nasal.clock(device.given_at)}."
        )
    return session_redirect(session)
