"""Server-rendered pages: dashboard, clinic switch, audit trail. Patient pages: patient_views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import ACTIVE_CLINIC_SESSION_KEY, Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.reads import worklist_record
from kitclinic.audit.selectors import AuditFilter, audit_events_for, audit_search_record
from kitclinic.bounds import sane_date_or_none
from kitclinic.patients.selectors import dashboard_summary
from kitclinic.web.decorators import clinic_page
from kitclinic.web.errors import api_error, is_api
from kitclinic.web.health import healthz  # answered by HealthCheckMiddleware; named for reverse()


@clinic_page
def dashboard(request: HttpRequest, actor: Actor) -> HttpResponse:
    summary = dashboard_summary(actor)
    worklist_record(actor, what="dashboard", patient_ids=summary.patient_ids())
    return render(request, "web/dashboard.html", {"summary": summary})


@require_POST
@login_required
def keepalive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in" on the idle warning: a person's request, so kitclinic.web.idle renews the
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
    page = Paginator(audit_events_for(actor, flt), 50).get_page(get.get("page"))
    audit_search_record(actor, flt, results=page.paginator.count, shown=page.object_list)
    query = get.copy()
    query.pop("page", None)
    return render(
        request,
        "web/audit_trail.html",
        {
            "page": page,
            "filter": flt,
            "actions": AuditAction.choices,
            "query": query.urlencode(),
        },
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error(403, str(exception or "") or "You may not do this.")
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


__all__ = ["dashboard", "clinic_switch", "audit_trail", "permission_denied", "healthz", "messages"]
