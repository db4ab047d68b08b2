"""Esketamine nasal-spray steps (docs/esketamine.md): the fixed-dose order, the blood pressure
before dosing and a physician's answer to a raised one, each device, the blood pressure after
dosing. A step of the other treatment kind is a 400 naming the kind."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_session
from kitclinic.infusions.api.serializers.nasal import (
    NasalBloodPressureIn,
    NasalBloodPressureOut,
    NasalDeviceIn,
    NasalDeviceOut,
    NasalOrderIn,
    NasalOverrideIn,
)
from kitclinic.infusions.api.serializers.records import OrderOut
from kitclinic.infusions.api.views.common import (
    SESSION_ERRORS,
    TAG_SESSION,
    InfusionApiView,
    created_response,
)
from kitclinic.infusions.services import nasal
from kitclinic.infusions.services.overrides import cosigner_from_id
from kitclinic.lib.api.base import api_schema, validated
from kitclinic.substances.access import access_lot


class NasalOrderPlaceApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Order a fixed nasal-spray dose (physician; esketamine sessions)",
        description="The dose must be one of the protocol's fixed doses (a 400 on `dose_mg` "
        "names them); a course's first session is the starting dose. Soft findings need "
        "`override_reasons` and a `cosigner` now: no pump double check follows.",
        request=NasalOrderIn,
        responses={201: OrderOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_PLACE)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(NasalOrderIn, request.data)
        order = nasal.nasal_order_place(
            actor=actor,
            session=session,
            dose_mg=data["dose_mg"],
            override_reasons=data["override_reasons"],
            cosigner=cosigner_from_id(session.clinic, data["cosigner"])
            if data["cosigner"]
            else None,
        )
        return created_response(OrderOut(order).data)


class NasalBloodPressureRecordApi(InfusionApiView):
    before = True

    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(NasalBloodPressureIn, request.data)
        record = nasal.nasal_predose_bp_record if self.before else nasal.nasal_post_dose_bp_record
        row = record(actor=actor, session=session, **data)
        return created_response(NasalBloodPressureOut(row).data)


class NasalPredoseBpRecordApi(NasalBloodPressureRecordApi):
    before = True

    @api_schema(
        tag=TAG_SESSION,
        summary="Blood pressure before dosing (esketamine sessions)",
        description="Once, before the first device. Above the protocol's figures the reading "
        "is a soft stop (`needs_physician`): no device until a physician answers it.",
        request=NasalBloodPressureIn,
        responses={201: NasalBloodPressureOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        return super().post(request, session_id)


class NasalPostDoseBpRecordApi(NasalBloodPressureRecordApi):
    before = False

    @api_schema(
        tag=TAG_SESSION,
        summary="Blood pressure after dosing (esketamine sessions)",
        description="Due about 40 min after the last device (400 on `sbp` naming the time "
        "when earlier); the discharge needs it.",
        request=NasalBloodPressureIn,
        responses={201: NasalBloodPressureOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        return super().post(request, session_id)


class NasalPredoseOverrideRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="A physician's reason to dose despite a raised blood pressure before dosing",
        request=NasalOverrideIn,
        responses={200: NasalBloodPressureOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_PLACE)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(NasalOverrideIn, request.data)
        row = nasal.nasal_predose_override(actor=actor, session=session, reason=data["reason"])
        return Response(NasalBloodPressureOut(row).data)


class NasalDeviceRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Chart the next nasal-spray device as given now (esketamine sessions)",
        description="At least the protocol's rest after the previous device (a 400 names the "
        "time it may be given); the last device moves the session on to recovering. With "
        "`lot`, the device's mg is drawn from it.",
        request=NasalDeviceIn,
        responses={201: NasalDeviceOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        lot_id = validated(NasalDeviceIn, request.data)["lot"]
        lot = access_lot(actor, lot_id, Action.SUBSTANCE_DISPENSE) if lot_id else None
        device = nasal.nasal_device_give(actor=actor, session=session, lot=lot)
        return created_response(NasalDeviceOut(device).data)
