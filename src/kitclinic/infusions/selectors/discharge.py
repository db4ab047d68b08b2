"""What the discharge page shows: the criteria the answers given would not meet now, and whether
the user may answer them (a physician, naming a co-signer)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.dosing import Finding
from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.services.nasal import nasal_discharge_refusal
from kitclinic.infusions.services.overrides import cosigner_choices
from kitclinic.infusions.services.sessions.discharge import discharge_preview
from kitclinic.infusions.services.sessions.protocol import order_protocol
from kitclinic.infusions.states import Step, allowed


@dataclass(frozen=True)
class DischargeOverview:
    findings: list[Finding]
    may_override: bool
    # who may co-sign an override (None: no override is asked for)
    cosigners: list[tuple[str, str]] | None
    # why a nasal-spray session may not be discharged yet, with the time it may ("" otherwise)
    refusal: str = ""

    @property
    def soft_codes(self) -> list[str]:
        """The criteria a physician answers with a reason each (none unless they may)."""
        return [x.code for x in self.findings] if self.cosigners is not None else []


def discharge_overview(
    actor: Actor,
    session: InfusionSession,
    *,
    aldrete_answers: Sequence[int] | None = None,
    escort_present: bool = True,
    instructions_given: bool = True,
) -> DischargeOverview:
    """The discharge criteria not met now by the answers given (before any answer: the modified
    Aldrete left out, escort and instructions taken as given), while the session may be
    discharged."""
    findings: list[Finding] = []
    refusal = ""
    protocol = order_protocol(session)
    if protocol.nasal is not None and allowed(Step.DISCHARGE, session.state):
        refusal = nasal_discharge_refusal(session, protocol, timezone.now())
    if allowed(Step.DISCHARGE, session.state):
        findings = discharge_preview(
            session,
            aldrete_answers=aldrete_answers,
            escort_present=escort_present,
            instructions_given=instructions_given,
        )
    may_override = actor.may(Action.DISCHARGE_OVERRIDE)
    # a criterion not met: a physician answers each finding and names the co-signer
    cosigners = cosigner_choices(session.clinic, actor) if findings and may_override else None
    return DischargeOverview(
        findings=findings, may_override=may_override, cosigners=cosigners, refusal=refusal
    )
