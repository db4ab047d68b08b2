"""The dose a session delivered: the Django side of ``kitclinic.dosing.pump``.

Every place that needs the delivered amount (the session chart and its PK curve, the rate-change
check, the stop, the waste of the remainder, the sign-off summary, the reports) replays the
session's pump events through :func:`session_delivery`; when the infusion has stopped, the
stop's replay is stored on the session (``delivered_ml``/``delivered_mg``) for the reports.

Two settings say when a delivered amount is "the ordered dose" (docs/infusions.md, "Stop"):
``KITCLINIC_STOP_COMPLETE_SHARE`` / ``KITCLINIC_STOP_COMPLETE_ML`` at the stop (an early stop needs
a reason and the remainder must be wasted), and ``KITCLINIC_COMPLETE_INFUSION_MIN_SHARE`` in the
reports (docs/outcomes.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings

from kitclinic.dosing.pump import Delivery, PumpEvent, is_complete, replay
from kitclinic.infusions.models import InfusionOrder, InfusionSession, SessionEvent
from kitclinic.substances.models import EntryKind, SubstanceLogEntry

MG = Decimal("0.001")  # controlled-substance amounts are kept to 0.001 mg

# Why an infusion stopped before the ordered dose was in (code, label). "completed" is recorded
# for a stop with the ordered dose in.
STOP_REASONS: tuple[tuple[str, str], ...] = (
    ("adverse_event", "Adverse event"),
    ("patient_request", "Patient request"),
    ("hemodynamic", "Blood pressure or heart rate (hemodynamic)"),
    ("dissociation_sedation", "Dissociation or sedation"),
    ("pump_line", "Pump or IV line problem"),
    ("other", "Other"),
)
COMPLETED = "completed"
STOP_REASON_LABELS = {**dict(STOP_REASONS), COMPLETED: "Completed (ordered dose given)"}


def pump_events(events: Iterable[SessionEvent]) -> list[PumpEvent]:
    """The session's events (model rows) as the replay's events, in recorded order."""
    rows = sorted(events, key=lambda e: (e.occurred_at, e.pk or 0))
    return [PumpEvent(e.occurred_at, e.kind, e.rate_ml_per_h) for e in rows]


def session_delivery(
    order: InfusionOrder, events: Iterable[SessionEvent], until: dt.datetime | None
) -> Delivery:
    """What the pump delivered up to ``until`` under ``order`` (None: the projected whole run)."""
    return replay(
        pump_events(events),
        concentration_mg_per_ml=order.concentration_mg_per_ml,
        until=until,
        vtbi_ml=order.volume_ml,
    )


def stop_is_complete(delivered_ml: Decimal, ordered_ml: Decimal) -> bool:
    """At the stop: is the ordered volume in (within the stop tolerance settings)?"""
    return is_complete(
        delivered_ml,
        ordered_ml,
        min_share=settings.KITCLINIC_STOP_COMPLETE_SHARE,
        tolerance_ml=settings.KITCLINIC_STOP_COMPLETE_ML,
    )


def report_min_share() -> Decimal:
    """The share of the ordered volume a session must deliver to count as a complete infusion
    in the reports and outcome analyses."""
    return Decimal(settings.KITCLINIC_COMPLETE_INFUSION_MIN_SHARE)


def counts_as_complete(delivered_ml: Decimal | None, ordered_ml: Decimal | None) -> bool:
    """In the reports: a stopped session below the share is incomplete; one not stopped yet (or
    without an order) is not judged and counts as given."""
    if delivered_ml is None or ordered_ml is None or ordered_ml <= 0:
        return True
    return delivered_ml >= ordered_ml * report_min_share()


def share_text(delivered_ml: Decimal, ordered_ml: Decimal) -> str:
    if ordered_ml <= 0:
        return "—"
    return f"{(delivered_ml / ordered_ml * 100).quantize(Decimal('0.1'))}%"


def remainder_outstanding_mg(session: InfusionSession) -> Decimal:
    """Drawn for the session (its dispenses) but neither given (the dose delivered, stored at the
    stop) nor booked back and wasted yet, in mg; 0 before the stop or without a draw."""
    delivered_mg = session.delivered_mg
    if delivered_mg is None:
        return Decimal(0)
    draws = SubstanceLogEntry.objects.filter(session_id=session.pk, kind=EntryKind.DISPENSE)
    drawn = sum((e.quantity_mg for e in draws), Decimal(0))
    if drawn <= 0:
        return Decimal(0)
    back = SubstanceLogEntry.objects.filter(
        kind=EntryKind.ADJUSTMENT, corrects__in=draws, change_mg__gt=0
    )
    booked_back = sum((e.change_mg for e in back), Decimal(0))
    return max(drawn - booked_back - delivered_mg, Decimal(0)).quantize(MG)
