"""Outcomes pages: dashboard and CSV, lab association, information sheets and consent, lab entry
and the progress-report PDF. Each view: actor, access check, one service or selector, render."""

from __future__ import annotations

import csv
import io
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.consent import services as consent_services
from kitclinic.consent.models import InfoSheetVersion
from kitclinic.dosing.units import format_number
from kitclinic.infusions.delivery import report_min_share
from kitclinic.lib.forms import add_service_errors
from kitclinic.outcomes import charts, reports, services, sheets
from kitclinic.outcomes import forms as of
from kitclinic.outcomes.data.dataset import dataset_for
from kitclinic.outcomes.data.tables import OutcomeDataset
from kitclinic.outcomes.evidence.inflammation import INFLAMMATION_FINDINGS, INFLAMMATION_NOTE
from kitclinic.outcomes.indications import INDICATION_LABELS
from kitclinic.outcomes.labs import ANALYTE_CODES, Analyte, configured_unit
from kitclinic.outcomes.patient import patient_outcomes
from kitclinic.outcomes.selectors.clinic_results import WITHHOLD_BELOW_N
from kitclinic.outcomes.selectors.dashboard import OutcomeFilter, filter_choices, summarize
from kitclinic.outcomes.selectors.labs import lab_association
from kitclinic.patients.access import access_patient
from kitclinic.patients.models import INDICATIONS


def _filter(
    request: HttpRequest, actor: Actor
) -> tuple[OutcomeFilter, of.DashboardFilterForm, tuple[OutcomeDataset, dict[int, str]]]:
    ds = dataset_for(actor.organization_id)
    protocols, clinicians = filter_choices(ds)
    form = of.DashboardFilterForm(request.GET or None, protocols=protocols, clinicians=clinicians)
    flt = OutcomeFilter()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        flt = OutcomeFilter(
            instrument=d["instrument"] or "phq9",
            indication=d["indication"] or "",
            protocol=d["protocol"] or "",
            clinician_id=d["clinician"],
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
    return flt, form, (ds, dict(clinicians))


@clinic_page
def dashboard(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.OUTCOMES_VIEW)
    flt, form, (ds, names) = _filter(request, actor)
    board = summarize(ds, flt, names=names)
    return render(
        request,
        "outcomes/dashboard.html",
        {
            "board": board,
            "form": form,
            "km_spec": charts.km_figure(board.km) if board.km is not None else None,
            # below this share of the ordered dose an infusion counts as incomplete
            "min_share_pct": format_number(report_min_share() * 100, 1),
            "query": request.GET.urlencode(),
            "may_export": actor.may(Action.REPORT_EXPORT),
        },
    )


@clinic_page
def dashboard_csv(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.REPORT_EXPORT)
    flt, _form, (ds, names) = _filter(request, actor)
    board = summarize(ds, flt, names=names)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "breakdown",
            "group",
            "instrument",
            "n",
            "responders",
            "response_rate",
            "response_ci95_low",
            "response_ci95_high",
            "remitters",
            "remission_rate",
            "remission_ci95_low",
            "remission_ci95_high",
        ]
    )

    def fmt(x: float | None) -> str:
        return "" if x is None else f"{x:.4f}"

    groups = [("overall", [board.overall] if board.overall else [])] + [
        ("indication", board.by_indication),
        ("protocol", board.by_protocol),
        ("clinician", board.by_clinician),
        ("period", board.by_period),
    ]
    for name, rates in groups:
        for r in rates:
            writer.writerow(
                [
                    name,
                    r.label,
                    board.instrument_label,
                    r.n,
                    r.response.successes,
                    fmt(r.response.estimate),
                    fmt(r.response.lower),
                    fmt(r.response.upper),
                    r.remission.successes,
                    fmt(r.remission.estimate),
                    fmt(r.remission.lower),
                    fmt(r.remission.upper),
                ]
            )
    with transaction.atomic():
        services.export_audit(
            actor=actor, what="outcomes CSV", detail=json.dumps(flt.querystring(), sort_keys=True)
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kitclinic-outcomes.csv"'
    return response


@clinic_page
def labs_cohort(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.OUTCOMES_VIEW)
    analyte = request.GET.get("analyte", "crp")
    if analyte not in ANALYTE_CODES:
        analyte = "crp"
    instrument = request.GET.get("instrument", "phq9")
    if instrument not in ("phq9", "qids_sr16", "madrs", "gad7"):
        instrument = "phq9"
    assoc = lab_association(actor, analyte, instrument)
    spec = charts.lab_association_figure(assoc, INDICATION_LABELS) if assoc.points else None
    return render(
        request,
        "outcomes/labs_cohort.html",
        {
            "assoc": assoc,
            "spec": spec,
            "analytes": Analyte.choices,
            "instrument": instrument,
            "note": INFLAMMATION_NOTE,
            "findings": INFLAMMATION_FINDINGS,
        },
    )


def _indication(indication: str) -> str:
    if indication not in INDICATIONS:
        raise Http404("No such indication.")
    return indication


@clinic_page
def sheet_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.PATIENT_VIEW)
    latest = {
        v.indication: v
        for v in InfoSheetVersion.objects.filter(organization_id=actor.organization_id)
        .order_by("indication", "version")
        .defer("html_snapshot")
    }
    rows = [(i, INDICATION_LABELS[i], latest.get(i)) for i in INDICATIONS]
    return render(request, "outcomes/sheet_list.html", {"rows": rows})


