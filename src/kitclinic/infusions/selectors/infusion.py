"""What the rate-change and stop pages show: the pump now (delivered so far, the current rate),
the findings and plan of a rate typed in, whether a stop now is complete, and who may witness the
waste of what was drawn."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.dosing import Finding
from kitclinic.dosing.pump import Delivery
from kitclinic.infusions.delivery import session_delivery, stop_is_complete
from kitclinic.infusions.models import InfusionOrder, InfusionSession, SessionEvent
from kitclinic.infusions.services.infusion.events import current_rate_ml_per_h
from kitclinic.infusions.services.infusion.pump import parse_rate, rate_change_review
from kitclinic.infusions.services.overrides import cosigner_choices
from kitclinic.infusions.states import Step, allowed
from kitclinic.substances.models import EntryKind, SubstanceLogEntry
from kitclinic.substances.selectors import eligible_witnesses


def _order(session: InfusionSession) -> InfusionOrder | None:
    return InfusionOrder.objects.filter(session=session).select_related("library_version").first()


@dataclass(frozen=True)
class RateChangeOverview:
    order: InfusionOrder | None
    step_allowed: bool
    cosigners: list[tuple[str, str]]
    delivery: Delivery | None
    current_rate_ml_per_h: Decimal | None
    # the typed rate's findings (every check, ok ones included) and the plan it implies
    findings: list[Finding] = field(default_factory=list)
    plan: dict[str, Any] = field(default_factory=dict)

    @property
    def soft_codes(self) -> list[str]:
        return [x.code for x in self.findings if x.severity == "soft"]


def rate_change_overview(
    actor: Actor, session: InfusionSession, *, rate: str | None, now: dt.datetime
) -> RateChangeOverview:
    """The rate-change page of ``session`` at ``now``; a ``rate`` typed in (mL/h) is reviewed
    while the rate may change (writes nothing)."""
    order = _order(session)
    events = list(SessionEvent.objects.filter(session=session))
    step_allowed = order is not None and allowed(Step.RATE_CHANGE, session.state)
    findings: list[Finding] = []
    plan: dict[str, Any] = {}
    if order is not None and step_allowed and rate:
        try:
            new_rate = parse_rate(rate)
        except ValidationError:
            pass  # the form and the service name what is wrong with it
        else:
            findings, plan = rate_change_review(order, events, new_rate, now)
    return RateChangeOverview(
        order=order,
        step_allowed=step_allowed,
        cosigners=cosigner_choices(session.clinic, actor),
        delivery=session_delivery(order, events, now) if order else None,
        current_rate_ml_per_h=current_rate_ml_per_h(session, order) if order else None,
        findings=findings,
        plan=plan,
    )


@dataclass(frozen=True)
class StopOverview:
    order: InfusionOrder | None
    step_allowed: bool
    # a draw was logged at the start: what was not given must be wasted, witnessed
    drawn: bool
    # who may witness the waste now (none unless something was drawn and the user dispenses)
    witnesses: list[User]
    delivery: Delivery | None
    # a stop now delivers the ordered dose (None without an order)
    complete: bool | None


def stop_overview(actor: Actor, session: InfusionSession, *, now: dt.datetime) -> StopOverview:
    """The stop page of ``session`` at ``now``."""
    order = _order(session)
    drawn = SubstanceLogEntry.objects.filter(session=session, kind=EntryKind.DISPENSE).exists()
    witnesses = (
        list(eligible_witnesses(actor.clinic, exclude=actor.user))
        if drawn and actor.may(Action.SUBSTANCE_DISPENSE)
        else []
    )
    delivery = None
    complete = None
    if order is not None:
        delivery = session_delivery(order, SessionEvent.objects.filter(session=session), now)
        complete = stop_is_complete(delivery.delivered_ml, order.volume_ml)
    return StopOverview(
        order=order,
        step_allowed=allowed(Step.STOP, session.state),
        drawn=drawn,
        witnesses=witnesses,
        delivery=delivery,
        complete=complete,
    )


def witness_named(actor: Actor, witness_id: str | int | None) -> User | None:
    """The physician or nurse of the acting clinic a form names as witness (None: nobody or
    nobody eligible)."""
    if not witness_id:
        return None
    return eligible_witnesses(actor.clinic).filter(pk=witness_id).first()
