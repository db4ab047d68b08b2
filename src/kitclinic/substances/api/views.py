"""Controlled-substance log API: lots with balances, entries, and posting receipts, dispenses and
witnessed waste. One class per operation over the same access functions and services as the web.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.lib.api.base import ApiPagination, ErrorOut, api_schema, paginated, validated
from kitclinic.substances.access import access_lot
from kitclinic.substances.api import serializers as s
from kitclinic.substances.selectors import EntryFilter, entries_for, lot_balances
from kitclinic.substances.services import dispensing, stock
from kitclinic.substances.sessions import session_source

TAG = "controlled substances"
PaginatedEntryOut = paginated(s.EntryOut)
_LOT_404 = {404: OpenApiResponse(ErrorOut, description="No such lot at the acting clinic.")}


def _session(actor: Actor, session_id: int | None) -> models.Model | None:
    """The infusion session ``session_id`` of the acting clinic (sessions.py), or a 400."""
    if session_id is None:
        return None
    session = session_source().find(clinic_id=actor.membership.clinic_id, session_id=session_id)
    if session is None:
        raise ValidationError({"session": ["No such infusion session at this clinic."]})
    return session


class LotListApi(ApiView):
    @api_schema(
        operation_id="v1_substance_lots_list",
        tag=TAG,
        summary="The acting clinic's lots with their balances",
        description="Balances are the sum of each lot's entries. Lots with a zero balance are "
        "left out unless `include_empty=true`.",
        parameters=[
            OpenApiParameter("include_empty", OpenApiTypes.BOOL, description="Default false.")
        ],
        responses={200: s.LotOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        include_empty = request.query_params.get("include_empty", "") == "true"
        balances = lot_balances(actor, include_empty=include_empty)
        return Response(s.LotOut(balances, many=True).data)


class EntryListApi(ApiView):
    @api_schema(
        operation_id="v1_substance_entries_list",
        tag=TAG,
        summary="The acting clinic's log entries, newest first",
        parameters=[s.EntryFilterIn],
        responses={200: PaginatedEntryOut, 400: ErrorOut},
    )
    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.SUBSTANCE_LOG_VIEW)
        flt = validated(s.EntryFilterIn, request.query_params.dict())
        entries = entries_for(
            actor,
            EntryFilter(
                kind=flt.get("kind", ""),
                lot_id=flt.get("lot"),
                date_from=flt.get("date_from"),
                date_to=flt.get("date_to"),
            ),
        )
        paginator = ApiPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(s.EntryOut(page, many=True).data)


class ReceiptCreateApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Record stock received from a supplier (a new lot and its receipt)",
        request=s.ReceiptIn,
        responses={201: s.EntryOut},
    )
    def post(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.SUBSTANCE_RECEIVE)
        data = validated(s.ReceiptIn, request.data)
        entry = stock.substance_receive(actor=actor, **data)
        return Response(s.EntryOut(entry).data, status=status.HTTP_201_CREATED)


class DispenseCreateApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Record a dispense of a lot to an infusion session",
        description="Refused (400) beyond the lot's balance, from an expired lot, or for 0 mg "
        "or less.",
        request=s.DispenseIn,
        responses={201: s.EntryOut, **_LOT_404},
    )
    def post(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.SUBSTANCE_DISPENSE)
        data = validated(s.DispenseIn, request.data)
        values = dict(data)
        lot = access_lot(actor, values.pop("lot"), Action.SUBSTANCE_DISPENSE)
        actor = actor.at_clinic(lot.clinic_id)
        values["session"] = _session(actor, values.pop("session"))
        entry = dispensing.substance_dispense(actor=actor, lot=lot, **values)
        return Response(s.EntryOut(entry).data, status=status.HTTP_201_CREATED)


class WasteCreateApi(ApiView):
    @api_schema(
        tag=TAG,
        summary="Record witnessed waste of a lot",
        description="The witness is another person with an active physician or nurse role at "
        "the acting clinic.",
        request=s.WasteIn,
        responses={201: s.EntryOut, **_LOT_404},
    )
    def post(self, request: Request) -> Response:
        actor = self.actor(request)
        actor.require(Action.SUBSTANCE_DISPENSE)
        data = validated(s.WasteIn, request.data)
        values = dict(data)
        lot = access_lot(actor, values.pop("lot"), Action.SUBSTANCE_DISPENSE)
        actor = actor.at_clinic(lot.clinic_id)
        values["session"] = _session(actor, values.pop("session"))
        witness_id = values.pop("witness")
        witness = None
        if witness_id is not None:
            # Unknown ids get the same answer as users without a role here (no user probing).
            witness = User.objects.filter(pk=witness_id).first()
            if witness is None:
                raise ValidationError(
                    {"witness": ["The witness must be a physician or nurse of this clinic."]}
                )
        entry = dispensing.substance_waste(actor=actor, lot=lot, witness=witness, **values)
        return Response(s.EntryOut(entry).data, status=status.HTTP_201_CREATED)