@clinic_page
def sheet_detail(request: HttpRequest, actor: Actor, indication: str) -> HttpResponse:
    """The draft as it would be published now, against the latest published version."""
    actor.require(Action.PATIENT_VIEW)
    d = sheets.draft(actor.organization_id, _indication(indication))
    versions = (
        InfoSheetVersion.objects.filter(
            organization_id=actor.organization_id, indication=indication
        )
        .order_by("-version")
        .defer("html_snapshot")
    )
    return render(
        request,
        "outcomes/sheet_detail.html",
        {
            "draft": d,
            "indication": indication,
            "label": INDICATION_LABELS[indication],
            "versions": list(versions),
            "may_publish": actor.may(Action.INFO_SHEET_PUBLISH),
            "withhold_below": WITHHOLD_BELOW_N,
        },
    )


@require_POST
@clinic_page
def sheet_publish(request: HttpRequest, actor: Actor, indication: str) -> HttpResponse:
    actor.require(Action.INFO_SHEET_PUBLISH)
    d = sheets.draft(actor.organization_id, _indication(indication))
    version, created = services.info_sheet_publish(actor=actor, indication=indication, html=d.html)
    if created:
        messages.success(request, f"Published version {version.version}.")
    else:
        messages.info(request, f"Nothing changed since version {version.version}; not republished.")
    return redirect("outcomes-sheet", indication=indication)


def access_sheet_version(actor: Actor, version_id: int) -> InfoSheetVersion:
    try:
        version = InfoSheetVersion.objects.get(pk=version_id, organization_id=actor.organization_id)
    except InfoSheetVersion.DoesNotExist:
        raise Http404("No such sheet version.") from None
    actor.require(Action.PATIENT_VIEW)
    return version


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
    form = of.LabResultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.lab_result_record(
                actor=actor,
                patient=patient,
                analyte=d["analyte"],
                value=d["value"],
                unit=d["unit"],
                collected_at=d["collected_at"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Lab result recorded.")
            return redirect("patient-chart", patient_id=patient.pk)
    units = {a: configured_unit(a) for a in ANALYTE_CODES}
    return render(
        request,
        "outcomes/lab_form.html",
        {"form": form, "patient": patient, "codes": ANALYTE_CODES.values(), "units": units},
    )


@clinic_page
def consent_add(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.CONSENT_RECORD)
    indication = request.GET.get("indication") or request.POST.get("indication") or "depression"
    _indication(indication)
    version = None
    if request.method == "POST":
        try:
            version = access_sheet_version(actor, int(request.POST.get("sheet_version", "")))
        except (TypeError, ValueError):
            version = None
    if version is None:
        version = (
            InfoSheetVersion.objects.filter(
                organization_id=actor.organization_id, indication=indication
            )
            .order_by("-version")
            .first()
        )
    witnesses = (
        User.objects.filter(
            memberships__clinic__organization_id=actor.organization_id, memberships__is_active=True
        )
        .distinct()
        .order_by("last_name", "username")
    )
    form = of.ConsentForm(
        request.POST or None,
        witnesses=witnesses,
        initial={"sheet_version": version.pk if version else None, "witnessed_by": actor.user.pk},
    )
    if request.method == "POST" and version is not None and form.is_valid():
        d = form.cleaned_data
        try:
            consent_services.consent_record(
                actor=actor,
                patient=patient,
                sheet_version=version,
                signed_at=d["signed_at"],
                method=d["method"],
                witnessed_by=d["witnessed_by"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Consent recorded against version {version.version}.")
            return redirect("patient-chart", patient_id=patient.pk)
    return render(
        request,
        "outcomes/consent_form.html",
        {
            "form": form,
            "patient": patient,
            "version": version,
            "indication": indication,
            "label": INDICATION_LABELS[indication],
            "indications": [(i, INDICATION_LABELS[i]) for i in INDICATIONS],
        },
    )


@clinic_page
def progress_report(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.REPORT_EXPORT)
    audience = "clinician" if request.GET.get("for") == "clinician" else "patient"
    po = patient_outcomes(actor, patient)
    with transaction.atomic():
        pdf = reports.progress_report_pdf(patient, po, audience=audience)
        services.export_audit(
            actor=actor, what="progress report PDF", patient=patient, detail=f"for the {audience}"
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="progress-report-{patient.mrn}.pdf"'
    return response
