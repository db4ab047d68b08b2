"""Patients: search and list, register, the chart, demographics and the current episode."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.roles import Action
from kitclinic.lib.api.base import LIMIT_PARAMETERS, ApiPagination, api_schema, paginated, validated
from kitclinic.lib.listing import api_sort
from kitclinic.patients import services
from kitclinic.patients.access import access_patient
from kitclinic.patients.api import serializers as s
from kitclinic.patients.selectors import (
    PATIENT_LIST,
    patient_chart,
    patient_matches,
    patient_search_record,
)

PaginatedPatientSummaryOut = paginated(s.PatientSummaryOut)


class PatientListApi(ApiView):
    @api_schema(
        operation_id="v1_patients_list",
        tag="patients",
        summary="List or search the organization's patients",
        description="`q`: a date of birth (YYYY-MM-DD or MM/DD/YYYY), an MRN, or the start of the "
        "family and/or given name. A search with `q` is audited as one search event (the fields "
        "searched, the number of matches and the patients returned), the list without `q` as one "
        "worklist view naming the patients returned; opening a chart is a view.",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Search text."),
            OpenApiParameter(
                "sort",
                OpenApiTypes.STR,
                enum=[k for key in PATIENT_LIST.sort_keys for k in (key, f"-{key}")],
                description="Order of the list (default `name`; `-` reverses; ties by id).",
            ),
            *LIMIT_PARAMETERS,
        ],
        responses={200: PaginatedPatientSummaryOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        query = request.query_params.get("q", "")
        sort = api_sort(PATIENT_LIST, request.query_params.get("sort"))
        patients = patient_matches(actor, query).order_by(*PATIENT_LIST.ordering(sort))
        paginator = ApiPagination()
        page = paginator.paginate_queryset(patients, request, view=self)
        patient_search_record(actor, query, results=paginator.total, shown=page or [])
        return paginator.get_paginated_response(s.PatientSummaryOut(page, many=True).data)


_DUPLICATE_RESPONSE = OpenApiResponse(
    s.LikelyDuplicateOut,
    description="The person looks like a patient already registered (same name and date of "
    "birth, same phone or same e-mail): `candidates` lists them; nothing was written. Send the "
    "request again with `confirm_not_duplicate: true` if this is a different person.",
)


def _likely_duplicate(exc: services.LikelyDuplicateError) -> Response:
    body = {
        "detail": "This may be a patient already registered.",
        "errors": exc.message_dict,
        "candidates": s.DuplicateCandidateOut(exc.candidates, many=True).data,
    }
    return Response(body, status=status.HTTP_409_CONFLICT)


class PatientCreateApi(ApiView):
    @api_schema(
        tag="patients",
        summary="Register a patient",
        description="A likely duplicate person is refused with 409 and the candidates unless "
        "`confirm_not_duplicate` is true.",
        request=s.DemographicsIn,
        responses={201: s.PatientOut, 409: _DUPLICATE_RESPONSE},
    )
    def post(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.PATIENT_REGISTER)
        data = validated(s.DemographicsIn, request.data)
        confirm = data.pop("confirm_not_duplicate", False)
        try:
            patient = services.patient_register(
                actor=actor, data=services.Demographics(**data), confirm_not_duplicate=confirm
            )
        except services.LikelyDuplicateError as exc:
            return _likely_duplicate(exc)
        return Response(s.PatientOut(patient).data, status=status.HTTP_201_CREATED)


class PatientRetrieveApi(ApiView):
    @api_schema(
        tag="patients",
        summary="A patient's chart",
        description="Demographics, diagnoses, trials, staging, the latest screen and the "
        "eligibility decisions. A role without `clinical.view` (the front desk) gets the "
        "demographics only, with empty lists and no staging. Every read is recorded in the "
        "audit trail.",
        responses={200: s.PatientChartOut},
        patient=True,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.PATIENT_VIEW)
        chart = patient_chart(actor, patient)
        prefetch_related_objects([*chart.diagnoses, *chart.trials], "recorded_by")
        return Response(s.PatientChartOut(chart).data)


def _update_demographics(
    view: ApiView, request: Request, patient_id: int, *, partial: bool
) -> Response:
    actor = view.actor(request)
    patient = access_patient(actor, patient_id, Action.PATIENT_EDIT_DEMOGRAPHICS)
    data = validated(s.DemographicsIn, request.data, partial=partial)
    confirm = data.pop("confirm_not_duplicate", False)
    # A partial update sends only what changes (DRF applies no defaults then); the rest is kept.
    current = {name: getattr(patient, name) for name in services.DEMOGRAPHIC_FIELDS}
    demographics = services.Demographics(**{**current, **data})
    try:
        patient = services.patient_update_demographics(
            actor=actor, patient=patient, data=demographics, confirm_not_duplicate=confirm
        )
    except services.LikelyDuplicateError as exc:
        return _likely_duplicate(exc)
    return Response(s.PatientOut(patient).data)


class PatientUpdateApi(ApiView):
    @api_schema(
        tag="patients",
        summary="Replace a patient's demographics",
        request=s.DemographicsIn,
        responses={200: s.PatientOut, 409: _DUPLICATE_RESPONSE},
        patient=True,
    )
    def put(self, request: Request, patient_id: int) -> Response:
        return _update_demographics(self, request, patient_id, partial=False)


class PatientPartialUpdateApi(ApiView):
    @api_schema(
        tag="patients",
        summary="Change some of a patient's demographics",
        request=s.DemographicsIn,
        responses={200: s.PatientOut, 409: _DUPLICATE_RESPONSE},
        patient=True,
    )
    def patch(self, request: Request, patient_id: int) -> Response:
        return _update_demographics(self, request, patient_id, partial=True)


class EpisodeUpdateApi(ApiView):
    @api_schema(
        tag="patients",
        summary="Set the current depressive episode (onset, baseline severity)",
        request=s.EpisodeIn,
        responses={200: s.PatientOut},
        patient=True,
    )
    def put(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_HISTORY_EDIT)
        data = validated(s.EpisodeIn, request.data)
        patient = services.episode_update(
            actor=actor,
            patient=patient,
            onset_date=data["episode_onset_date"],
            severity=data["episode_severity"],
        )
        return Response(s.PatientOut(patient).data)
