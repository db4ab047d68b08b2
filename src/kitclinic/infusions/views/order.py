"""The order (with its dose check and PK preview), the independent double check, and the ways
an order goes back before the start (sent back, withdrawn)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_session
from kitclinic.infusions.charts import pk_preview_figure
from kitclinic.infusions.models import CheckIn, InfusionOrder
from kitclinic.infusions.services import orders
from kitclinic.infusions.services.corrections import effective_check_in
from kitclinic.infusions.services.sessions.check_in import age_years
from kitclinic.infusions.services.sessions.protocol import session_protocol
from kitclinic.infusions.states import Step, allowed
from kitclinic.infusions.views.common import session_redirect, step_page
from kitclinic.lib.forms import add_service_errors


@clinic_page
def order_page(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_PLACE)
    actor = actor.at_clinic(session.clinic_id)
    check_in_row = CheckIn.objects.filter(session=session).first()
    effective = effective_check_in(check_in_row) if check_in_row is not None else None
    protocol = session_protocol(session)
    gate_findings = effective.gate_findings() if effective is not None else []
    data = request.POST if request.method == "POST" else None
    proposal = {
        "dose": (data or {}).get("dose") or f"{protocol.default_dose.value.normalize():f}",
        "duration_min": (data or {}).get("duration_min")
        or f"{protocol.default_duration_min.value.normalize():f}",
        "concentration_mg_per_ml": (data or {}).get("concentration_mg_per_ml")
        or f"{protocol.concentrations_mg_per_ml[0].value.normalize():f}",
    }
    preview, preview_error = None, ""
    if check_in_row is not None and allowed(Step.ORDER, session.state):
        try:
            preview = orders.order_preview(session=session, check_in=check_in_row, **proposal)
        except ValidationError as exc:
            preview_error = " ".join(exc.messages)
    # the gate's findings need their reasons even when the dose check could not run
    soft_codes = preview.soft_codes if preview else [g.code for g in gate_findings]
    placing = request.method == "POST" and request.POST.get("intent") == "place"
    initial = {
        **proposal,
        **({k: v for k, v in data.items() if k.startswith("override_")} if data else {}),
    }
    form = f.OrderForm(
        data if placing else None,
        protocol=protocol,
        soft_codes=soft_codes,
        initial=initial,
    )
    if placing and form.is_valid():
        try:
            orders.order_place(
                actor=actor,
                session=session,
                dose=form.cleaned_data["dose"],
                duration_min=form.cleaned_data["duration_min"],
                concentration_mg_per_ml=form.cleaned_data["concentration_mg_per_ml"],
                override_reasons=form.override_reasons(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Order placed. A second clinician must double-check it.")
            return session_redirect(session)
    return render(
        request,
        "infusions/order.html",
        {
            "form": form,
            "session": session,
            "patient": session.patient,
            "check_in": check_in_row,
            "effective": effective,
            "protocol": protocol,
            "preview": preview,
            "preview_error": preview_error,
            "pk_json": (
                pk_preview_figure(
                    preview.pk.times_min,
                    preview.pk.plasma_ug_per_ml,
                    preview.pk.effect_site_ug_per_ml,
                )
                if preview and preview.pk
                else None
            ),
            "gate_findings": gate_findings,
            "step_allowed": allowed(Step.ORDER, session.state),
            "age_y": age_years(session.patient.date_of_birth, timezone.localdate()),
        },
        status=422 if placing else 200,
    )


@clinic_page
def double_check(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_DOUBLE_CHECK)
    actor = actor.at_clinic(session.clinic_id)
    order = InfusionOrder.objects.filter(session=session).select_related("ordered_by").first()
    form = f.DoubleCheckForm(request.POST or None)
    if order is None or not order.overrides:
        del form.fields["cosign_overrides"]

    def save(form: forms.Form) -> object:
        return orders.order_double_check(
            actor=actor,
            session=session,
            rate_ml_per_h=form.cleaned_data["rate_ml_per_h"],
            vtbi_ml=form.cleaned_data["vtbi_ml"],
            cosign_overrides=form.cleaned_data.get("cosign_overrides", False),
        )

    return step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Independent double check",
        done="Double check recorded; the infusion may start.",
        template="infusions/double_check.html",
        context={
            "order": order,
            "is_orderer": order is not None and order.ordered_by_id == actor.user.pk,
            "send_back_form": f.ReturnOrderForm(),
            "may_send_back": allowed(Step.SEND_BACK, session.state),
        },
    )


@clinic_page
def order_send_back(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_DOUBLE_CHECK)
    actor = actor.at_clinic(session.clinic_id)
    form = f.ReturnOrderForm(request.POST or None)
    return step_page(
        request,
        actor,
        session,
        form,
        lambda form: orders.order_send_back(
            actor=actor, session=session, reason=form.cleaned_data["reason"]
        ),
        title="Send the order back to the physician",
        done="Order sent back; the physician can place a new one.",
    )


@clinic_page
def order_withdraw(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_PLACE)
    actor = actor.at_clinic(session.clinic_id)
    form = f.ReturnOrderForm(request.POST or None)
    return step_page(
        request,
        actor,
        session,
        form,
        lambda form: orders.order_withdraw(
            actor=actor, session=session, reason=form.cleaned_data["reason"]
        ),
        title="Withdraw the order",
        done="Order withdrawn; a new order can be placed.",
    )
