"""Outcomes pages: dashboard and CSV, lab association, information sheets and consent, lab entry
and the progress-report PDF. Each view: actor, access check, one service or selector, render."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.consent import services as consent_services
from kitclinic.lib.forms import form_page
from kitclinic.outcomes import charts, reports, services, sheets
from kitclinic.outcomes import forms as of
from kitclinic.outcomes.access import access_sheet_version, indication_or_404
from kitclinic.outcomes.data.dataset import dataset_for
from kitclinic.outcomes.evidence.inflammation import INFLAMMATION_FINDINGS, INFLAMMATION_NOTE
from kitclinic.outcomes.labels import INDICATION_LABELS, SCALE_LABELS
from kitclinic.outcomes.labs import Analyte, unit_rows
from kitclinic.outcomes.patient import patient_outcomes
from kitclinic.outcomes.selectors import sheets as sheet_reads
from kitclinic.outcomes.selectors.clinic_results import WITHHOLD_BELOW_N
from kitclinic.outcomes.selectors.dashboard import (
    Dashboard,
    filter_choices,
    incomplete_below_percent,
    summarize,
)
from kitclinic.outcomes.selectors.labs import lab_association, lab_choice, lab_points_page
from kitclinic.patients.access import access_patient

DEFAULT_CONSENT_INDICATION = "depression"


def _dashboard(request: HttpRequest, actor: Actor) -> tuple[of.DashboardFilterForm, Dashboard]:
    """The filter form of the request and the dashboard it asks for (an invalid filter shows
    everything, with the form's errors)."""
    ds = dataset_for(actor.organization_id)
    protocols, clinicians = filter_choices(ds)
    form = of.DashboardFilterForm(request.GET or None, protocols=protocols, clinicians=clinicians)
    return form, summarize(ds, form.outcome_filter(), names=dict(clinicians))


@clinic_page
def dashboard(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.OUTCOMES_VIEW)
    form, board = _dashboard(request, actor)
    return render(
        request,
        "outcomes/dashboard.html",
        {
            "board": board,
            "form": form,
            "km_spec": charts.km_figure(board.km) if board.km is not None else None,
            "min_share_pct": incomplete_below_percent(),
            "query": request.GET.urlencode(),
            "may_export": actor.may(Action.REPORT_EXPORT),
        },
    )


@clinic_page
def dashboard_csv(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.REPORT_EXPORT)
    _form, board = _dashboard(request, actor)
    with transaction.atomic():
        services.export_audit(
            actor=actor,
            what="outcomes CSV",
            detail=json.dumps(board.filter.querystring(), sort_keys=True),
        )
    response = HttpResponse(reports.dashboard_csv(board), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kitclinic-outcomes.csv"'
    return response


@clinic_page
def labs_cohort(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.OUTCOMES_VIEW)
    analyte, instrument = lab_choice(request.GET.get("analyte"), request.GET.get("instrument"))
    assoc = lab_association(actor, analyte, instrument)
    points = lab_points_page(assoc, request.GET)
    return render(
        request,
        "outcomes/labs_cohort.html",
        {
            "assoc": assoc,
            "listing": points,
            "table_open": any(k in request.GET for k in ("page", "sort", "size")),
            "spec": charts.lab_association_figure(assoc, INDICATION_LABELS)
            if assoc.points
            else None,
            "analytes": Analyte.choices,
            "instruments": SCALE_LABELS.items(),
            "instrument": instrument,
            "note": INFLAMMATION_NOTE,
            "findings": INFLAMMATION_FINDINGS,
        },
    )


@clinic_page
def sheet_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.PATIENT_VIEW)
    rows = sheet_reads.sheet_rows(actor.organization_id)
    return render(request, "outcomes/sheet_list.html", {"rows": rows})


@clinic_page
def sheet_detail(request: HttpRequest, actor: Actor, indication: str) -> HttpResponse:
    """The draft as it would be published now, against the latest published version."""
    actor.require(Action.PATIENT_VIEW)
    d = sheets.draft(actor.organization_id, indication_or_404(indication))
    return render(
        request,
        "outcomes/sheet_detail.html",
        {
            "draft": d,
            "indication": indication,
            "label": INDICATION_LABELS[indication],
            "versions": sheet_reads.sheet_versions(actor.organization_id, indication),
            "may_publish": actor.may(Action.INFO_SHEET_PUBLISH),
            "withhold_below": WITHHOLD_BELOW_N,
        },
    )


@require_POST
@clinic_page
def sheet_publish(request: HttpRequest, actor: Actor, indication: str) -> HttpResponse:
    actor.require(Action.INFO_SHEET_PUBLISH)
    d = sheets.draft(actor.organization_id, indication_or_404(indication))
    version, created = services.info_sheet_publish(actor=actor, indication=indication, html=d.html)
    if created:
        messages.success(request, f"Published version {version.version}.")
    else:
        messages.info(request, f"Nothing changed since version {version.version}; not republished.")
    return redirect("outcomes-sheet", indication=indication)


@clinic_page
def sheet_version_html(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    version = access_sheet_version(actor, version_id)
    return HttpResponse(version.html_snapshot, content_type="text/html; charset=utf-8")


@clinic_page
def sheet_version_pdf(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    version = access_sheet_version(actor, version_id)
    with transaction.atomic():
        pdf = reports.sheet_pdf(version)
        services.export_audit(
            actor=actor,
            what="information sheet PDF",
            obj=version,
            detail=f"{version.indication} v{version.version}",
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="information-sheet-{version.indication}-v{version.version}.pdf"'
    )
    return response


@clinic_page
def lab_add(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.LAB_RECORD)

    def save(form: forms.Form) -> object:
        d = form.cleaned_data
        return services.lab_result_record(
            actor=actor,
            patient=patient,
            analyte=d["analyte"],
            value=d["value"],
            unit=d["unit"],
            collected_at=d["collected_at"],
        )

    return form_page(
        request,
        of.LabResultForm(request.POST or None),
        save,
        template="outcomes/lab_form.html",
        context={"patient": patient, "units": unit_rows(actor.clinic.pk)},
        done="Lab result recorded.",
        success=lambda _result: redirect("patient-chart", patient_id=patient.pk),
    )


@clinic_page
def consent_add(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.CONSENT_RECORD)
    indication = indication_or_404(
        request.GET.get("indication")
        or request.POST.get("indication")
        or DEFAULT_CONSENT_INDICATION
    )
    posted = request.POST.get("sheet_version") if request.method == "POST" else None
    version = sheet_reads.consent_sheet_version(actor, indication, posted)

    def save(form: forms.Form) -> object:
        if version is None:
            raise ValidationError("No information sheet is published for this indication.")
        d = form.cleaned_data
        return consent_services.consent_record(
            actor=actor,
            patient=patient,
            sheet_version=version,
            signed_at=d["signed_at"],
            method=d["method"],
            witnessed_by=d["witnessed_by"],
        )

    form = of.ConsentForm(
        request.POST or None,
        witnesses=sheet_reads.consent_witnesses(actor.organization_id),
        initial={"sheet_version": version.pk if version else None, "witnessed_by": actor.user.pk},
    )
    return form_page(
        request,
        form,
        save,
        template="outcomes/consent_form.html",
        context={
            "patient": patient,
            "version": version,
            "indication": indication,
            "label": INDICATION_LABELS[indication],
            "indications": sheet_reads.indication_choices(),
        },
        done=f"Consent recorded against version {version.version}." if version else "",
        success=lambda _consent: redirect("patient-chart", patient_id=patient.pk),
    )


@clinic_page
def progress_report_page(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    """The progress report as a page: the PDF's text, its charts drawn by plotly.js."""
    patient = access_patient(actor, patient_id, Action.REPORT_EXPORT)
    audience = reports.report_audience(request.GET.get("for"))
    po = patient_outcomes(actor, patient)
    context = reports.progress_context(patient, po, audience=audience)
    context["charts"] = charts.progress_figures(po)
    return render(request, "outcomes/progress_report_page.html", context)


@clinic_page
def progress_report(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.REPORT_EXPORT)
    audience = reports.report_audience(request.GET.get("for"))
    po = patient_outcomes(actor, patient)
    with transaction.atomic():
        pdf = reports.progress_report_pdf(patient, po, audience=audience)
        services.export_audit(
            actor=actor, what="progress report PDF", patient=patient, detail=f"for the {audience}"
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="progress-report-{patient.mrn}.pdf"'
    return response
