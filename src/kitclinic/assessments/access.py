"""Fetching alerts for an actor: the same rules as patients (404 across organizations, 403 for a
role that may not do the action), applied through kitclinic.patients.access."""

from __future__ import annotations

from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.assessments.models import SafetyAlert
from kitclinic.audit.reads import read_note
from kitclinic.patients.access import access_patient


def access_alert(actor: Actor, alert_id: int | str, action: Action) -> SafetyAlert:
    try:
        alert = SafetyAlert.objects.select_related("patient", "assessment", "clinic").get(
            pk=int(alert_id), patient__organization_id=actor.organization_id
        )
    except (SafetyAlert.DoesNotExist, ValueError, TypeError):
        raise Http404("No such alert.") from None
    # the role held at the alert's own clinic decides, whichever clinic is active
    at_clinic = actor.require_at(alert.clinic_id, action)
    read_note(at_clinic, alert.patient_id, alert)
    access_patient(at_clinic, alert.patient_id, action)
    return alert


def may_acknowledge_alerts(actor: Actor) -> bool:
    """May acknowledge the acting clinic's safety alerts (the queue offers the link)."""
    return actor.may(Action.ALERT_ACKNOWLEDGE)
