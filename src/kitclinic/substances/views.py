"""Controlled-substance pages: the clinic's log, a form per entry kind, counts, and the report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.models import Clinic
from kitclinic.accounts.roles import Action
from kitclinic.lib.forms import form_page
from kitclinic.substances import forms as sf
from kitclinic.substances import reports
from kitclinic.substances.access import access_count_line, access_lot, access_reconciliation
from kitclinic.substances.models import EntryKind, SubstanceLot
from kitclinic.substances.selectors import (
    EntryFilter,
    entries_for,
    line_is_open,
    lot_balances,
    open_discrepancies,
)
from kitclinic.substances.services import counts, dispensing, stock

PAGE_SIZE = 50


@clinic_page
def substance_log(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.SUBSTANCE_LOG_VIEW)
    filters = sf.LogFilterForm(request.GET or None)
    flt = EntryFilter()
    if filters.is_valid():
        data = filters.cleaned_data
        flt = EntryFilter(
            kind=data["kind"] or "",
            lot_id=data["lot"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    page = Paginator(entries_for(actor, flt), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "substances/log.html",
        {
            "balances": lot_balances(actor),
            "discrepancies": list(open_discrepancies(actor)),
            "page": page,
            "filters": filters,
            "kinds": EntryKind.choices,
            "query": query.urlencode(),
            "may": {
                "receive": actor.may(Action.SUBSTANCE_RECEIVE),
                "dispense": actor.may(Action.SUBSTANCE_DISPENSE),
                "reconcile": actor.may(Action.SUBSTANCE_RECONCILE),
                "report": actor.may(Action.SUBSTANCE_REPORT),
            },
        },
    )


def _form_page(
    request: HttpRequest,
    actor: Actor,
    *,
    action: Action,
    form_class: type[sf._EntryForm],
    title: str,
    save: Callable[[Any], object],
    done: str,
    with_lots: bool = True,
    initial: dict[str, Any] | None = None,
    intro: str = "",
) -> HttpResponse:
    """GET shows the form, POST validates its shape, calls one service, returns to the log."""
    actor.require(action)
    kwargs: dict[str, Any] = {"actor": actor}
    if with_lots:
        kwargs["lots"] = lot_balances(actor)
    return form_page(
        request,
        form_class(request.POST or None, initial=initial, **kwargs),
        save,
        template="substances/form.html",
        context={"title": title, "intro": intro},
        done=done,
        success=lambda _saved: redirect("substance-log"),
    )


def _lot(actor: Actor, form: sf._EntryForm, action: Action) -> SubstanceLot:
    return access_lot(actor, form.cleaned_data["lot"], action)


@clinic_page
def substance_receive(request: HttpRequest, actor: Actor) -> HttpResponse:
    def save(form: Any) -> object:
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
    def save(form: Any) -> object:
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
    def save(form: Any) -> object:
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
    def save(form: Any) -> object:
        data = form.cleaned_data
        to_clinic = Clinic.objects.filter(
            pk=data["to_clinic"], organization_id=actor.organization_id
        ).first()
        if to_clinic is None:
            raise ValidationError({"to_clinic": ["Choose a clinic of your organization."]})
        return stock.substance_transfer(
            actor=actor,
            lot=_lot(actor, form, Action.SUBSTANCE_RECEIVE),
            to_clinic=to_clinic,
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
        line = access_count_line(actor, request.GET["line"], Action.SUBSTANCE_RECONCILE)
        actor = actor.at_clinic(line.reconciliation.clinic_id)
        if not line_is_open(line):
            raise Http404("This count line has no open discrepancy.")

    def save(form: Any) -> object:
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
        intro = (
            f"Resolves the discrepancy of lot {line.lot.lot_number} found by the count of "
            f"{line.reconciliation.counted_at:%Y-%m-%d %H:%M} UTC: book {line.book_mg:f} mg, "
            f"counted {line.counted_mg:f} mg."
        )
    return _form_page(
        request,
        actor,
        action=Action.SUBSTANCE_RECONCILE,
        form_class=sf.AdjustForm,
        title="Adjust after a count",
        save=save,
        done="Adjustment recorded.",
        initial={"lot": line.lot_id, "change_mg": line.discrepancy_mg} if line else None,
        intro=intro,
    )


@clinic_page
def reconciliation_new(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.SUBSTANCE_RECONCILE)

    def save(form: sf.ReconciliationForm) -> Any:
        try:
            return counts.reconciliation_record(
                actor=actor,
                counts_mg=form.counts_mg(),
                witness=form.cleaned_data["witness"],
                notes=form.cleaned_data["notes"],
                counted_at=form.cleaned_data["occurred_at"],
            )
        except ValidationError as exc:
            # The service names a lot's count "lot_<id>"; the form holds it in "lot_<id>_vials".
            raise ValidationError(
                {
                    (f"{k}_vials" if f"{k}_vials" in form.fields else k): v
                    for k, v in exc.message_dict.items()
                }
            ) from exc

    return form_page(
        request,
        sf.ReconciliationForm(request.POST or None, actor=actor, lots=lot_balances(actor)),
        save,  # type: ignore[arg-type]  # form_page passes back the form it was given
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
    lines = list(reconciliation.lines.select_related("lot").prefetch_related("resolutions"))
    return render(
        request,
        "substances/reconciliation.html",
        {
            "reconciliation": reconciliation,
            "lines": lines,
            "may_adjust": actor.may(Action.SUBSTANCE_RECONCILE),
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
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "substances/report.html", {"form": form})
