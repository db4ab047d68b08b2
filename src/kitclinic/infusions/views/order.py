"""The order (with its dose check and PK preview), the independent double check, and the ways
an order goes back before the start (sent back, withdrawn)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_session
from kitclinic.infusions.charts import pk_preview_figure
from kitclinic.infusions.selectors.order import order_overview, order_to_check
from kitclinic.infusions.services import orders
from kitclinic.infusions.states import Step, allowed
from kitclinic.infusions.views.common import session_redirect, step_page
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors


@clinic_page
def order_page(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_PLACE)
    actor = actor.at_clinic(session.clinic_id)
    data = request.POST if request.method == "POST" else None
    page = order_overview(session, data)
    placing = data is not None and data.get("intent") == "place"
    form = f.OrderForm(
        data if placing else None,
        protocol=page.protocol,
        soft_codes=page.soft_codes,
        initial=page.initial,
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
    preview = page.preview
    return render(
        request,
        "infusions/order.html",
        {
            "form": form,
            "session": session,
            "patient": session.patient,
            "check_in": page.check_in,
            "effective": page.effective,
            "protocol": page.protocol,
            "preview": preview,
            "preview_error": page.preview_error,
            "pk_json": (
                pk_preview_figure(
                    preview.pk.times_min,
                    preview.pk.plasma_ug_per_ml,
                    preview.pk.effect_site_ug_per_ml,
                )
                if preview and preview.pk
                else None
            ),
            "gate_findings": page.gate_findings,
            "step_allowed": page.step_allowed,
            "age_y": page.age_y,
        },
        status=INVALID_FORM_STATUS if placing else 200,
    )


@clinic_page
def double_check(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_DOUBLE_CHECK)
    actor = actor.at_clinic(session.clinic_id)
    order = order_to_check(session)
    form = f.DoubleCheckForm(request.POST or None, order=order)

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
