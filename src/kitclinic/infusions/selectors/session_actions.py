"""What the session page may offer the acting user now: each step its state allows and the user's
role permits, what the session waits for otherwise, and the pump as the page describes it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.infusions.delivery import remainder_outstanding_mg
from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.selectors.session import SessionDetail
from kitclinic.infusions.services.draw import KIND_DRUG
from kitclinic.infusions.services.scheduling import cancel_action
from kitclinic.infusions.states import (
    SessionState,
    Step,
    allowed,
    pump_status,
    step_allowed_for_kind,
    waiting_text,
    withdrawal_voids_double_check,
)
from kitclinic.substances.selectors import LotBalance, lot_balances

# Each button of the page: the step it takes and the permission it needs (cancel's depends on
# the state: scheduling.cancel_action).
STEP_ACTIONS: dict[Step, Action] = {
    Step.CHECK_IN: Action.SESSION_CHECK_IN,
    Step.CORRECT_CHECK_IN: Action.SESSION_CHECK_IN,
    Step.ORDER: Action.ORDER_PLACE,
    Step.DOUBLE_CHECK: Action.ORDER_DOUBLE_CHECK,
    Step.START: Action.INFUSION_RUN,
    Step.PAUSE: Action.INFUSION_RUN,
    Step.RESUME: Action.INFUSION_RUN,
    Step.RATE_CHANGE: Action.INFUSION_RUN,
    Step.STOP: Action.INFUSION_RUN,
    Step.VITALS: Action.INFUSION_RUN,
    Step.SCORE: Action.INFUSION_RUN,
    Step.ADVERSE_EVENT: Action.INFUSION_RUN,
    Step.DISCHARGE: Action.DISCHARGE,
    Step.SIGN: Action.SESSION_SIGN,
    Step.ADDENDUM: Action.ADDENDUM_WRITE,
    Step.NO_SHOW: Action.APPOINTMENT_BOOK,
    Step.WITHDRAW: Action.ORDER_PLACE,
    Step.WASTE: Action.SUBSTANCE_DISPENSE,
    Step.NASAL_ORDER: Action.ORDER_PLACE,
    Step.PREDOSE_BP: Action.INFUSION_RUN,
    Step.DEVICE: Action.INFUSION_RUN,
    Step.POST_DOSE_BP: Action.INFUSION_RUN,
}


@dataclass(frozen=True)
class SessionActions:
    # step value -> whether the page offers it (the state allows it, the role permits it)
    can: dict[str, bool]
    # what the session waits for when the user may not take the next step ("" otherwise)
    waiting: str
    # the order is someone else's, so this user may double-check it
    double_check_is_theirs: bool
    # the lots the start may draw from (only when the user may start and dispense)
    lots: list[LotBalance]
    # drawn, not given, not wasted: to be wasted before sign-off (0 unless the user may waste)
    outstanding_mg: Decimal
    withdrawal_voids_double_check: bool
    # the pump: its rate while it runs, else its status in words
    pump_rate_ml_per_h: Decimal | None
    pump_status: str

    @property
    def controls_pump(self) -> bool:
        return any(self.can[s] for s in ("pause", "resume", "stop", "rate_change"))

    @property
    def asks_pump_reason(self) -> bool:
        return self.can["pause"] or self.can["resume"]


def session_actions(actor: Actor, detail: SessionDetail, now: dt.datetime) -> SessionActions:
    """The session page's offers to ``actor`` (acting at the session's clinic) at ``now``."""
    session = detail.session
    state = SessionState(session.state)

    kind = session.course.kind

    def may(step: Step) -> bool:
        action = cancel_action(state) if step is Step.CANCEL else STEP_ACTIONS[step]
        return allowed(step, state) and step_allowed_for_kind(step, kind) and actor.may(action)

    can = {step.value: may(step) for step in (*STEP_ACTIONS, Step.CANCEL)}
    nasal = detail.nasal
    if nasal is not None:
        # one reading before dosing; a raised one is answered by a physician (the order's role)
        can[Step.PREDOSE_BP.value] = can[Step.PREDOSE_BP.value] and nasal.predose is None
        can["predose_override"] = (
            allowed(Step.PREDOSE_BP, state)
            and nasal.predose_waits_for_physician
            and actor.may(Action.ORDER_PLACE)
        )
        can[Step.DEVICE.value] = (
            can[Step.DEVICE.value]
            and nasal.predose is not None
            and not nasal.predose_waits_for_physician
        )
        can[Step.POST_DOSE_BP.value] = can[Step.POST_DOSE_BP.value] and nasal.post_dose is None
    # a no-show is recorded only once the appointment has begun
    can[Step.NO_SHOW.value] = can[Step.NO_SHOW.value] and session.appointment.starts_at <= now
    dispenses = actor.may(Action.SUBSTANCE_DISPENSE)
    # the start logs the draw from a lot; an early stop wastes the remainder, witnessed
    draws = (allowed(Step.START, state) or allowed(Step.DEVICE, state)) and can.get(
        Step.START.value if nasal is None else Step.DEVICE.value, False
    )
    drug = KIND_DRUG[kind]
    lots = (
        [
            b
            for b in lot_balances(actor)
            if not b.expired and b.balance_mg > 0 and b.lot.drug == drug
        ]
        if draws and dispenses
        else []
    )
    outstanding = (
        remainder_outstanding_mg(session)
        if allowed(Step.WASTE, state) and dispenses
        else Decimal(0)
    )
    status = pump_status(state, started=session.started_at is not None)
    return SessionActions(
        can=can,
        waiting=waiting_text(state, lambda step: can[step.value]),
        double_check_is_theirs=(
            detail.order is not None and detail.order.ordered_by_id != actor.user.pk
        ),
        lots=lots,
        outstanding_mg=outstanding,
        withdrawal_voids_double_check=withdrawal_voids_double_check(state),
        pump_rate_ml_per_h=detail.current_rate_ml_per_h if not status else None,
        pump_status=status,
    )


@dataclass(frozen=True)
class AppointmentView:
    """The session page of a role without Action.CLINICAL_VIEW (the front desk): the
    appointment and its ways out, nothing of the clinical record."""

    session: InfusionSession
    can_cancel: bool
    can_no_show: bool


def appointment_view(actor: Actor, session: InfusionSession, now: dt.datetime) -> AppointmentView:
    """The appointment behind ``session`` and whether ``actor`` (at the session's clinic) may
    cancel it or record a no-show at ``now`` (one query)."""
    actor = actor.require_at(session.clinic_id, Action.PATIENT_VIEW)
    session = InfusionSession.objects.select_related(
        "patient", "course", "appointment", "appointment__chair", "appointment__status_changed_by"
    ).get(pk=session.pk)
    state = SessionState(session.state)
    return AppointmentView(
        session=session,
        can_cancel=allowed(Step.CANCEL, state) and actor.may(cancel_action(state)),
        can_no_show=(
            allowed(Step.NO_SHOW, state)
            and actor.may(STEP_ACTIONS[Step.NO_SHOW])
            and session.appointment.starts_at <= now
        ),
    )
