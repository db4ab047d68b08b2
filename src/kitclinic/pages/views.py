"""Pages that show several apps' records together: the dashboard, the patient chart and the audit
trail; and the clinic switch and session keep-alive every page uses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import ACTIVE_CLINIC_SESSION_KEY, Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.assessments.selectors import patient_assessments
from kitclinic.audit.models import AuditAction
from kitclinic.audit.reads import worklist_record
from kitclinic.infusions.selectors.patient import patient_infusions
from kitclinic.intake import contraindications
from kitclinic.lib.bounds import sane_date_or_none
from kitclinic.lib.web.errors import machine_error
from kitclinic.lib.web.health import (
    healthz,  # answered by HealthCheckMiddleware; named for reverse()
)
from kitclinic.outcomes.patient import card_course_start, outcomes_card
from kitclinic.pages.audit_trail import AuditFilter, audit_page, audit_search_record
from kitclinic.pages.dashboard import dashboard_summary
from kitclinic.patients.access import access_patient
from kitclinic.patients.selectors import patient_chart
from kitclinic.rems.selectors import attention_count as rems_attention_count


@clinic_page
def dashboard(request: HttpRequest, actor: Actor) -> HttpResponse:
    summary = dashboard_summary(actor)
    worklist_record(actor, what="dashboard", patient_ids=summary.patient_ids())
    return render(
        request,
        "pages/dashboard.html",
        {"summary": summary, "rems_forms": rems_attention_count(actor)},
    )


@require_POST
@login_required
def keepalive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in" on the idle warning: a person's request, so kitclinic.lib.web.idle renews the
    session's activity before this answers (204). Past the limit the middleware has already
    signed the user out and this is never reached."""
    return HttpResponse(status=204)


@require_POST
@clinic_page
def clinic_switch(request: HttpRequest, actor: Actor) -> HttpResponse:
    wanted = request.POST.get("clinic", "")
    if not any(str(m.clinic_id) == wanted for m in actor.available):
        raise PermissionDenied("You have no role at that clinic.")
    request.session[ACTIVE_CLINIC_SESSION_KEY] = wanted
    return redirect("dashboard")


@clinic_page
def audit_trail(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.AUDIT_VIEW)
    get = request.GET
    flt = AuditFilter(
        action=get.get("action", "") if get.get("action", "") in AuditAction.values else "",
        actor_username=get.get("actor", "").strip(),
        patient_mrn=get.get("mrn", "").strip(),
        date_from=sane_date_or_none(get.get("from", "")),
        date_to=sane_date_or_none(get.get("to", "")),
    )
    page = audit_page(actor, flt, get)
    audit_search_record(actor, flt, results=page.total, shown=page.rows)
    return render(
        request,
        "pages/audit_trail.html",
        {"listing": page, "filter": flt, "actions": AuditAction.choices},
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    refused = machine_error(request, 403, str(exception or "") or "You may not do this.")
    if refused is not None:
        return refused
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


__all__ = ["dashboard", "clinic_switch", "audit_trail", "permission_denied", "healthz", "messages"]


@clinic_page
def patient_chart_view(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.PATIENT_VIEW)
    chart = patient_chart(actor, patient)
    outcomes = outcomes_card(actor, patient)  # empty for a role that sees no scores
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
            # the report's baseline: the last score before the current course's first infusion
            "assessments": patient_assessments(
                actor, patient, course_start=card_course_start(outcomes)
            ),
            "outcomes_card": outcomes,
            "may": {
                "edit_demographics": actor.may(Action.PATIENT_EDIT_DEMOGRAPHICS),
                "edit_history": actor.may(Action.CLINICAL_HISTORY_EDIT),
                "record_screen": actor.may(Action.CONTRAINDICATION_SCREEN_RECORD),
                "sign_eligibility": actor.may(Action.ELIGIBILITY_SIGN),
            },
        },
    )
