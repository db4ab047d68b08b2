"""Pages of the assessments app: staff pages (record, links, kiosk, schedule, alert queue) and
the patient's public questionnaire pages (a valid token is the only way in)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from kitclinic.accounts.actor import Actor, client_address
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.accounts.selectors import clinic_settings
from kitclinic.assessments import forms as af
from kitclinic.assessments import selectors
from kitclinic.assessments.access import access_alert, may_acknowledge_alerts
from kitclinic.assessments.models import AssessmentSchedule, LinkMode, SafetyAlert
from kitclinic.assessments.services import alerts, assessments, links, schedules
from kitclinic.audit.reads import worklist_record
from kitclinic.instruments import get_instrument
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors, form_page
from kitclinic.patients.access import access_patient

KIOSK_COOKIE = "kitclinic_kiosk_clinic"
KIOSK_SALT = "kitclinic.assessments.kiosk"
# How long a tablet that started a kiosk session stays bound to the clinic: a working day.
KIOSK_COOKIE_MAX_AGE_S = 12 * 3600

# --- staff pages ------------------------------------------------------------------------------


@clinic_page
def assessment_record(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.ASSESSMENT_RECORD)
    instrument_id = af.InstrumentChoiceForm.chosen(
        request.POST.get("instrument") or request.GET.get("instrument", "")
    )
    if instrument_id is None:
        return render(
            request,
            "assessments/record.html",
            {"patient": patient, "choose": af.InstrumentChoiceForm()},
        )
    form = af.AssessmentRecordForm(request.POST or None, instrument_id=instrument_id)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = assessments.assessment_record(
                actor=actor,
                patient=patient,
                instrument=instrument_id,
                answers=form.answers(),
                administered_at=form.cleaned_data["administered_at"],
                mode=form.cleaned_data["mode"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            notice = selectors.recorded_notice(assessment)
            messages.success(request, notice.summary)
            if notice.alert:
                messages.error(request, notice.alert)
            return redirect("patient-chart", patient_id=patient.pk)
    return render(
        request,
        "assessments/record.html",
        {"patient": patient, "form": form, "instrument": form.instrument},
        status=INVALID_FORM_STATUS if request.method == "POST" else 200,
    )


@clinic_page
def link_issue(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.SELF_REPORT_LINK_ISSUE)
    form = af.LinkIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = links.link_issue(
                actor=actor,
                patient=patient,
                instrument=form.cleaned_data["instrument"],
                mode=LinkMode.SELF_REPORT,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # The token is shown this once; only its hash is stored.
            return render(
                request,
                "assessments/link_issued.html",
                {
                    "patient": patient,
                    "issued": issued,
                    "url": request.build_absolute_uri(issued.path),
                    "instrument": get_instrument(issued.link.instrument),
                },
            )
    return render(
        request,
        "assessments/link_issue.html",
        {
            "patient": patient,
            "form": form,
            "link_days": clinic_settings(actor.clinic.pk).self_report_link_days,
            "emailed": links.link_is_emailed(patient),
        },
        status=INVALID_FORM_STATUS if request.method == "POST" else 200,
    )


@clinic_page
def kiosk_start(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    """Start a kiosk session on this device: issue a short-lived link, log the staff member out
    of this browser (the patient holds it next), and open the questionnaire."""
    patient = access_patient(actor, patient_id, Action.SELF_REPORT_LINK_ISSUE)
    form = af.LinkIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = links.link_issue(
                actor=actor,
                patient=patient,
                instrument=form.cleaned_data["instrument"],
                mode=LinkMode.KIOSK,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            logout(request)
            response = redirect(issued.path)
            response.set_signed_cookie(
                KIOSK_COOKIE,
                str(issued.link.clinic_id),
                salt=KIOSK_SALT,
                max_age=KIOSK_COOKIE_MAX_AGE_S,
                httponly=True,
                samesite="Strict",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
    return render(
        request,
        "assessments/link_issue.html",
        {"patient": patient, "form": form, "kiosk": True},
        status=INVALID_FORM_STATUS if request.method == "POST" else 200,
    )


@clinic_page
def schedule_set(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.ASSESSMENT_SCHEDULE_EDIT)

    def save(form: forms.Form) -> AssessmentSchedule:
        return schedules.schedule_set(actor=actor, patient=patient, **form.cleaned_data)

    return form_page(
        request,
        af.ScheduleForm(request.POST or None),
        save,
        template="assessments/schedule.html",
        context={"patient": patient, "schedules": selectors.active_schedules(actor, patient)},
        done="Questionnaire schedule saved.",
        success=lambda _schedule: redirect("patient-chart", patient_id=patient.pk),
    )


@clinic_page
def alert_queue(request: HttpRequest, actor: Actor) -> HttpResponse:
    may_acknowledge = may_acknowledge_alerts(actor)
    queue = selectors.alert_queue_pages(actor, request.GET, with_action=may_acknowledge)
    worklist_record(actor, what="alerts", patient_ids=queue.patient_ids())
    return render(
        request,
        "assessments/alerts.html",
        {
            "alerts": queue.open.rows,
            "listing": queue.open,
            "acknowledged": queue.acknowledged,
            "may_acknowledge": may_acknowledge,
            "escalation_minutes": clinic_settings(actor.clinic.pk).alert_escalation_minutes,
        },
    )


@clinic_page
def alert_count(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The navigation badge, loaded (and refreshed every minute) by HTMX: no query on every page."""
    return render(
        request, "assessments/_alert_count.html", {"count": selectors.open_alert_count(actor)}
    )


