"""Fetching patient data for an actor: another organization's patient is a 404, a role that may
not do the action is a 403. Views and API handlers get patients only through these functions, which also note the read for
the audit trail (kitclinic.audit.reads)."""

from __future__ import annotations

from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_note
from kitclinic.patients.models import Patient


def access_patient(actor: Actor, patient_id: int | str, action: Action) -> Patient:
    try:
        patient = Patient.objects.select_related("home_clinic").get(
            pk=int(patient_id), organization_id=actor.organization_id
        )
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient.") from None
    actor.require(action)
    read_note(actor, patient.pk, patient)
    return patient
