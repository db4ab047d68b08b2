"""The order: its preview, placing it, the independent double check, and the ways it goes back
before the start (sent back at the double check, withdrawn by a physician)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_session
from kitclinic.infusions.api.serializers.records import (
    DoubleCheckOut,
    OrderOut,
    ReturnedOrderOut,
)
from kitclinic.infusions.api.serializers.steps import (
    DoubleCheckIn,
    OrderIn,
    OrderPreviewIn,
    OrderPreviewOut,
    ReasonIn,
)
from kitclinic.infusions.api.views.common import (
    SESSION_ERRORS,
    TAG_SESSION,
    InfusionApiView,
    created_response,
)
from kitclinic.infusions.selectors.order import proposed_order_preview
from kitclinic.infusions.services import orders
from kitclinic.lib.api.base import api_schema, validated


class OrderPreviewApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Check a proposed order without placing it (writes nothing)",
        description="The dose check's findings against the active library (hard: refused; "
        "soft: needs a reason) and the PK preview (predicted plasma and effect-site curve and "
        "peaks, Domino model); `pk` is null when a hard finding refuses the dose.",
        request=OrderPreviewIn,
        responses={200: OrderPreviewOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_PLACE)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(OrderPreviewIn, request.data)
        preview = proposed_order_preview(session, **data)
        return Response(OrderPreviewOut(preview).data)


class OrderPlaceApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Place the order (physician)",
        description="Hard findings refuse it (400 on `dose`, `duration_min` or "
        "`concentration_mg_per_ml`); each soft finding, including each failure of the check-in "
        "gate (`gate_<code>`), needs a reason in `override_reasons` (400 on `override_<code>` "
        "otherwise); a second clinician co-signs them at the double check.",
        request=OrderIn,
        responses={201: OrderOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_PLACE)
        actor = actor.at_clinic(session.clinic_id)
        order = orders.order_place(actor=actor, session=session, **validated(OrderIn, request.data))
        return created_response(OrderOut(order).data)


class OrderDoubleCheckApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Independent double check by a second clinician (not the orderer)",
        description="The pump's rate and VTBI read back must equal the order's; soft-limit "
        "overrides must be co-signed.",
        request=DoubleCheckIn,
        responses={201: DoubleCheckOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_DOUBLE_CHECK)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(DoubleCheckIn, request.data)
        check = orders.order_double_check(actor=actor, session=session, **data)
        return created_response(DoubleCheckOut(check).data)


class OrderSendBackApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Send the order back to the physician from the double check, with the reason",
        description="By the clinician doing the double check (not the orderer, who withdraws "
        "instead): the session goes back to checked in, the order is kept in the record as "
        "sent back (`returned_orders`) and a new order can be placed.",
        request=ReasonIn,
        responses={201: ReturnedOrderOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_DOUBLE_CHECK)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(ReasonIn, request.data)
        returned = orders.order_send_back(actor=actor, session=session, reason=data["reason"])
        return created_response(ReturnedOrderOut(returned).data)


class OrderWithdrawApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Withdraw the order before the infusion starts (physician), with the reason",
        description="From ordered or double-checked: the session goes back to checked in, a "
        "double check already done is voided, the order is kept in the record as withdrawn "
        "(`returned_orders`) and a new order can be placed.",
        request=ReasonIn,
        responses={201: ReturnedOrderOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_PLACE)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(ReasonIn, request.data)
        returned = orders.order_withdraw(actor=actor, session=session, reason=data["reason"])
        return created_response(ReturnedOrderOut(returned).data)
