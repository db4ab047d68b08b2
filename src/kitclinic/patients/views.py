"""Patient pages: list and search, registration, chart, and the intake forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.assessments.selectors import patient_assessments
from kitclinic.infusions.selectors import patient_infusions
from kitclinic.intake import contraindications
from kitclinic.outcomes.patient import outcomes_card
from kitclinic.patients import forms as pf
from kitclinic.patients import services
from kitclinic.patients.access import access_patient
from kitclinic.patients.models import Patient
from kitclinic.patients.selectors import (
    eligibility_previews,
    patient_chart,
    patient_search,
    patient_search_record,
)
from kitclinic.web.decorators import clinic_page


@clinic_page
def patient_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "")
    patients = list(patient_search(actor, query))
    patient_search_record(actor, query, results=len(patients), shown=patients)
    context = {"patients": patients, "q": query, "can_register": actor.may(Action.PATIENT_REGISTER)}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "patients/_results.html", context)
    return render(request, "patients/list.html", context)


@clinic_page
def patient_register(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.PATIENT_REGISTER)
    form = pf.DemographicsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(actor=actor, data=form.demographics())
        except ValidationError as exc:
            pf.add_service_errors(form, exc)
        else:
            messages.success(request, f"Registered {patient.display_name}.")
            return redirect("patient-chart", patient_id=patient.pk)
    return render(
        request,
        "patients/form.html",
        {"form": form, "title": "Register a patient", "patient": None},
    )


@clinic_page
def patient_chart_view(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.PATIENT_VIEW)
    chart = patient_chart(actor, patient)
    catalogue = contraindications.CATALOGUE_BY_CODE
    present = []
    if chart.latest_screen is not None:
        present = [
            catalogue[code]
            for code, value in chart.latest_screen.answers.items()
            if value and code in catalogue
        ]
    return render(
        request,
        "patients/chart.html",
        {
            "chart": chart,
            "patient": patient,
            "present_items": present,
            "infusions": patient_infusions(actor, patient),
            "infusions_may_plan": actor.may(Action.COURSE_PLAN),
            "assessments": patient_assessments(actor, patient),
            "outcomes_card": outcomes_card(actor, patient),
            "may": {
                "edit_demographics": actor.may(Action.PATIENT_EDIT_DEMOGRAPHICS),
                "edit_history": actor.may(Action.CLINICAL_HISTORY_EDIT),
                "record_screen": actor.may(Action.CONTRAINDICATION_SCREEN_RECORD),
                "sign_eligibility": actor.may(Action.ELIGIBILITY_SIGN),
            },
        },
    )


def _intake_form_page(
    request: HttpRequest,
    actor: Actor,
    patient_id: int,
    *,
    action: Action,
    form_class: type[forms.Form],
    title: str,
    save: Callable[[Actor, Patient, Any], object],
    done: str,
    initial: Callable[[Patient], dict[str, Any]] | None = None,
    extra: Callable[[Patient], dict[str, Any]] | None = None,
) -> HttpResponse:
    """GET shows the form, POST validates its shape, calls one service, and returns to the chart."""
    patient = access_patient(actor, patient_id, action)
    form = form_class(request.POST or None, initial=initial(patient) if initial else None)
    if request.method == "POST" and form.is_valid():
        try:
            save(actor, patient, form)
        except ValidationError as exc:
            pf.add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("patient-chart", patient_id=patient.pk)
    return render(
        request,
        "patients/form.html",
        {"form": form, "title": title, "patient": patient, **(extra(patient) if extra else {})},
    )


@clinic_page
def patient_edit(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    return _intake_form_page(
        request,
        actor,
        patient_id,
        action=Action.PATIENT_EDIT_DEMOGRAPHICS,
        form_class=pf.DemographicsForm,
        title="Edit demographics",
        save=lambda a, p, f: services.patient_update_demographics(
            actor=a, patient=p, data=f.demographics()
        ),
        done="Demographics saved.",
        initial=lambda p: {name: getattr(p, name) for name in services.DEMOGRAPHIC_FIELDS},
    )


@clinic_page
def episode_edit(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    return _intake_form_page(
        request,
        actor,
        patient_id,
        action=Action.CLINICAL_HISTORY_EDIT,
        form_class=pf.EpisodeForm,
        title="Current depressive episode",
        save=lambda a, p, f: services.episode_update(
            actor=a,
            patient=p,
            onset_date=f.cleaned_data["episode_onset_date"],
            severity=f.cleaned_data["episode_severity"],
        ),
        done="Episode saved.",
        initial=lambda p: {
            "episode_onset_date": p.episode_onset_date,
            "episode_severity": p.episode_severity,
        },
    )


@clinic_page
def diagnosis_add(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    return _intake_form_page(
        request,
        actor,
        patient_id,
        action=Action.CLINICAL_HISTORY_EDIT,
        form_class=pf.DiagnosisForm,
        title="Add a diagnosis",
        save=lambda a, p, f: services.diagnosis_add(actor=a, patient=p, **f.cleaned_data),
        done="Diagnosis added.",
    )


@clinic_page
def trial_add(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    return _intake_form_page(
        request,
        actor,
        patient_id,
        action=Action.CLINICAL_HISTORY_EDIT,
        form_class=pf.TrialForm,
        title="Add a treatment trial",
        save=lambda a, p, f: services.trial_add(actor=a, patient=p, **f.cleaned_data),
        done="Treatment trial added.",
    )


@clinic_page
def screen_record(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    return _intake_form_page(
        request,
        actor,
        patient_id,
        action=Action.CONTRAINDICATION_SCREEN_RECORD,
        form_class=pf.ScreenForm,
        title="Contraindication screen",
        save=lambda a, p, f: services.screen_record(
            actor=a, patient=p, answers=f.answers(), notes=f.cleaned_data["notes"]
        ),
        done="Screen recorded.",
        extra=lambda p: {"list_version": contraindications.DEFAULT_CONTRAINDICATION_LIST_VERSION},
    )


@clinic_page
def eligibility_decide(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    return _intake_form_page(
        request,
        actor,
        patient_id,
        action=Action.ELIGIBILITY_SIGN,
        form_class=pf.EligibilityForm,
        title="Decide and sign eligibility",
        save=lambda a, p, f: services.eligibility_decide(actor=a, patient=p, **f.cleaned_data),
        done="Eligibility decision signed.",
        extra=lambda p: {"previews": eligibility_previews(p), "submit_label": "Sign decision"},
    )
