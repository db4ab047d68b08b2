"""Fetching REMS records for an actor: another organization's (or a missing) record is a 404, a
role that may not act a 403 at the record's own clinic. Reads of a patient's record are noted
for the audit trail."""

from __future__ import annotations

from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_note
from kitclinic.rems.models import MonitoringForm, PatientEnrolment, PrescriberEnrolment


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def access_form(actor: Actor, form_id: int | str, action: Action) -> MonitoringForm:
    try:
        form = MonitoringForm.objects.select_related("patient", "submitted_by", "clinic").get(
            pk=_pk(form_id), clinic__organization_id=actor.organization_id
        )
    except MonitoringForm.DoesNotExist:
        raise Http404("No such Patient Monitoring Form.") from None
    actor.require_at(form.clinic_id, action)
    read_note(actor, form.patient_id, form)
    return form


def access_prescriber_enrolment(
    actor: Actor, enrolment_id: int | str, action: Action
) -> PrescriberEnrolment:
    try:
        enrolment = PrescriberEnrolment.objects.select_related("prescriber").get(
            pk=_pk(enrolment_id), clinic__organization_id=actor.organization_id
        )
    except PrescriberEnrolment.DoesNotExist:
        raise Http404("No such prescriber enrolment.") from None
    actor.require_at(enrolment.clinic_id, action)
    return enrolment


def access_patient_enrolment(
    actor: Actor, enrolment_id: int | str, action: Action
) -> PatientEnrolment:
    try:
        enrolment = PatientEnrolment.objects.select_related("patient").get(
            pk=_pk(enrolment_id), clinic__organization_id=actor.organization_id
        )
    except PatientEnrolment.DoesNotExist:
        raise Http404("No such patient enrolment.") from None
    actor.require_at(enrolment.clinic_id, action)
    read_note(actor, enrolment.patient_id, enrolment)
    return enrolment
