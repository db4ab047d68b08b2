"""The esketamine REMS API: enrolments (list, create, end), Patient Monitoring Forms (list, read,
mark submitted) and the period report. One class per operation over the same access functions and
services as the pages."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.lib.api.base import ErrorOut, api_schema, validated
from kitclinic.patients.access import access_patient
from kitclinic.rems import services
from kitclinic.rems.access import access_form, access_patient_enrolment, access_prescriber_enrolment
from kitclinic.rems.api import serializers as s
from kitclinic.rems.reports import rems_report
from kitclinic.rems.selectors import (
    form_row,
    form_rows,
    patient_enrolments,
    prescriber_enrolments,
)
from kitclinic.rems.services import clinic_today

TAG = "esketamine REMS"
_404 = {404: OpenApiResponse(ErrorOut, description="No such record in your organization.")}


class PrescriberEnrolmentListApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="The acting clinic's REMS prescriber enrolments",
        responses={200: s.PrescriberEnrolmentOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        return Response(s.PrescriberEnrolmentOut(prescriber_enrolments(actor), many=True).data)


class PrescriberEnrolmentCreateApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Enrol a physician of the acting clinic as an esketamine prescriber",
        request=s.PrescriberEnrolIn,
        responses={201: s.PrescriberEnrolmentOut},
    )
    def post(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.REMS_ENROL)
        data = validated(s.PrescriberEnrolIn, request.data)
        # Unknown ids get the same answer as users who are no physician here (no user probing).
        prescriber = User.objects.filter(pk=data.pop("prescriber")).first()
        enrolment = services.prescriber_enrol(actor=actor, prescriber=prescriber, **data)
        return Response(s.PrescriberEnrolmentOut(enrolment).data, status=status.HTTP_201_CREATED)


class PrescriberEnrolmentRevokeApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="End a prescriber's REMS enrolment",
        request=s.EnrolmentEndIn,
        responses={200: s.PrescriberEnrolmentOut, **_404},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        actor = self.actor(request)
        enrolment = access_prescriber_enrolment(actor, enrolment_id, Action.REMS_ENROL)
        data = validated(s.EnrolmentEndIn, request.data)
        ended = services.enrolment_end(actor=actor, enrolment=enrolment, **data)
        return Response(s.PrescriberEnrolmentOut(ended).data)


class PatientEnrolmentListApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="The acting clinic's REMS patient enrolments",
        responses={200: s.PatientEnrolmentOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        return Response(s.PatientEnrolmentOut(patient_enrolments(actor), many=True).data)


class PatientEnrolmentCreateApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Enrol a patient in the esketamine REMS at the acting clinic",
        request=s.PatientEnrolIn,
        responses={201: s.PatientEnrolmentOut},
    )
    def post(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.REMS_ENROL)
        data = validated(s.PatientEnrolIn, request.data)
        try:
            patient = access_patient(actor, data.pop("patient"), Action.REMS_ENROL)
        except Http404:
            # a field of the body, not the address: bad input, named
            raise ValidationError({"patient": ["No such patient in your organization."]}) from None
        enrolment = services.patient_enrol(actor=actor, patient=patient, **data)
        return Response(s.PatientEnrolmentOut(enrolment).data, status=status.HTTP_201_CREATED)


class PatientEnrolmentRevokeApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="End a patient's REMS enrolment",
        request=s.EnrolmentEndIn,
        responses={200: s.PatientEnrolmentOut, **_404},
        patient=True,
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        actor = self.actor(request)
        enrolment = access_patient_enrolment(actor, enrolment_id, Action.REMS_ENROL)
        data = validated(s.EnrolmentEndIn, request.data)
        ended = services.enrolment_end(actor=actor, enrolment=enrolment, **data)
        return Response(s.PatientEnrolmentOut(ended).data)


class FormListApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="The acting clinic's Patient Monitoring Forms",
        description="`show`: attention (overdue and due soon, the default), open, submitted, all.",
        parameters=[s.FormFilterIn],
        responses={200: s.FormOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        show = validated(s.FormFilterIn, request.query_params.dict())["show"]
        return Response(s.FormOut(form_rows(actor, show), many=True).data)


class FormRetrieveApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="One Patient Monitoring Form with the session record it holds",
        responses={200: s.FormDetailOut, **_404},
        patient=True,
    )
    def get(self, request: Request, form_id: int) -> Response:
        actor = self.actor(request)
        form = access_form(actor, form_id, Action.REMS_VIEW)
        return Response(s.FormDetailOut(form_row(form, clinic_today(form.clinic))).data)


class FormSubmissionRecordApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Mark a Patient Monitoring Form submitted to the REMS",
        description="Once per form; the date not after today nor before the session.",
        request=s.SubmissionIn,
        responses={200: s.FormDetailOut, **_404},
        patient=True,
    )
    def post(self, request: Request, form_id: int) -> Response:
        actor = self.actor(request)
        form = access_form(actor, form_id, Action.REMS_FORM_SUBMIT)
        data = validated(s.SubmissionIn, request.data)
        form = services.monitoring_form_mark_submitted(actor=actor, form=form, **data)
        return Response(s.FormDetailOut(form_row(form, clinic_today(form.clinic))).data)


class ReportRetrieveApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="The acting clinic's REMS report for a period of session dates",
        parameters=[s.ReportIn],
        responses={200: s.ReportOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        data = validated(s.ReportIn, request.query_params.dict())
        return Response(s.ReportOut(rems_report(actor, **data)).data)
