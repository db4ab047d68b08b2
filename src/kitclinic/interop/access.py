"""Fetching a patient for the FHIR REST door, by the same rule as every other door
(``patients.access.access_patient``): the organization's patients, for a role that may read
clinical records (``clinical.view``). A role that may not is refused (403) before any patient is
looked up; another organization's patient, or none, is a 404, so a refusal never tells that a
patient exists. Reads are noted for the audit trail (kitclinic.audit.reads)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_note
from kitclinic.patients.models import Patient


def fhir_patient_scope(actor: Actor) -> QuerySet[Patient]:
    """The patients the actor may read through FHIR; PermissionDenied for a role that may not
    read clinical records."""
    actor.require(Action.CLINICAL_VIEW)
    return Patient.objects.filter(organization_id=actor.organization_id)


def access_fhir_patient(actor: Actor, patient_pk: int, *, detail: str) -> Patient:
    """The patient ``patient_pk`` in the actor's FHIR scope (404 otherwise), its read noted."""
    try:
        patient = fhir_patient_scope(actor).get(pk=patient_pk)
    except Patient.DoesNotExist:
        raise Http404("No such Patient.") from None
    read_note(actor, patient.pk, patient, detail)
    return patient
