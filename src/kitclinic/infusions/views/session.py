"""The session page: the record so far and the steps the acting user may take now."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_session
from kitclinic.infusions.delivery import remainder_outstanding_mg
from kitclinic.infusions.selectors.session import session_detail
from kitclinic.infusions.services import scheduling
from kitclinic.infusions.states import Step, allowed
from kitclinic.substances.selectors import lot_balances


@clinic_page
def session_page(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    # session_detail re-reads the session with everything the page needs; no joins here
    session = access_session(actor, session_id, Action.PATIENT_VIEW, related=())
    actor = actor.at_clinic(session.clinic_id)
    detail = session_detail(actor, session)
    state = detail.session.state
    slot_choices = [s.minute for s in detail.slots if s.reading is None and s.minute > 0]
    vitals_form = f.VitalsForm(
        slots=slot_choices,
        initial={"slot_minute": detail.next_slot.minute if detail.next_slot else None},
    )

    def can(step: Step, action: Action) -> bool:
        return allowed(step, state) and actor.may(action)

    return render(
        request,
        "infusions/session.html",
        {
            "d": detail,
            "session": detail.session,
            "patient": detail.patient,
            "vitals_form": vitals_form,
            "score_form": f.ScoreForm(),
            "chart_json": detail.chart,
            "now": timezone.now(),
            "can": {
                "check_in": can(Step.CHECK_IN, Action.SESSION_CHECK_IN),
                "correct_check_in": can(Step.CORRECT_CHECK_IN, Action.SESSION_CHECK_IN),
                "order": can(Step.ORDER, Action.ORDER_PLACE),
                "double_check": can(Step.DOUBLE_CHECK, Action.ORDER_DOUBLE_CHECK),
                "start": can(Step.START, Action.INFUSION_RUN),
                "pause": can(Step.PAUSE, Action.INFUSION_RUN),
                "resume": can(Step.RESUME, Action.INFUSION_RUN),
                "rate_change": can(Step.RATE_CHANGE, Action.INFUSION_RUN),
                "stop": can(Step.STOP, Action.INFUSION_RUN),
                "vitals": can(Step.VITALS, Action.INFUSION_RUN),
                "score": can(Step.SCORE, Action.INFUSION_RUN),
                "adverse_event": can(Step.ADVERSE_EVENT, Action.INFUSION_RUN),
                "discharge": can(Step.DISCHARGE, Action.DISCHARGE),
                "sign": can(Step.SIGN, Action.SESSION_SIGN),
                "addendum": can(Step.ADDENDUM, Action.ADDENDUM_WRITE),
                "cancel": can(Step.CANCEL, scheduling.cancel_action(state)),
                "no_show": can(Step.NO_SHOW, Action.APPOINTMENT_BOOK)
                and detail.session.appointment.starts_at <= timezone.now(),
                "withdraw": can(Step.WITHDRAW, Action.ORDER_PLACE),
                "waste": can(Step.WASTE, Action.SUBSTANCE_DISPENSE),
            },
            "withdraw_form": f.ReturnOrderForm(),
            "no_show_form": f.NoShowForm(),
            # the start logs the draw from a lot; an early stop wastes the remainder, witnessed
            "lots": (
                [b for b in lot_balances(actor) if not b.expired and b.balance_mg > 0]
                if allowed(Step.START, state) and actor.may(Action.SUBSTANCE_DISPENSE)
                else []
            ),
            # drawn, not given, not wasted: to be wasted before sign-off
            "outstanding_mg": (
                remainder_outstanding_mg(detail.session)
                if allowed(Step.WASTE, state) and actor.may(Action.SUBSTANCE_DISPENSE)
                else 0
            ),
            "is_mine_to_check": (
                detail.order is not None and detail.order.ordered_by_id != actor.user.pk
            ),
        },
    )
