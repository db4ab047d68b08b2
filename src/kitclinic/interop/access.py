"""Fetching a patient for the FHIR REST door: the organization's patients whose home clinic is one
where the user holds a role that may read clinical records (``clinical.view``). A user with no
such role anywhere is refused (403) before any patient is looked up; a patient outside that scope
(another clinic's, another organization's, or none) is a 404, so a refusal never tells that a
patient exists. Reads are noted for the audit trail (kitclinic.audit.reads)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import ACTION_DESCRIPTIONS, Action
from kitclinic.audit.reads import read_note
from kitclinic.patients.models import Patient


def fhir_patient_scope(actor: Actor) -> QuerySet[Patient]:
    """The patients the actor may read through FHIR; PermissionDenied when none could be."""
    clinics = actor.clinic_ids_where(Action.CLINICAL_VIEW)
    if not clinics:
        raise PermissionDenied(
            f"Your role ({actor.role.label}) may not use the FHIR API: it needs a role that may "
            f"{ACTION_DESCRIPTIONS[Action.CLINICAL_VIEW][0].lower()}"
            f"{ACTION_DESCRIPTIONS[Action.CLINICAL_VIEW][1:]}."
        )
    return Patient.objects.filter(organization_id=actor.organization_id, home_clinic_id__in=clinics)


def fhir_reader(actor: Actor, patient: Patient) -> Actor:
    """The actor with the role that lets them read ``patient`` (at the patient's home clinic):
    the role the audit trail records."""
    return actor.at_clinic(patient.home_clinic_id)


def access_fhir_patient(actor: Actor, patient_pk: int, *, detail: str) -> Patient:
    """The patient ``patient_pk`` in the actor's FHIR scope (404 otherwise), its read noted."""
    try:
        patient = fhir_patient_scope(actor).get(pk=patient_pk)
    except Patient.DoesNotExist:
        raise Http404("No such Patient.") from None
    read_note(fhir_reader(actor, patient), patient.pk, patient, detail)
    return patient
