"""Billing API: the fee schedule (list, publish), a patient's Good Faith Estimates (list, issue,
record the signature) and superbills (list, issue). One class per operation over the same access
functions and services as the pages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.roles import Action
from kitclinic.billing.access import access_estimate
from kitclinic.billing.api import serializers as s
from kitclinic.billing.selectors import estimates_of, schedules_of, superbills_of
from kitclinic.billing.services import estimates, setup, superbills
from kitclinic.lib.api.base import ErrorOut, api_schema, validated
from kitclinic.patients.access import access_patient

TAG = "billing"


class FeeScheduleListApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Every version of the acting clinic's fee schedule, newest first",
        responses={200: s.FeeScheduleOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.FEE_SCHEDULE_VIEW)
        return Response(s.FeeScheduleOut(schedules_of(actor.clinic.pk), many=True).data)


class FeeScheduleCreateApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Publish a new fee schedule version (in force from its date, today or later)",
        request=s.FeeScheduleIn,
        responses={201: s.FeeScheduleOut, 400: ErrorOut},
    )
    def post(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.BILLING_SETUP)
        data = validated(s.FeeScheduleIn, request.data)
        schedule = setup.fee_schedule_publish(actor=actor, **data)
        schedule = schedules_of(actor.clinic.pk).get(pk=schedule.pk)
        return Response(s.FeeScheduleOut(schedule).data, status=status.HTTP_201_CREATED)


class EstimateListApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="A patient's Good Faith Estimates, newest first",
        patient=True,
        responses={200: s.EstimateOut(many=True)},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.BILLING_VIEW)
        return Response(s.EstimateOut(estimates_of(actor, patient), many=True).data)


class EstimateIssueApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Issue a Good Faith Estimate (supersedes the patient's previous one)",
        patient=True,
        request=s.EstimateIn,
        responses={201: s.EstimateOut, 400: ErrorOut},
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.BILLING_ISSUE)
        data = dict(validated(s.EstimateIn, request.data))
        data["provider_id"] = data.pop("provider")
        estimate = estimates.estimate_issue(actor=actor, patient=patient, **data)
        return Response(s.EstimateOut(estimate).data, status=status.HTTP_201_CREATED)


class EstimateSignApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Record that the patient signed the printed estimate (once)",
        request=s.SignatureIn,
        responses={
            200: s.EstimateOut,
            400: ErrorOut,
            404: OpenApiResponse(ErrorOut, description="No such estimate in your organization."),
        },
    )
    def post(self, request: Request, estimate_id: int) -> Response:
        actor = self.actor(request)
        estimate = access_estimate(actor, estimate_id, Action.BILLING_ISSUE)
        data = validated(s.SignatureIn, request.data)
        estimate = estimates.estimate_signature_record(
            actor=actor.at_clinic(estimate.clinic_id), estimate=estimate, **data
        )
        return Response(s.EstimateOut(estimate).data)


class SuperbillListApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="A patient's superbills, newest first",
        patient=True,
        responses={200: s.SuperbillOut(many=True)},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.BILLING_VIEW)
        return Response(s.SuperbillOut(superbills_of(actor, patient), many=True).data)


class SuperbillIssueApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Issue a superbill of the patient's signed sessions in a period",
        patient=True,
        request=s.SuperbillIn,
        responses={201: s.SuperbillOut, 400: ErrorOut},
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.BILLING_ISSUE)
        data = validated(s.SuperbillIn, request.data)
        superbill = superbills.superbill_issue(actor=actor, patient=patient, **data)
        return Response(s.SuperbillOut(superbill).data, status=status.HTTP_201_CREATED)
