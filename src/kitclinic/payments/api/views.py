"""Payments API: a patient's entries and packages, recording a payment, refunds and voids, and a
day's takings. One class per operation over the same access functions and services as the web."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import worklist_record
from kitclinic.infusions.models import InfusionSession
from kitclinic.lib.api.base import ErrorOut, api_schema, validated
from kitclinic.patients.access import access_patient
from kitclinic.payments import reports
from kitclinic.payments.access import access_payment
from kitclinic.payments.api import serializers as s
from kitclinic.payments.selectors import package_balances, payments_for_patient
from kitclinic.payments.services import ledger

TAG = "payments"
_PAYMENT_404 = {404: OpenApiResponse(ErrorOut, description="No such payment in your organization.")}


class PaymentListApi(ApiView):
    @api_schema(
        operation_id="v1_patient_payments_list",
        tag=TAG,
        summary="A patient's payments, refunds and voids, oldest first",
        patient=True,
        responses={200: s.PaymentOut(many=True)},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.PAYMENT_VIEW)
        return Response(s.PaymentOut(payments_for_patient(patient.pk), many=True).data)


class PaymentRecordApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Record a payment at the acting clinic (a session's or on account)",
        patient=True,
        request=s.PaymentIn,
        responses={201: s.PaymentOut, 400: ErrorOut},
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.PAYMENT_RECORD)
        data = validated(s.PaymentIn, request.data)
        session = None
        if data["session"] is not None:
            session = InfusionSession.objects.filter(
                pk=data["session"], patient=patient, clinic=actor.clinic
            ).first()
            if session is None:
                raise ValidationError({"session": ["No such session of this patient here."]})
        payment = ledger.payment_record(
            actor=actor, patient=patient, **{**data, "session": session}
        )
        return Response(s.PaymentOut(payment).data, status=status.HTTP_201_CREATED)


class PaymentRefundRecordApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Refund a payment (clinic admin; at most what it still has, with a reason)",
        request=s.RefundIn,
        responses={201: s.PaymentOut, 400: ErrorOut, **_PAYMENT_404},
    )
    def post(self, request: Request, payment_id: int) -> Response:
        actor, payment = access_payment(self.actor(request), payment_id, Action.PAYMENT_REFUND)
        data = validated(s.RefundIn, request.data)
        refund = ledger.payment_refund(actor=actor, payment=payment, **data)
        return Response(s.PaymentOut(refund).data, status=status.HTTP_201_CREATED)


class PaymentVoidRecordApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Void a payment recorded in error (clinic admin; reversed in full)",
        request=s.VoidIn,
        responses={201: s.PaymentOut, 400: ErrorOut, **_PAYMENT_404},
    )
    def post(self, request: Request, payment_id: int) -> Response:
        actor, payment = access_payment(self.actor(request), payment_id, Action.PAYMENT_REFUND)
        data = validated(s.VoidIn, request.data)
        void = ledger.payment_void(actor=actor, payment=payment, reason=data["reason"])
        return Response(s.PaymentOut(void).data, status=status.HTTP_201_CREATED)


class PackageBalanceListApi(ApiView):
    @api_schema(
        operation_id="v1_patient_packages_list",
        tag=TAG,
        summary="A patient's prepaid packages: sessions bought, used and remaining",
        patient=True,
        responses={200: s.PackageBalanceOut(many=True)},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        actor = self.actor(request)
        patient = access_patient(actor, patient_id, Action.PAYMENT_VIEW)
        return Response(s.PackageBalanceOut(package_balances(patient.pk), many=True).data)


class TakingsRetrieveApi(ApiView):
    @api_schema(
        operation_id="v1_payments_takings_retrieve",
        tag=TAG,
        summary="The acting clinic's takings of one day (clinic time): entries and totals",
        parameters=[s.TakingsIn],
        responses={200: s.TakingsOut, 400: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.TAKINGS_REPORT)
        data = validated(s.TakingsIn, request.query_params.dict())
        report = reports.takings(actor, data["day"])
        worklist_record(actor, what="takings", patient_ids=[e.patient_id for e in report.entries])
        return Response(s.TakingsOut(report).data)
