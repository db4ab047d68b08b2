"""The session page: the record so far and the steps the acting user may take now."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_session
from kitclinic.infusions.models import ScoreKind
from kitclinic.infusions.selectors.session import session_detail
from kitclinic.infusions.selectors.session_actions import appointment_view, session_actions
from kitclinic.infusions.views.common import score_form


@clinic_page
def session_page(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    # session_detail re-reads the session with everything the page needs; no joins here
    session = access_session(actor, session_id, Action.PATIENT_VIEW, related=())
    actor = actor.at_clinic(session.clinic_id)
    now = timezone.now()
    if not actor.may(Action.CLINICAL_VIEW):
        # the front desk: the appointment and its ways out, not the clinical record
        view = appointment_view(actor, session, now)
        return render(
            request,
            "infusions/appointment.html",
            {
                "a": view,
                "session": view.session,
                "patient": view.session.patient,
                "no_show_form": f.NoShowForm(),
            },
        )
    detail = session_detail(actor, session)
    actions = session_actions(actor, detail, now)
    vitals_form = f.VitalsForm(
        slots=detail.open_slot_minutes,
        initial={"slot_minute": detail.next_slot.minute if detail.next_slot else None},
    )
    return render(
        request,
        "infusions/session.html",
        {
            "d": detail,
            "session": detail.session,
            "patient": detail.patient,
            "vitals_form": vitals_form,
            "moaas_form": score_form(detail.session, ScoreKind.MOAAS, auto_id="moaas_%s"),
            "cadss_form": score_form(detail.session, ScoreKind.CADSS, auto_id="cadss_%s"),
            "post_rating_form": score_form(
                detail.session, ScoreKind.POST_RATING, auto_id="post_%s"
            ),
            "chart_json": detail.chart,
            "now": now,
            "actions": actions,
            "can": actions.can,
            "withdraw_form": f.ReturnOrderForm(),
            "no_show_form": f.NoShowForm(),
        },
    )
