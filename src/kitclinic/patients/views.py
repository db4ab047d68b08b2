"""Patient pages: list and search, registration, and the intake forms (the chart, which shows
every app's records of the patient, is in ``kitclinic.pages``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.intake import contraindications
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors, form_page
from kitclinic.patients import forms as pf
from kitclinic.patients import services
from kitclinic.patients.access import access_patient
from kitclinic.patients.models import Patient
from kitclinic.patients.selectors import (
    DuplicateCandidate,
    eligibility_previews,
    patient_list_page,
    patient_search_record,
)


@clinic_page
def patient_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "")
    page = patient_list_page(actor, query, request.GET)
    patient_search_record(actor, query, results=page.total, shown=page.rows)
    context = {
        "patients": page.rows,
        "listing": page,
        "q": query,
        "can_register": actor.may(Action.PATIENT_REGISTER),
    }
    if request.htmx:  # type: ignore[attr-defined]  # set on every request by django-htmx's middleware
        return render(request, "patients/_results.html", context)
    return render(request, "patients/list.html", context)


def _demographics_page(
    request: HttpRequest,
    save: Callable[[pf.DemographicsForm], Patient],
    *,
    title: str,
    patient: Patient | None,
    done: Callable[[Patient], str],
) -> HttpResponse:
    """Registration and demographics edit: a likely duplicate person (kitclinic.intake.identity)
    is shown with links to the charts, and saving then needs the tick that this is a different
    person; an invalid POST answers 422 and writes nothing."""
    initial = (
        {name: getattr(patient, name) for name in services.DEMOGRAPHIC_FIELDS} if patient else None
    )
    form = pf.DemographicsForm(request.POST or None, initial=initial)
    duplicates: list[DuplicateCandidate] = []
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except services.LikelyDuplicateError as exc:
            duplicates = exc.candidates
            form.ask_confirmation()
            form.add_error(
                form.CONFIRM_FIELD,
                "Open the existing chart instead, or tick this box if you have checked that "
                "this is a different person.",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done(saved))
            return redirect("patient-chart", patient_id=saved.pk)
    return render(
        request,
        "patients/form.html",
        {"form": form, "title": title, "patient": patient, "duplicates": duplicates},
        status=INVALID_FORM_STATUS if request.method == "POST" else 200,
    )


@clinic_page
def patient_register(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.PATIENT_REGISTER)
    return _demographics_page(
        request,
        lambda form: services.patient_register(
            actor=actor,
            data=form.demographics(),
            confirm_not_duplicate=form.confirmed_not_duplicate,
        ),
        title="Register a patient",
        patient=None,
        done=lambda saved: f"Registered {saved.display_name}.",
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
    patient = access_patient(actor, patient_id, Action.PATIENT_EDIT_DEMOGRAPHICS)
    return _demographics_page(
        request,
        lambda form: services.patient_update_demographics(
            actor=actor,
            patient=patient,
            data=form.demographics(),
            confirm_not_duplicate=form.confirmed_not_duplicate,
        ),
        title="Edit demographics",
        patient=patient,
        done=lambda _saved: "Demographics saved.",
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
def allergy_add(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    return _intake_form_page(
        request,
        actor,
        patient_id,
        action=Action.CLINICAL_HISTORY_EDIT,
        form_class=pf.AllergyForm,
        title="Add an allergy or intolerance",
        save=lambda a, p, f: services.allergy_add(actor=a, patient=p, **f.cleaned_data),
        done="Allergy added.",
    )


@clinic_page
def allergy_status(
    request: HttpRequest, actor: Actor, patient_id: int, allergy_id: int
) -> HttpResponse:
    """Resolve, make inactive, make active again or mark entered in error, with the reason."""
    patient = access_patient(actor, patient_id, Action.CLINICAL_HISTORY_EDIT)
    allergy = get_object_or_404(patient.allergies, pk=allergy_id)
    return form_page(
        request,
        pf.AllergyStatusForm(request.POST or None),
        lambda form: services.allergy_status_change(
            actor=actor, allergy=allergy, **form.cleaned_data
        ),
        template="patients/form.html",
        context={
            "title": f"Change the status of: {allergy.substance}",
            "patient": patient,
            "allergy": allergy,
        },
        done="Allergy status changed.",
        success=lambda _saved: redirect("patient-chart", patient_id=patient.pk),
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
