"""Today's weight where it is entered (check-in and its correction): parsed in kg, judged against
the patient's accepted weights (``kitclinic.dosing.weights``), overridden only the one way
(``soft_limits_review``: a reason and a second clinician's co-signature, given there and then).

The accepted weights are the effective weights (a correction's, else the check-in's) of the
patient's other check-ins that are references. How many recent ones make the median and how far
back they go are clinic settings: ``KITCLINIC_WEIGHT_REFERENCE_COUNT`` and
``KITCLINIC_WEIGHT_REFERENCE_DAYS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.dosing import Protocol
from kitclinic.dosing.checker import Finding, Severity
from kitclinic.dosing.weights import WeightVerdict, weight_plausibility
from kitclinic.infusions.models import CheckIn, CheckInCorrection, InfusionSession
from kitclinic.infusions.services._common import field_error
from kitclinic.infusions.services.overrides import soft_limits_review

# the findings of a weight are shown on the weight field when hard (refused)
WEIGHT_FIELDS = {"weight": "weight_kg", "weight_change": "weight_kg"}


def parse_weight_kg(value: object) -> Decimal:
    """A measured weight in kg (> 0, at most 0.01 kg); a ValidationError on ``weight_kg``."""
    try:
        weight = Decimal(str(value).strip())
    except InvalidOperation:
        raise field_error(
            "weight_kg", f"Give the weight in kg as a number (got {value!r})."
        ) from None
    if not weight.is_finite() or weight <= 0:
        raise field_error("weight_kg", "Give the measured weight in kg (above 0).")
    if weight != weight.quantize(Decimal("0.01")):
        raise field_error("weight_kg", "Give the weight to at most 0.01 kg.")
    return weight.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class WeightHistory:
    """The patient's weights other check-ins give, newest first."""

    last_kg: Decimal | None  # the last accepted weight
    recent_kg: tuple[Decimal, ...]  # accepted, within the window, at most the count
    unconfirmed_kg: Decimal | None  # the previous visit's weight if it is not a reference


def _effective(check_in: CheckIn) -> tuple[Decimal, bool]:
    corrections = list(check_in.corrections.all())
    if corrections:
        last = corrections[-1]
        return last.weight_kg, last.weight_is_reference
    return check_in.weight_kg, check_in.weight_is_reference


def weight_history(session: InfusionSession, now: dt.datetime | None = None) -> WeightHistory:
    """The accepted weights of the patient's check-ins other than ``session``'s (two queries)."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.KITCLINIC_WEIGHT_REFERENCE_DAYS)
    count = settings.KITCLINIC_WEIGHT_REFERENCE_COUNT
    rows = (
        CheckIn.objects.filter(session__patient_id=session.patient_id, checked_in_at__lte=now)
        .exclude(session_id=session.pk)
        .only("id", "checked_in_at", "weight_kg", "weight_is_reference")
        .prefetch_related(
            Prefetch(
                "corrections",
                queryset=CheckInCorrection.objects.only(
                    "id", "check_in_id", "corrected_at", "weight_kg", "weight_is_reference"
                ).order_by("corrected_at", "id"),
            )
        )
        .order_by("-checked_in_at", "-id")
    )
    last = None
    recent: list[Decimal] = []
    unconfirmed = None
    for index, row in enumerate(rows):
        weight, is_reference = _effective(row)
        if not is_reference:
            if index == 0:
                unconfirmed = weight
            continue
        if last is None:
            last = weight
        if row.checked_in_at < since or len(recent) >= count:
            break  # newest first: the last accepted weight is already known
        recent.append(weight)
    return WeightHistory(last, tuple(recent), unconfirmed)


def last_accepted_weight_kg(session: InfusionSession) -> Decimal | None:
    """The patient's last accepted weight measured at another session's check-in."""
    return weight_history(session).last_kg


def weight_verdict(protocol: Protocol, weight: Decimal, history: WeightHistory) -> WeightVerdict:
    return weight_plausibility(
        protocol,
        weight,
        last_kg=history.last_kg,
        recent_kg=history.recent_kg,
        unconfirmed_kg=history.unconfirmed_kg,
    )


@dataclass(frozen=True)
class WeightReview:
    weight_kg: Decimal
    previous_weight_kg: Decimal | None
    is_reference: bool
    overrides: dict[str, dict[str, Any]]
    findings: tuple[Finding, ...]


def weight_review(
    *,
    actor: Actor,
    session: InfusionSession,
    protocol: Protocol,
    weight: Decimal,
    reasons: Mapping[str, str] | None,
    cosigner: User | None,
) -> WeightReview:
    """Judge ``weight`` for ``session``: a hard finding refuses (on ``weight_kg``); each soft
    finding needs its reason (``override_<code>``) and a co-signer now. Writes nothing."""
    history = weight_history(session)
    verdict = weight_verdict(protocol, weight, history)
    overrides = soft_limits_review(
        actor=actor,
        clinic=session.clinic,
        findings=verdict.findings,
        reasons=reasons,
        cosigner=cosigner,
        cosign_now=True,
        field_of=WEIGHT_FIELDS,
    )
    return WeightReview(
        weight_kg=weight,
        previous_weight_kg=history.last_kg,
        is_reference=verdict.is_reference,
        overrides=overrides,
        findings=verdict.findings,
    )


def weight_findings_preview(
    session: InfusionSession, protocol: Protocol, value: object
) -> list[Finding]:
    """The soft and hard findings a weight would meet (for the page that shows them)."""
    try:
        weight = parse_weight_kg(value)
    except ValidationError:  # the service names what is wrong with it on the field
        return []
    verdict = weight_verdict(protocol, weight, weight_history(session))
    return [f for f in verdict.findings if f.severity is not Severity.OK]
