"""The physician's sign-off (the record becomes immutable) and addenda to a signed session."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.dosing.units import format_number
from kitclinic.infusions.delivery import remainder_outstanding_mg
from kitclinic.infusions.models import Addendum, InfusionSession
from kitclinic.infusions.services._common import begin_step, field_error, move
from kitclinic.infusions.services.rems_form import monitoring_form_make
from kitclinic.infusions.states import Step

# What the apps above this one do when a session is signed, in the sign-off's transaction (the
# payments app draws a unit of the patient's prepaid package). They register at start-up
# (their AppConfig.ready): this app may not import them.
SignedListener = Callable[[Actor, InfusionSession], None]
_signed_listeners: list[SignedListener] = []


def on_session_signed(listener: SignedListener) -> None:
    """Call ``listener(actor, session)`` in the transaction of every sign-off (registered once)."""
    if listener not in _signed_listeners:
        _signed_listeners.append(listener)


@transaction.atomic
def session_sign(*, actor: Actor, session: InfusionSession) -> InfusionSession:
    """The physician's sign-off; the session and everything under it become immutable. Refused
    while a drug amount drawn for the session but not given has not been wasted (witnessed)."""
    actor = actor.require_at(session.clinic_id, Action.SESSION_SIGN)
    session, to = begin_step(session, Step.SIGN)
    outstanding = remainder_outstanding_mg(session)
    if outstanding > 0:
        raise ValidationError(
            f"{format_number(outstanding)} mg drawn for this session was not given and has not "
            "been wasted: waste the remainder with a witness before signing.",
            code="remainder_not_wasted",
        )
    move(
        actor=actor,
        session=session,
        to=to,
        extra_fields={"signed_by": actor.user, "signed_at": timezone.now()},
    )
    # an esketamine session's REMS Patient Monitoring Form, from the record just signed
    monitoring_form_make(actor=actor, session=session)
    for listener in _signed_listeners:
        listener(actor, session)
    return session


@transaction.atomic
def addendum_write(*, actor: Actor, session: InfusionSession, text: str) -> Addendum:
    actor = actor.require_at(session.clinic_id, Action.ADDENDUM_WRITE)
    session, _ = begin_step(session, Step.ADDENDUM)
    if not text.strip():
        raise field_error("text", "Write the addendum's text.")
    addendum = Addendum.objects.create(
        session=session, author=actor.user, written_at=timezone.now(), text=text.strip()
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=addendum,
        patient=session.patient,
        changes={"text": [None, addendum.text[:200]]},
    )
    return addendum
