"""What the order page proposes and checks: the protocol's default order (or what was typed), the
dose check and PK preview of it, and the soft findings the physician must answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from kitclinic.dosing import Finding, Protocol
from kitclinic.infusions.models import CheckIn, InfusionOrder, InfusionSession
from kitclinic.infusions.services.corrections import EffectiveCheckIn, effective_check_in
from kitclinic.infusions.services.orders import OrderPreview, order_preview
from kitclinic.infusions.services.sessions.protocol import session_protocol
from kitclinic.infusions.states import Step, allowed, next_state
from kitclinic.patients.validators import age_years

# the order form's fields a proposal fills in
PROPOSAL_FIELDS = ("dose", "duration_min", "concentration_mg_per_ml")


def _plain(value: object) -> str:
    return f"{value:f}"


def order_proposal(protocol: Protocol, given: Mapping[str, str] | None) -> dict[str, str]:
    """The order the page proposes: each field as typed, else the protocol's default dose and
    duration and its first standard concentration."""
    defaults = {
        "dose": _plain(protocol.default_dose.value.normalize()),
        "duration_min": _plain(protocol.default_duration_min.value.normalize()),
        "concentration_mg_per_ml": _plain(protocol.concentrations_mg_per_ml[0].value.normalize()),
    }
    typed = given or {}
    return {name: typed.get(name) or defaults[name] for name in PROPOSAL_FIELDS}


@dataclass(frozen=True)
class OrderOverview:
    check_in: CheckIn | None
    effective: EffectiveCheckIn | None
    protocol: Protocol
    # the check-in gate's failures: soft findings of the order, a reason each
    gate_findings: list[Finding]
    proposal: dict[str, str]
    preview: OrderPreview | None
    preview_error: str
    # the findings the order form asks a reason for
    soft_codes: list[str]
    step_allowed: bool
    age_y: int
    # the form's values: the proposal and the reasons already typed
    initial: dict[str, str]


def order_overview(session: InfusionSession, given: Mapping[str, str] | None) -> OrderOverview:
    """The order page of ``session`` for the values ``given`` (the form sent, None before);
    writes nothing."""
    check_in = CheckIn.objects.filter(session=session).first()
    effective = effective_check_in(check_in) if check_in is not None else None
    protocol = session_protocol(session)
    gate_findings = effective.gate_findings() if effective is not None else []
    proposal = order_proposal(protocol, given)
    step_allowed = allowed(Step.ORDER, session.state)
    preview, preview_error = None, ""
    if check_in is not None and step_allowed:
        try:
            preview = order_preview(
                session=session,
                check_in=check_in,
                dose=proposal["dose"],
                duration_min=proposal["duration_min"],
                concentration_mg_per_ml=proposal["concentration_mg_per_ml"],
            )
        except ValidationError as exc:
            preview_error = " ".join(exc.messages)
    # the gate's findings need their reasons even when the dose check could not run
    soft_codes = preview.soft_codes if preview else [g.code for g in gate_findings]
    reasons = {k: v for k, v in (given or {}).items() if k.startswith("override_")}
    return OrderOverview(
        check_in=check_in,
        effective=effective,
        protocol=protocol,
        gate_findings=gate_findings,
        proposal=proposal,
        preview=preview,
        preview_error=preview_error,
        soft_codes=soft_codes,
        step_allowed=step_allowed,
        age_y=age_years(session.patient.date_of_birth, on=timezone.localdate()),
        initial={**proposal, **reasons},
    )


def proposed_order_preview(
    session: InfusionSession,
    *,
    dose: Decimal | str,
    duration_min: Decimal | str,
    concentration_mg_per_ml: Decimal | str,
) -> OrderPreview:
    """The dose check and PK preview of a proposed order, only while an order may be placed
    (else StepOutOfOrder); writes nothing."""
    next_state(Step.ORDER, session.state, session.course.kind)
    return order_preview(
        session=session,
        check_in=CheckIn.objects.get(session=session),
        dose=dose,
        duration_min=duration_min,
        concentration_mg_per_ml=concentration_mg_per_ml,
    )


def order_to_check(session: InfusionSession) -> InfusionOrder | None:
    """The session's order with who placed it (for the double check), if one is placed."""
    return InfusionOrder.objects.filter(session=session).select_related("ordered_by").first()
