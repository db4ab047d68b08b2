"""The reads behind the FHIR REST door: one resource by the id the export wrote, a search, and a
patient's ``$everything``. Every resource comes from the export (``interop/export.py``) through
the mapping, never built a second way; every read is noted for the audit trail as the API notes
its reads (``kitclinic.audit.reads``: a view event per patient read, a search event per search).

Queries: a Patient search is two (the count and the page) whatever the page size; a search of a
patient's records, a read and ``$everything`` are the export of one patient (a fixed number)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from fhir.resources.R4B.resource import Resource

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Organization
from kitclinic.assessments.models import Assessment
from kitclinic.audit.reads import search_record
from kitclinic.infusions.models import CheckIn, Discharge, InfusionSession, SessionScore, VitalSign
from kitclinic.interop import codes, rest
from kitclinic.interop.access import access_fhir_patient, fhir_patient_scope
from kitclinic.interop.export import patient_everything, patient_resources
from kitclinic.outcomes.models import LabResult
from kitclinic.patients.models import Diagnosis, Patient
from kitclinic.patients.selectors import PATIENT_LIST

# The table each id kind of the export names a row of, and the path from the row to its patient.
_ROWS: dict[str, tuple[type[Model], str]] = {
    "cond": (Diagnosis, "patient_id"),
    "rating": (Assessment, "patient_id"),
    "session-rating": (SessionScore, "session__patient_id"),
    "aldrete": (Discharge, "session__patient_id"),
    "vitals": (VitalSign, "session__patient_id"),
    "weight": (CheckIn, "session__patient_id"),
    "lab": (LabResult, "patient_id"),
    "ma": (InfusionSession, "patient_id"),
    "enc": (InfusionSession, "patient_id"),
}


@dataclass(frozen=True)
class SearchPage:
    resources: list[Resource]
    total: int


def _organization(actor: Actor) -> Organization:
    return actor.clinic.organization


def _not_found(resource_type: str, resource_id: str) -> Http404:
    return Http404(f"No {resource_type} with id {resource_id!r} here.")


def fhir_read(actor: Actor, resource_type: str, resource_id: str) -> Resource:
    """The resource ``resource_type/resource_id`` as the export writes it; 404 when the id is
    not one the export writes for the type, or its patient is not the actor's to read."""
    fhir_patient_scope(actor)  # a role that may read no patient is refused before any lookup
    key = rest.parse_id(resource_type, resource_id)
    if key is None:
        raise _not_found(resource_type, resource_id)
    if key.kind == "p":
        patient_pk: int | None = key.pk
    else:
        model, path = _ROWS[key.kind]
        patient_pk = model._default_manager.filter(pk=key.pk).values_list(path, flat=True).first()
    if patient_pk is None:
        raise _not_found(resource_type, resource_id)
    try:
        patient = access_fhir_patient(
            actor, patient_pk, detail=f"FHIR read {resource_type}/{resource_id}"
        )
    except Http404:
        raise _not_found(resource_type, resource_id) from None
    org = _organization(actor)
    if key.kind == "p":
        return patient_resources(org, [patient])[0]
    for resource in patient_everything(org, patient):
        if resource.get_resource_type() == resource_type and resource.id == resource_id:
            return resource
    # a row the export writes nothing for (a session whose pump never started has no
    # MedicationAdministration)
    raise _not_found(resource_type, resource_id)


def fhir_everything(actor: Actor, patient_pk: int) -> list[Resource]:
    """``Patient/p-<pk>/$everything``: what ``kitclinic fhir export --mrn`` writes for them."""
    patient = access_fhir_patient(actor, patient_pk, detail="FHIR Patient $everything")
    return patient_everything(_organization(actor), patient)


def _patients(actor: Actor, search: rest.Search) -> QuerySet[Patient]:
    qs = fhir_patient_scope(actor)
    if search.identifier is not None:
        system = search.identifier.system
        if system is not None and system != codes.mrn_system(_organization(actor).slug):
            return qs.none()
        qs = qs.filter(mrn=search.identifier.code)
    if search.name is not None:
        qs = qs.filter(
            Q(family_name_key__contains=search.name) | Q(given_name_key__contains=search.name)
        )
    for bound in search.birthdate:
        lookup = {"eq": "date_of_birth", "ge": "date_of_birth__gte", "le": "date_of_birth__lte"}
        qs = qs.filter(**{lookup[bound.prefix]: bound.date})
    return qs.order_by(*PATIENT_LIST.ordering("name"))


def _patient_search(actor: Actor, search: rest.Search) -> SearchPage:
    qs = _patients(actor, search)
    total = qs.count()
    page = list(qs[search.offset : search.offset + search.count]) if total > search.offset else []
    search_record(
        actor,
        what="fhir Patient",
        fields=search.fields,
        results=total,
        patient_ids=[p.pk for p in page],
    )
    return SearchPage(patient_resources(_organization(actor), page), total)


def _records_search(actor: Actor, search: rest.Search) -> SearchPage:
    if search.patient_pk is None:  # rest.parse_search requires it
        raise ValueError("a search of a patient's records names the patient")
    patient = fhir_patient_scope(actor).filter(pk=search.patient_pk).first()
    if patient is None:
        # FHIR's answer to a reference that matches nothing: no results (never a 403 or a 404
        # that would tell another clinic's patient from no patient)
        return SearchPage([], 0)
    matches = [
        r
        for r in patient_everything(_organization(actor), patient)
        if r.get_resource_type() == search.resource_type
        and (search.resource_type != "Observation" or rest.observation_matches(search, r))
    ]
    search_record(
        actor,
        what=f"fhir {search.resource_type}",
        fields=search.fields,
        results=len(matches),
        patient_ids=[patient.pk],
        patient_id=patient.pk,
    )
    return SearchPage(matches[search.offset : search.offset + search.count], len(matches))


def fhir_search(actor: Actor, search: rest.Search) -> SearchPage:
    """One page of a search and the number of matches in all, in a stable order (Patient: by
    name, then id; a patient's records: in the export's order), audited as one search event."""
    if search.resource_type == "Patient":
        return _patient_search(actor, search)
    return _records_search(actor, search)
