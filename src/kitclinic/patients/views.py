"""Patient pages: list and search, registration, and the intake forms (the chart, which shows
every app's records of the patient, is in ``kitclinic.pages``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.intake import contraindications
from kitclinic.lib.forms import add_service_errors, form_page
from kitclinic.patients import forms as pf
from kitclinic.patients import services
from kitclinic.patients.access import access_patient
from kitclinic.patients.models import Patient
from kitclinic.patients.selectors import (
    eligibility_previews,
    patient_search_page,
    patient_search_record,
)


@clinic_page
def patient_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "")
    page = patient_search_page(actor, query)
    patient_search_record(actor, query, results=len(page.patients), shown=page.patients)
    context = {
        "patients": page.patients,
        "more": page.more,
        "limit": page.limit,
        "q": query,
        "can_register": actor.may(Action.PATIENT_REGISTER),
    }
    if request.htmx:  # type: ignore[attr-defined]  # set on every request by django-htmx's middleware
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
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Registered {patient.display_name}.")
            return redirect("patient-chart", patient_id=patient.pk)
    return render(
        request,
        "patients/form.html",
        {"form": form, "title": "Register a patient", "patient": None},
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
    """An intake form of the patient's: back to the chart once the service accepts it."""
    patient = access_patient(actor, patient_id, action)
    return form_page(
        request,
        form_class(request.POST or None, initial=initial(patient) if initial else None),
        lambda form: save(actor, patient, form),
        template="patients/form.html",
        context={"title": title, "patient": patient, **(extra(patient) if extra else {})},
        done=done,
        success=lambda _saved: redirect("patient-chart", patient_id=patient.pk),
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
