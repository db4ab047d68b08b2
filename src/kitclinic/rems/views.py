"""REMS pages: the clinic's overview (certification, forms to submit), the certification with its
history (clinic admin), enrolments of prescribers and patients (physicians), a Patient Monitoring
Form and its submission, and the report."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.lib.forms import form_page
from kitclinic.lib.web.downloads import file_response
from kitclinic.patients.access import access_patient
from kitclinic.rems import forms as rf
from kitclinic.rems import reports, services
from kitclinic.rems.access import access_form, access_patient_enrolment, access_prescriber_enrolment
from kitclinic.rems.selectors import (
    attention_count,
    certification_view,
    form_detail,
    form_rows,
    patient_enrolments,
    patient_id_by_mrn,
    prescriber_enrolments,
)


@clinic_page
def rems_overview(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.REMS_VIEW)
    filters = rf.FormFilterForm(request.GET or None)
    show = "attention"
    if filters.is_valid() and filters.cleaned_data["show"]:
        show = filters.cleaned_data["show"]
    return render(
        request,
        "rems/overview.html",
        {
            "certification": certification_view(actor),
            "rows": form_rows(actor, show),
            "counts": attention_count(actor),
            "filters": filters,
            "show": show,
        },
    )


@clinic_page
def rems_certification(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.REMS_VIEW)
    form = rf.CertificationForm(request.POST or None)
    if request.method == "POST":
        actor.require(Action.REMS_CERTIFY)

    def save(form: forms.Form) -> object:
        return services.certification_record(actor=actor, **form.cleaned_data)

    return form_page(
        request,
        form,
        save,
        template="rems/certification.html",
        context={"certification": certification_view(actor)},
        done="Certification recorded.",
        success=lambda _saved: redirect("rems-certification"),
    )


@clinic_page
def rems_enrolments(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(
        request,
        "rems/enrolments.html",
        {"prescribers": prescriber_enrolments(actor), "patients": patient_enrolments(actor)},
    )


def _enrol_page(
    request: HttpRequest, form: forms.Form, save: object, title: str, done: str
) -> HttpResponse:
    return form_page(
        request,
        form,
        save,  # type: ignore[arg-type]  # a closure taking the form
        template="rems/form.html",
        context={"title": title, "back": "rems-enrolments", "back_label": "REMS enrolments"},
        done=done,
        success=lambda _saved: redirect("rems-enrolments"),
    )


@clinic_page
def rems_prescriber_enrol(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.REMS_ENROL)

    def save(form: forms.Form) -> object:
        return services.prescriber_enrol(actor=actor, **form.cleaned_data)

    form = rf.PrescriberEnrolForm(request.POST or None, clinic=actor.clinic)
    return _enrol_page(request, form, save, "Enrol a prescriber", "Prescriber enrolled.")


@clinic_page
def rems_patient_enrol(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.REMS_ENROL)

    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        patient_id = patient_id_by_mrn(actor, data["mrn"])
        if patient_id is None:
            raise ValidationError({"mrn": ["No patient with this MRN in your organization."]})
        return services.patient_enrol(
            actor=actor,
            patient=access_patient(actor, patient_id, Action.REMS_ENROL),
            enrolment_id=data["enrolment_id"],
            enrolled_on=data["enrolled_on"],
        )

    initial = {"mrn": request.GET.get("mrn", "")[:32]}
    form = rf.PatientEnrolForm(request.POST or None, initial=initial)
    return _enrol_page(request, form, save, "Enrol a patient", "Patient enrolled.")


def _end_page(request: HttpRequest, actor: Actor, enrolment: object, title: str) -> HttpResponse:
    def save(form: forms.Form) -> object:
        return services.enrolment_end(
            actor=actor,
            enrolment=enrolment,  # type: ignore[arg-type]  # fetched by an access function
            **form.cleaned_data,
        )

    return _enrol_page(
        request, rf.EnrolmentEndForm(request.POST or None), save, title, "Enrolment ended."
    )


@clinic_page
def rems_prescriber_end(request: HttpRequest, actor: Actor, enrolment_id: int) -> HttpResponse:
    enrolment = access_prescriber_enrolment(actor, enrolment_id, Action.REMS_ENROL)
    return _end_page(request, actor, enrolment, f"End the enrolment of {enrolment.prescriber}")


@clinic_page
def rems_patient_end(request: HttpRequest, actor: Actor, enrolment_id: int) -> HttpResponse:
    enrolment = access_patient_enrolment(actor, enrolment_id, Action.REMS_ENROL)
    return _end_page(request, actor, enrolment, f"End the enrolment of {enrolment.patient}")


@clinic_page
def rems_form(request: HttpRequest, actor: Actor, form_id: int) -> HttpResponse:
    monitoring_form = access_form(actor, form_id, Action.REMS_VIEW)
    actor = actor.at_clinic(monitoring_form.clinic_id)
    submit = rf.SubmitForm(request.POST or None)
    if request.method == "POST":
        actor.require(Action.REMS_FORM_SUBMIT)

    def save(form: forms.Form) -> object:
        return services.monitoring_form_mark_submitted(
            actor=actor, form=monitoring_form, **form.cleaned_data
        )

    return form_page(
        request,
        submit,
        save,
        template="rems/monitoring_form.html",
        context={"monitoring_form": monitoring_form, **form_detail(monitoring_form, actor)},
        done="Marked submitted.",
        success=lambda saved: redirect("rems-form", form_id=saved.pk),
    )


@clinic_page
def rems_report(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.REMS_REPORT)
    form = rf.ReportForm(request.GET or None)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        filename, content, content_type = reports.report_export(
            actor, date_from=data["date_from"], date_to=data["date_to"], fmt=data["format"]
        )
        return file_response(content, filename, content_type)
    return render(request, "rems/report.html", {"form": form})
