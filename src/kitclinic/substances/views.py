"""Controlled-substance pages: the clinic's log, a form per entry kind, counts, and the report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.lib.forms import form_page
from kitclinic.lib.web.downloads import file_response
from kitclinic.substances import forms as sf
from kitclinic.substances import reports
from kitclinic.substances.access import (
    access_lot,
    access_open_count_line,
    access_reconciliation,
    log_actions,
    may_adjust,
)
from kitclinic.substances.models import EntryKind, Reconciliation, SubstanceLot
from kitclinic.substances.selectors import (
    count_lines,
    entries_page,
    lot_balances,
    open_discrepancies,
    resolving_summary,
)
from kitclinic.substances.services import counts, dispensing, stock


@clinic_page
def substance_log(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.SUBSTANCE_LOG_VIEW)
    filters = sf.LogFilterForm(request.GET or None)
    page = entries_page(actor, filters.entry_filter(), request.GET)
    return render(
        request,
        "substances/log.html",
        {
            "balances": lot_balances(actor),
            "discrepancies": list(open_discrepancies(actor)),
            "listing": page,
            "filters": filters,
            "kinds": EntryKind.choices,
            "actions": log_actions(actor),
            "may_adjust": may_adjust(actor),
        },
    )


def _form_page(
    request: HttpRequest,
    actor: Actor,
    *,
    action: Action,
    form_class: type[sf._EntryForm],
    title: str,
    save: Callable[[forms.Form], object],
    done: str,
    with_lots: bool = True,
    form_kwargs: dict[str, Any] | None = None,
    intro: str = "",
) -> HttpResponse:
    """GET shows the form, POST validates its shape, calls one service, returns to the log."""
    actor.require(action)
    kwargs: dict[str, Any] = {"actor": actor, **(form_kwargs or {})}
    if with_lots:
        kwargs["lots"] = lot_balances(actor)
    return form_page(
        request,
        form_class(request.POST or None, **kwargs),
        save,
        template="substances/form.html",
        context={"title": title, "intro": intro},
        done=done,
        success=lambda _saved: redirect("substance-log"),
    )


def _lot(actor: Actor, form: forms.Form, action: Action) -> SubstanceLot:
    return access_lot(actor, form.cleaned_data["lot"], action)


@clinic_page
def substance_receive(request: HttpRequest, actor: Actor) -> HttpResponse:
    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        return stock.substance_receive(
            actor=actor,
            drug=data["drug"],
            strength_mg_per_ml=data["strength_mg_per_ml"],
            vial_volume_ml=data["vial_volume_ml"],
            vials=data["vials"],
            supplier=data["supplier"],
            lot_number=data["lot_number"],
            expiry_date=data["expiry_date"],
            occurred_at=data["occurred_at"],
            reason=data["reason"],
        )

    return _form_page(
        request,
        actor,
        action=Action.SUBSTANCE_RECEIVE,
        form_class=sf.ReceiptForm,
        title="Receive stock",
        save=save,
        done="Receipt recorded.",
        with_lots=False,
    )


@clinic_page
def substance_dispense(request: HttpRequest, actor: Actor) -> HttpResponse:
    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        return dispensing.substance_dispense(
            actor=actor,
            lot=_lot(actor, form, Action.SUBSTANCE_DISPENSE),
            quantity_mg=data["quantity_mg"],
            session=data["session"],
            occurred_at=data["occurred_at"],
            reason=data["reason"],
        )

    return _form_page(
        request,
        actor,
        action=Action.SUBSTANCE_DISPENSE,
        form_class=sf.DispenseForm,
        title="Dispense to a session",
        save=save,
        done="Dispense recorded.",
        intro="Record what was given. What was drawn but not given is recorded as witnessed waste.",
    )


@clinic_page
def substance_waste(request: HttpRequest, actor: Actor) -> HttpResponse:
    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        return dispensing.substance_waste(
            actor=actor,
            lot=_lot(actor, form, Action.SUBSTANCE_DISPENSE),
            quantity_mg=data["quantity_mg"],
            witness=data["witness"],
            reason=data["reason"],
            session=data["session"],
            occurred_at=data["occurred_at"],
        )

    return _form_page(
        request,
        actor,
        action=Action.SUBSTANCE_DISPENSE,
        form_class=sf.WasteForm,
        title="Record witnessed waste",
        save=save,
        done="Waste recorded.",
        intro="Waste is witnessed by a second licensed person: a physician or nurse of this clinic.",
    )


@clinic_page
def substance_transfer(request: HttpRequest, actor: Actor) -> HttpResponse:
    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        return stock.substance_transfer(
            actor=actor,
            lot=_lot(actor, form, Action.SUBSTANCE_RECEIVE),
            to_clinic=data["to_clinic"],
            vials=data["vials"],
            occurred_at=data["occurred_at"],
            reason=data["reason"],
        )

    return _form_page(
        request,
        actor,
        action=Action.SUBSTANCE_RECEIVE,
        form_class=sf.TransferForm,
        title="Transfer to another clinic",
        save=save,
        done="Transfer recorded at both clinics.",
    )


@clinic_page
def substance_adjust(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.SUBSTANCE_RECONCILE)
    line = None
    if request.GET.get("line"):
        line = access_open_count_line(actor, request.GET["line"])
        actor = actor.at_clinic(line.reconciliation.clinic_id)

    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        return counts.substance_adjust(
            actor=actor,
            lot=_lot(actor, form, Action.SUBSTANCE_RECONCILE),
            change_mg=data["change_mg"],
            witness=data["witness"],
            reason=data["reason"],
            occurred_at=data["occurred_at"],
            resolves=line,
        )

    intro = "A count correction, with its reason and a witness. It never changes earlier entries."
    if line is not None:
        intro = resolving_summary(line)
    return _form_page(
        request,
        actor,
        action=Action.SUBSTANCE_RECONCILE,
        form_class=sf.AdjustForm,
        title="Adjust after a count",
        save=save,
        done="Adjustment recorded.",
        form_kwargs={"resolving": line},
        intro=intro,
    )


@clinic_page
def reconciliation_new(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.SUBSTANCE_RECONCILE)
    form = sf.ReconciliationForm(request.POST or None, actor=actor, lots=lot_balances(actor))

    def save(_: forms.Form) -> Reconciliation:
        data = form.cleaned_data
        try:
            return counts.reconciliation_record(
                actor=actor,
                counts_mg=form.counts_mg(),
                witness=data["witness"],
                notes=data["notes"],
                counted_at=data["occurred_at"],
            )
        except ValidationError as exc:
            raise form.service_error(exc) from exc

    return form_page(
        request,
        form,
        save,
        template="substances/reconcile.html",
        context={},
        done="Count recorded.",
        success=lambda count: redirect("substance-reconciliation", reconciliation_id=count.pk),
    )


@clinic_page
def reconciliation_detail(
    request: HttpRequest, actor: Actor, reconciliation_id: int
) -> HttpResponse:
    reconciliation = access_reconciliation(actor, reconciliation_id, Action.SUBSTANCE_LOG_VIEW)
    actor = actor.at_clinic(reconciliation.clinic_id)
    return render(
        request,
        "substances/reconciliation.html",
        {
            "reconciliation": reconciliation,
            "lines": count_lines(reconciliation),
            "may_adjust": may_adjust(actor),
        },
    )


@clinic_page
def substance_report(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.SUBSTANCE_REPORT)
    form = sf.ReportForm(request.GET or None)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        filename, content, content_type = reports.report_export(
            actor, date_from=data["date_from"], date_to=data["date_to"], fmt=data["format"]
        )
        return file_response(content, filename, content_type)
    return render(request, "substances/report.html", {"form": form})
