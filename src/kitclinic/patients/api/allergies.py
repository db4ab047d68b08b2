"""A patient's allergy list: read (audited), add, and change an entry's status."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.roles import Action
from kitclinic.lib.api.base import LIMIT_PARAMETERS, api_schema, paginated, validated
from kitclinic.patients import services
from kitclinic.patients.access import access_patient
from kitclinic.patients.api import serializers as s
from kitclinic.patients.api.intake import audited_page

PaginatedAllergyOut = paginated(s.AllergyOut)


class AllergyListApi(ApiView):
    @api_schema(
        operation_id="v1_patients_allergies_list",
        tag="clinical history",
        summary="A patient's allergies and intolerances (every status)",
        parameters=LIMIT_PARAMETERS,
        responses={200: PaginatedAllergyOut},
        patient=True,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_VIEW)
        rows = patient.allergies.select_related("recorded_by")
        return audited_page(self, request, actor, patient, rows, s.AllergyOut, "allergies")


class AllergyCreateApi(ApiView):
    @api_schema(
        tag="clinical history",
        summary="Add an allergy or intolerance",
        request=s.AllergyIn,
        responses={201: s.AllergyOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_HISTORY_EDIT)
        allergy = services.allergy_add(
            actor=actor, patient=patient, **validated(s.AllergyIn, request.data)
        )
        return Response(s.AllergyOut(allergy).data, status=status.HTTP_201_CREATED)


class AllergyStatusChangeApi(ApiView):
    @api_schema(
        tag="clinical history",
        summary="Resolve an allergy, make it inactive or active again, or mark it entered in "
        "error (final); the reason is required",
        request=s.AllergyStatusIn,
        responses={200: s.AllergyOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int, allergy_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_HISTORY_EDIT)
        allergy = get_object_or_404(patient.allergies, pk=allergy_id)
        allergy = services.allergy_status_change(
            actor=actor, allergy=allergy, **validated(s.AllergyStatusIn, request.data)
        )
        return Response(s.AllergyOut(allergy).data)
