"""A patient's clinical history, contraindication screens and eligibility decisions, and the
contraindication catalogue. Lists of a patient's records are chart reads and are audited."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_record
from kitclinic.intake import contraindications
from kitclinic.lib.api.base import LIMIT_PARAMETERS, ApiPagination, api_schema, paginated, validated
from kitclinic.patients import services
from kitclinic.patients.access import access_patient
from kitclinic.patients.api import serializers as s
from kitclinic.patients.models import Patient

PaginatedDiagnosisOut = paginated(s.DiagnosisOut)
PaginatedTrialOut = paginated(s.TrialOut)
PaginatedScreenOut = paginated(s.ScreenOut)
PaginatedEligibilityOut = paginated(s.EligibilityOut)


def audited_page(
    view: ApiView,
    request: Request,
    actor: Actor,
    patient: Patient,
    rows: QuerySet[Any],
    out: type[serializers.Serializer[Any]],
    what: str,
) -> Response:
    paginator = ApiPagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    read_record(actor, patient.pk, patient, f"api: {what}")
    return paginator.get_paginated_response(out(page, many=True).data)


# --- diagnoses --------------------------------------------------------------------------------


class DiagnosisListApi(ApiView):
    @api_schema(
        operation_id="v1_patients_diagnoses_list",
        tag="clinical history",
        summary="A patient's diagnoses",
        parameters=LIMIT_PARAMETERS,
        responses={200: PaginatedDiagnosisOut},
        patient=True,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_VIEW)
        rows = patient.diagnoses.select_related("recorded_by")
        return audited_page(self, request, actor, patient, rows, s.DiagnosisOut, "diagnoses")


class DiagnosisCreateApi(ApiView):
    @api_schema(
        tag="clinical history",
        summary="Add a diagnosis",
        request=s.DiagnosisIn,
        responses={201: s.DiagnosisOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_HISTORY_EDIT)
        diagnosis = services.diagnosis_add(
            actor=actor, patient=patient, **validated(s.DiagnosisIn, request.data)
        )
        return Response(s.DiagnosisOut(diagnosis).data, status=status.HTTP_201_CREATED)


# --- treatment trials -------------------------------------------------------------------------


class TrialListApi(ApiView):
    @api_schema(
        operation_id="v1_patients_trials_list",
        tag="clinical history",
        summary="A patient's psychiatric treatment trials",
        parameters=LIMIT_PARAMETERS,
        responses={200: PaginatedTrialOut},
        patient=True,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_VIEW)
        rows = patient.trials.select_related("recorded_by")
        return audited_page(self, request, actor, patient, rows, s.TrialOut, "treatment trials")


class TrialCreateApi(ApiView):
    @api_schema(
        tag="clinical history",
        summary="Add a treatment trial",
        request=s.TrialIn,
        responses={201: s.TrialOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_HISTORY_EDIT)
        trial = services.trial_add(
            actor=actor, patient=patient, **validated(s.TrialIn, request.data)
        )
        return Response(s.TrialOut(trial).data, status=status.HTTP_201_CREATED)


# --- contraindication screens -----------------------------------------------------------------


class ScreenListApi(ApiView):
    @api_schema(
        operation_id="v1_patients_screens_list",
        tag="eligibility",
        summary="A patient's contraindication screens, newest first",
        parameters=LIMIT_PARAMETERS,
        responses={200: PaginatedScreenOut},
        patient=True,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_VIEW)
        rows = patient.screens.select_related("recorded_by")
        return audited_page(self, request, actor, patient, rows, s.ScreenOut, "screens")


class ScreenCreateApi(ApiView):
    @api_schema(
        tag="eligibility",
        summary="Record a complete contraindication screen",
        description="`answers` must answer every item of the catalogue "
        "(`GET /api/v1/contraindications/`) with true (present) or false (absent).",
        request=s.ScreenIn,
        responses={201: s.ScreenOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CONTRAINDICATION_SCREEN_RECORD)
        screen = services.screen_record(
            actor=actor, patient=patient, **validated(s.ScreenIn, request.data)
        )
        return Response(s.ScreenOut(screen).data, status=status.HTTP_201_CREATED)


# --- eligibility decisions --------------------------------------------------------------------


class EligibilityListApi(ApiView):
    @api_schema(
        operation_id="v1_patients_eligibility_decisions_list",
        tag="eligibility",
        summary="A patient's signed eligibility decisions, newest first",
        parameters=LIMIT_PARAMETERS,
        responses={200: PaginatedEligibilityOut},
        patient=True,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.CLINICAL_VIEW)
        rows = patient.eligibility_decisions.select_related("signed_by").order_by(
            "-signed_at", "-id"
        )
        return audited_page(
            self, request, actor, patient, rows, s.EligibilityOut, "eligibility decisions"
        )


class EligibilityCreateApi(ApiView):
    @api_schema(
        tag="eligibility",
        summary="Decide and sign eligibility (physicians)",
        description="The rules run on the latest screen, the trial history and the diagnoses "
        "on file (against the organization's qualifying ICD-10-CM code list for the indication); "
        "the physician signs an outcome. A computed not_eligible can only be signed as "
        "not_eligible; signing eligible, or another outcome than the computed one, needs a "
        "rationale. Supersedes the current decision for the same indication.",
        request=s.EligibilityIn,
        responses={201: s.EligibilityOut},
        patient=True,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.ELIGIBILITY_SIGN)
        decision = services.eligibility_decide(
            actor=actor, patient=patient, **validated(s.EligibilityIn, request.data)
        )
        return Response(s.EligibilityOut(decision).data, status=status.HTTP_201_CREATED)


# --- the catalogue ----------------------------------------------------------------------------


class ContraindicationCatalogueRetrieveApi(ApiView):
    @api_schema(
        operation_id="v1_contraindications_list",
        tag="eligibility",
        summary="The contraindication screen items (read-only)",
        responses={200: s.CatalogueOut},
    )
    def get(self, request: Request) -> Response:
        self.actor(request).require(Action.PATIENT_VIEW)
        catalogue = {
            "list_version": contraindications.DEFAULT_CONTRAINDICATION_LIST_VERSION,
            "items": [
                {
                    "code": item.code,
                    "label": item.label,
                    "default_group": item.default_group.value,
                    "source": item.source,
                }
                for item in contraindications.CATALOGUE
            ],
        }
        return Response(s.CatalogueOut(catalogue).data)
