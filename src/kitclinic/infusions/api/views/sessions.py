"""Session endpoints: the session record and every step (check-in, order, double check, pump
events, vitals, scores, adverse events, discharge, sign-off, addenda), and the ways out before
the start (cancel, no-show, an order sent back or withdrawn)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.roles import Action
from kitclinic.infusions.access import access_session
from kitclinic.infusions.api import serializers as s
from kitclinic.infusions.api.views.common import (
    IDEMPOTENCY_HEADER,
    NOT_FOUND,
    SESSION_ERRORS,
    TAG_SESSION,
    InfusionApiView,
    created_response,
    session_state_out,
    validated,
)
from kitclinic.infusions.models import CheckIn
from kitclinic.infusions.selectors.session import session_detail
from kitclinic.infusions.selectors.summary import session_summary
from kitclinic.infusions.services import orders, scheduling
from kitclinic.infusions.services.corrections import check_in_correct
from kitclinic.infusions.services.infusion import observations, pump, stop
from kitclinic.infusions.services.overrides import cosigner_from_id
from kitclinic.infusions.services.sessions.check_in import CheckInData, session_check_in
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.signoff import addendum_write, session_sign
from kitclinic.infusions.states import SessionState, Step, StepOutOfOrder, allowed
from kitclinic.lib.api.base import api_schema
from kitclinic.substances.access import access_lot
from kitclinic.substances.selectors import eligible_witnesses


class SessionDetailApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="A session with its record, vitals schedule and timeline (audited read)",
        responses={200: s.SessionDetailOut, **NOT_FOUND},
    )
    def get(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.PATIENT_VIEW)
        actor = actor.at_clinic(session.clinic_id)
        return Response(s.SessionDetailOut(session_detail(actor, session)).data)


class CheckInApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Check the patient in",
        description="Confirmations; the patient's recorded consent to the indication's current "
        "information sheet (400 on `consent` without one: a new sheet version asks for consent "
        "again); today's measured weight in kg, judged against the last accepted weight and the "
        "median of the recent ones (a change above the protocol's limit: re-weigh, then "
        "`override_reasons` {code: reason} and a `cosigner`, the second clinician's user id; "
        "such a weight is not a reference for later weights); pregnancy status where relevant; "
        "baseline vitals gated by the protocol and the pre-infusion rating.",
        request=s.CheckInIn,
        responses={201: s.CheckInOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.SESSION_CHECK_IN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.CheckInIn, request.data)
        cosigner = cosigner_from_id(session.clinic, data.pop("cosigner"))
        check_in = session_check_in(
            actor=actor, session=session, data=CheckInData(**data, cosigner=cosigner)
        )
        return created_response(s.CheckInOut(check_in).data)


class CheckInCorrectApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Correct the check-in before the order (nurse, physician)",
        description="A correction, not an edit: the check-in stays as recorded and the "
        "correction (the corrected `weight_kg` and/or `pregnancy_status`, the `reason`, who and "
        "when) is added beside it; the order is checked against the latest correction. A "
        "corrected weight is judged like a check-in weight (soft findings: `override_reasons` "
        "and `cosigner`). Only while checked in (409 once ordered).",
        request=s.CheckInCorrectionIn,
        responses={201: s.CheckInCorrectionOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.SESSION_CHECK_IN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.CheckInCorrectionIn, request.data)
        correction = check_in_correct(
            actor=actor,
            session=session,
            reason=data["reason"],
            weight_kg=data["weight_kg"],
            pregnancy_status=data["pregnancy_status"],
            override_reasons=data["override_reasons"],
            cosigner=cosigner_from_id(session.clinic, data["cosigner"]),
        )
        return created_response(s.CheckInCorrectionOut(correction).data)


class OrderPreviewApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Check a proposed order without placing it (writes nothing)",
        description="The dose check's findings against the active library (hard: refused; "
        "soft: needs a reason) and the PK preview (predicted plasma and effect-site curve and "
        "peaks, Domino model); `pk` is null when a hard finding refuses the dose.",
        request=s.OrderPreviewIn,
        responses={200: s.OrderPreviewOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_PLACE)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.OrderPreviewIn, request.data)
        if not allowed(Step.ORDER, session.state):
            raise StepOutOfOrder(Step.ORDER, SessionState(session.state))
        check_in = CheckIn.objects.get(session=session)
        preview = orders.order_preview(session=session, check_in=check_in, **data)
        return Response(s.OrderPreviewOut(preview).data)


class OrderPlaceApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Place the order (physician)",
        description="Hard findings refuse it (400 on `dose`, `duration_min` or "
        "`concentration_mg_per_ml`); each soft finding, including each failure of the check-in "
        "gate (`gate_<code>`), needs a reason in `override_reasons` (400 on `override_<code>` "
        "otherwise); a second clinician co-signs them at the double check.",
        request=s.OrderIn,
        responses={201: s.OrderOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_PLACE)
        actor = actor.at_clinic(session.clinic_id)
        order = orders.order_place(
            actor=actor, session=session, **validated(s.OrderIn, request.data)
        )
        return created_response(s.OrderOut(order).data)


class DoubleCheckApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Independent double check by a second clinician (not the orderer)",
        description="The pump's rate and VTBI read back must equal the order's; soft-limit "
        "overrides must be co-signed.",
        request=s.DoubleCheckIn,
        responses={201: s.DoubleCheckOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_DOUBLE_CHECK)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.DoubleCheckIn, request.data)
        check = orders.order_double_check(actor=actor, session=session, **data)
        return created_response(s.DoubleCheckOut(check).data)


class StartApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Start the infusion at the ordered rate (after the double check)",
        description="With `lot`, the controlled-substance draw of the ordered amount is logged "
        "against that lot (a dispense to this session) in the same transaction; a lot of "
        "another clinic is a 404, an expired or short lot a 400 on `lot`.",
        request=s.StartIn,
        responses={201: s.EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        lot_id = validated(s.StartIn, request.data)["lot"]
        lot = access_lot(actor, lot_id, Action.SUBSTANCE_DISPENSE) if lot_id else None
        event = pump.infusion_start(actor=actor, session=session, lot=lot)
        return created_response(s.EventOut(event).data)


class PauseApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Pause the infusion (with a reason)",
        request=s.ReasonIn,
        responses={201: s.EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.ReasonIn, request.data)
        event = pump.infusion_pause(actor=actor, session=session, **data)
        return created_response(s.EventOut(event).data)


class ResumeApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Resume a paused infusion at the last rate",
        request=s.ResumeIn,
        responses={201: s.EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.ResumeIn, request.data)
        event = pump.infusion_resume(actor=actor, session=session, **data)
        return created_response(s.EventOut(event).data)


class RateChangeApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Change the pump rate (under the one soft-limit rule)",
        description="The new rate is checked against the protocol's rate limits and the total "
        "infusion time it implies (time run so far + the order's VTBI left at the new rate) "
        "against its duration limits; the pump never gives more than ordered. A hard finding, "
        "or the ordered volume already in, is a 400 on `rate_ml_per_h`; each soft finding needs "
        "a reason in `override_reasons` (400 on `override_<code>`) and a second clinician's "
        "user id in `cosigner`. The findings, overrides and plan are in the event's `detail`.",
        request=s.RateChangeIn,
        responses={201: s.EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.RateChangeIn, request.data)
        cosigner = cosigner_from_id(session.clinic, data.pop("cosigner"))
        event = pump.infusion_rate_change(actor=actor, session=session, cosigner=cosigner, **data)
        return created_response(s.EventOut(event).data)


class StopApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Stop the infusion; recovery begins",
        description="What the pump delivered (replayed from its events) is stored on the stop "
        "event (`detail`: delivered and ordered mL and mg, `complete`, `stop_reason`) and the "
        "session. When the ordered dose is not in, `stop_reason` and `reason` are required "
        "(400 naming them and the amounts). With `waste_witness` after a draw logged at the "
        "start, what was drawn but not given is recorded as witnessed waste in the same "
        "transaction; otherwise it must be wasted (`waste/`) before sign-off.",
        request=s.StopIn,
        responses={201: s.EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.StopIn, request.data)
        witness = None
        if data["waste_witness"] is not None:
            witness = eligible_witnesses(actor.clinic).filter(pk=data["waste_witness"]).first()
            if witness is None:  # unknown ids get the same answer as users without a role here
                raise ValidationError(
                    {"waste_witness": ["The witness must be a physician or nurse of this clinic."]}
                )
        event = stop.infusion_stop(
            actor=actor,
            session=session,
            reason=data["reason"],
            stop_reason=data["stop_reason"],
            waste_witness=witness,
        )
        return created_response(s.EventOut(event).data)


class VitalsRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record one slot's vitals (monitor integrations: send an Idempotency-Key)",
        description="201 when recorded, 200 with the stored reading when the same key was "
        "already used for the same reading (a retry). 409 when the slot was already recorded "
        '("already recorded by X at HH:MM"; nothing is overwritten) or the key was used for '
        "another reading. Threshold alerts are in `alerts`.",
        parameters=[IDEMPOTENCY_HEADER],
        request=s.VitalsIn,
        responses={201: s.VitalOut, 200: s.VitalOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        # vitals_record locks and re-reads the session with what it needs
        session = access_session(actor, session_id, Action.INFUSION_RUN, related=())
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.VitalsIn, request.data)
        header = request.headers.get("Idempotency-Key", "").strip()
        body_key = data.pop("idempotency_key").strip()
        if header and body_key and header != body_key:
            raise ValidationError(
                {"idempotency_key": ["Differs from the Idempotency-Key header; send one key."]}
            )
        key = header or body_key
        if len(key) > 64:
            raise ValidationError({"idempotency_key": ["At most 64 characters."]})
        reading, created = observations.vitals_record(
            actor=actor, session=session, idempotency_key=key or None, **data
        )
        return Response(
            s.VitalOut(reading).data, status=status.HTTP_201_CREATED if created else 200
        )


class ScoreRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record a dissociation (CADSS), sedation (MOAA/S) or post-infusion score",
        request=s.ScoreIn,
        responses={201: s.ScoreOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        score = observations.score_record(
            actor=actor, session=session, **validated(s.ScoreIn, request.data)
        )
        return created_response(s.ScoreOut(score).data)


class AdverseEventRecordApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record an adverse event",
        request=s.AdverseEventIn,
        responses={201: s.AdverseEventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.INFUSION_RUN)
        actor = actor.at_clinic(session.clinic_id)
        event = observations.adverse_event_record(
            actor=actor, session=session, **validated(s.AdverseEventIn, request.data)
        )
        return created_response(s.AdverseEventOut(event).data)


class DischargeApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Discharge after recovery",
        description="Criteria: modified Aldrete ≥ 9 with SpO2 > 92%, escort present, "
        "instructions given, and the protocol's minimum observation time since the infusion "
        "ended. Each criterion not met is a soft finding: only a physician may discharge, with "
        "a reason per finding in `override_reasons` (400 on `override_<code>`: "
        "discharge_aldrete_not_met, discharge_no_escort, discharge_no_instructions, "
        "discharge_observation_short) and a second clinician's user id in `cosigner`.",
        request=s.DischargeIn,
        responses={201: s.DischargeOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.DISCHARGE)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.DischargeIn, request.data)
        cosigner = cosigner_from_id(session.clinic, data.pop("cosigner"))
        discharge = session_discharge(actor=actor, session=session, cosigner=cosigner, **data)
        return created_response(s.DischargeOut(discharge).data)


class WasteApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Waste what was drawn for the session but not given (witnessed)",
        description="After the stop and before sign-off: the remainder (drawn − delivered − "
        "already wasted) is booked back against the draw and wasted in front of `witness` "
        "(a physician or nurse of the clinic, not the caller). 400 when nothing is left to "
        "waste or the witness is not eligible.",
        request=s.RemainderWasteIn,
        responses={201: s.EventOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.SUBSTANCE_DISPENSE)
        actor = actor.at_clinic(session.clinic_id)
        witness_id = validated(s.RemainderWasteIn, request.data)["witness"]
        witness = eligible_witnesses(actor.clinic).filter(pk=witness_id).first()
        if witness is None:
            raise ValidationError(
                {"witness": ["The witness must be a physician or nurse of this clinic."]}
            )
        event = stop.remainder_waste(actor=actor, session=session, witness=witness)
        return created_response(s.EventOut(event).data)


class SummaryApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="The sign-off summary (audited read)",
        description="Ordered against delivered dose (mg, mg/kg, mL), running time, the stop "
        "reason, peak blood-pressure rise over the baseline, highest CADSS, adverse events, the "
        "drug drawn and wasted, and what is outstanding (the sign-off is refused while "
        "`outstanding_mg` > 0).",
        responses={200: s.SessionSummaryOut, **NOT_FOUND},
    )
    def get(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.PATIENT_VIEW)
        actor = actor.at_clinic(session.clinic_id)
        return Response(s.SessionSummaryOut(session_summary(actor, session)).data)


class SignApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Sign the session (physician); it becomes immutable",
        request=s.EmptyIn,
        responses={200: s.SessionStateOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.SESSION_SIGN)
        actor = actor.at_clinic(session.clinic_id)
        validated(s.EmptyIn, request.data)
        session = session_sign(actor=actor, session=session)
        return Response(session_state_out(session))


class AddendumWriteApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Write an addendum to a signed session",
        request=s.AddendumIn,
        responses={201: s.AddendumOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ADDENDUM_WRITE)
        actor = actor.at_clinic(session.clinic_id)
        addendum = addendum_write(
            actor=actor, session=session, **validated(s.AddendumIn, request.data)
        )
        return created_response(s.AddendumOut(addendum).data)


class SessionCancelApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Cancel a scheduled or checked-in session, with the reason",
        description="Frees the chair and the patient's time; the session is kept as cancelled "
        "(no number in the course, no infusion given) and the course's later sessions move up "
        "one number. A checked-in session is cancelled by a nurse or physician (`session."
        "check_in`), a scheduled one by anyone who books (`appointment.book`).",
        request=s.ReasonIn,
        responses={200: s.AppointmentOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.APPOINTMENT_BOOK)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.ReasonIn, request.data)
        appointment = scheduling.appointment_cancel(
            actor=actor, appointment=session.appointment, reason=data["reason"]
        )
        return Response(s.AppointmentOut(appointment).data)


class NoShowApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Record that the patient did not come (a scheduled session, from its start time)",
        description="The session becomes a no-show (counted apart from cancels), the chair and "
        "the patient's time are free and the course's later sessions move up one number. "
        "Before the appointment's start it is refused (400): cancel instead.",
        request=s.NoShowIn,
        responses={200: s.AppointmentOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.APPOINTMENT_BOOK)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.NoShowIn, request.data)
        appointment = scheduling.session_no_show(actor=actor, session=session, note=data["note"])
        return Response(s.AppointmentOut(appointment).data)


class OrderSendBackApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Send the order back to the physician from the double check, with the reason",
        description="By the clinician doing the double check (not the orderer, who withdraws "
        "instead): the session goes back to checked in, the order is kept in the record as "
        "sent back (`returned_orders`) and a new order can be placed.",
        request=s.ReasonIn,
        responses={201: s.ReturnedOrderOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_DOUBLE_CHECK)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.ReasonIn, request.data)
        returned = orders.order_send_back(actor=actor, session=session, reason=data["reason"])
        return created_response(s.ReturnedOrderOut(returned).data)


class OrderWithdrawApi(InfusionApiView):
    @api_schema(
        tag=TAG_SESSION,
        summary="Withdraw the order before the infusion starts (physician), with the reason",
        description="From ordered or double-checked: the session goes back to checked in, a "
        "double check already done is voided, the order is kept in the record as withdrawn "
        "(`returned_orders`) and a new order can be placed.",
        request=s.ReasonIn,
        responses={201: s.ReturnedOrderOut, **SESSION_ERRORS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        actor = self.actor(request)
        session = access_session(actor, session_id, Action.ORDER_PLACE)
        actor = actor.at_clinic(session.clinic_id)
        data = validated(s.ReasonIn, request.data)
        returned = orders.order_withdraw(actor=actor, session=session, reason=data["reason"])
        return created_response(s.ReturnedOrderOut(returned).data)