@clinic_page
def alert_acknowledge(request: HttpRequest, actor: Actor, alert_id: int) -> HttpResponse:
    alert = access_alert(actor, alert_id, Action.ALERT_ACKNOWLEDGE)
    actor = actor.at_clinic(alert.clinic_id)

    def save(form: forms.Form) -> SafetyAlert:
        return alerts.alert_acknowledge(actor=actor, alert=alert, note=form.cleaned_data["note"])

    return form_page(
        request,
        af.AcknowledgeForm(request.POST or None),
        save,
        template="assessments/acknowledge.html",
        context={"alert": alert},
        done=f"Alert for {alert.patient.display_name} acknowledged.",
        success=lambda _alert: redirect("alert-queue"),
    )


# --- public questionnaire pages ---------------------------------------------------------------

_UNAVAILABLE_STATUS = {"unknown": 404, "expired": 410, "used": 410, "other_clinic": 403}


def _unavailable(request: HttpRequest, exc: links.LinkUnavailable) -> HttpResponse:
    return render(
        request,
        "assessments/public_message.html",
        {"message": exc.message, "title": exc.title},
        status=_UNAVAILABLE_STATUS[exc.reason],
    )


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The token is in the address: never send it to another site, never index the page.
    # ("no-referrer" would make the browser post the form with "Origin: null", which CSRF refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _questionnaire(
    request: HttpRequest, token: str, *, mode: str, kiosk_clinic_id: int | None
) -> HttpResponse:
    try:
        link = links.link_open(token, mode=mode, kiosk_clinic_id=kiosk_clinic_id)
    except links.LinkUnavailable as exc:
        return _unavailable(request, exc)
    form = af.QuestionnaireForm(request.POST or None, instrument_id=link.instrument)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = links.link_submit(
                token=token,
                mode=mode,
                answers=form.answers(),
                kiosk_clinic_id=kiosk_clinic_id,
                client_address=client_address(request),
            )
        except links.LinkUnavailable as exc:
            return _unavailable(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if mode == LinkMode.KIOSK:
                return redirect("kiosk-done")
            return render(
                request,
                "assessments/public_received.html",
                {
                    "clinic": link.clinic,
                    "flagged": selectors.crisis_text_first(assessment),
                    "alerted": selectors.care_team_alerted(assessment),
                    "crisis_text": clinic_settings(link.clinic_id).crisis_text,
                },
            )
    instrument = form.instrument
    return render(
        request,
        "assessments/public_questionnaire.html",
        {
            "clinic": link.clinic,
            "instrument": instrument,
            "form": form,
            "kiosk": mode == LinkMode.KIOSK,
            "crisis_text": clinic_settings(link.clinic_id).crisis_text,
        },
        status=INVALID_FORM_STATUS if form.is_bound else 200,
    )


@never_cache
def self_report(request: HttpRequest, token: str) -> HttpResponse:
    return _no_referrer(
        _questionnaire(request, token, mode=LinkMode.SELF_REPORT, kiosk_clinic_id=None)
    )


def _kiosk_clinic_id(request: HttpRequest) -> int | None:
    value = request.get_signed_cookie(KIOSK_COOKIE, default=None, salt=KIOSK_SALT)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@never_cache
def kiosk(request: HttpRequest, token: str) -> HttpResponse:
    return _no_referrer(
        _questionnaire(
            request, token, mode=LinkMode.KIOSK, kiosk_clinic_id=_kiosk_clinic_id(request)
        )
    )


@never_cache
def kiosk_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/kiosk_done.html",
        {"crisis_text": clinic_settings(_kiosk_clinic_id(request)).crisis_text},
    )
