"""Superbills: a statement the patient sends their insurer to claim out-of-network.

Generated from signed sessions only, never typed: each session's codes come from what was
delivered (``kitclinic.infusions.selectors.billing``), priced from the fee schedule in force on
its date of service, with the clinic's and the rendering physician's NPIs, the clinic's tax id,
and the patient's ICD-10-CM diagnoses. What the patient paid comes from :func:`amount_paid`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.billing.models import FeeSchedule, Superbill
from kitclinic.billing.selectors import (
    amount_paid,
    clinic_today,
    prices_of,
    provider_npis,
    require_identity,
    schedule_in_force,
)
from kitclinic.billing.services import _content as c
from kitclinic.infusions.selectors.billing import BilledSession, signed_sessions_billed
from kitclinic.patients.models import Patient

MAX_PERIOD_DAYS = 366


def _bounds(
    clinic_zone: dt.tzinfo, start: dt.date, end: dt.date
) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the clinic's zone."""
    low = dt.datetime.combine(start, dt.time(), tzinfo=clinic_zone)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=clinic_zone)
    return low, high


def _service_row(
    billed: BilledSession,
    *,
    zone: dt.tzinfo,
    schedules: dict[dt.date, FeeSchedule | None],
    clinic_id: int,
    npis: dict[int, str],
) -> dict[str, Any]:
    day = timezone.localtime(billed.date_of_service, zone).date()
    if day not in schedules:
        schedules[day] = schedule_in_force(clinic_id, day)
    schedule = schedules[day]
    if schedule is None:
        raise ValidationError({"period_start": [f"No fee schedule is in force on {day}."]})
    lines, missing = c.priced_lines(billed.codes, prices_of(schedule), schedule.currency)
    if missing:
        raise ValidationError(
            {
                "period_start": [
                    f"Fee schedule version {schedule.version} (in force on {day}) has no price "
                    f"for {', '.join(missing)}."
                ]
            }
        )
    physician = billed.session.signed_by
    npi = npis.get(physician.pk) if physician else None
    if physician is None or not npi:
        raise ValidationError(
            {
                "period_start": [
                    f"{physician} has no NPI yet: the clinic admin adds it under Billing."
                ]
            }
        )
    return {
        "date": day.isoformat(),
        "session": billed.session.pk,
        "minutes": billed.running_min,
        "provider": {"name": c.person_name(physician), "npi": npi},
        "lines": c.lines_json(lines),
        "currency": schedule.currency,
        "charges": str(c.total_of(lines, schedule.currency)),
        "fee_schedule_version": schedule.version,
    }


@transaction.atomic
def superbill_issue(
    *, actor: Actor, patient: Patient, period_start: dt.date, period_end: dt.date
) -> Superbill:
    """The superbill of the patient's signed sessions at the acting clinic from ``period_start``
    to ``period_end`` (inclusive, the clinic's dates; one day for one session)."""
    actor.require(Action.BILLING_ISSUE)
    today = clinic_today(actor.clinic)
    if period_end < period_start:
        raise ValidationError({"period_end": ["The period cannot end before it starts."]})
    if period_end > today:
        raise ValidationError({"period_end": [f"The period cannot end after today ({today})."]})
    if (period_end - period_start).days >= MAX_PERIOD_DAYS:
        raise ValidationError({"period_start": ["One superbill covers at most a year."]})
    identity = require_identity(actor.clinic)
    zone = actor.clinic.zone
    low, high = _bounds(zone, period_start, period_end)
    billed = [
        b
        for b in signed_sessions_billed(
            clinic_id=actor.clinic.pk, patient_id=patient.pk, start=low, end=high
        )
        if b.codes
    ]
    if not billed:
        raise ValidationError(
            {"period_start": ["The patient has no signed session with a service in this period."]}
        )
    npis = provider_npis(actor.organization_id)
    schedules: dict[dt.date, FeeSchedule | None] = {}
    rows = [
        _service_row(b, zone=zone, schedules=schedules, clinic_id=actor.clinic.pk, npis=npis)
        for b in billed
    ]
    currencies = {row["currency"] for row in rows}
    if len(currencies) > 1:
        raise ValidationError(
            {
                "period_start": [
                    f"The period's prices are in several currencies ({', '.join(sorted(currencies))}): issue one superbill per currency's period."
                ]
            }
        )
    currency = currencies.pop()
    charges = sum((Decimal(row["charges"]) for row in rows), Decimal("0.00"))
    paid = amount_paid(
        patient_id=patient.pk, session_ids=[row["session"] for row in rows], currency=currency
    )
    content = {
        "title": "Superbill",
        "facility": c.facility(identity),
        "patient": c.patient_part(patient),
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "diagnoses": c.diagnoses(patient),
        "services": rows,
        "currency": currency,
        "total_charges": str(charges),
        "total_paid": str(paid),
        "balance": str(charges - paid),
        "issued_on": today.isoformat(),
    }
    superbill = Superbill(
        clinic=actor.clinic,
        patient=patient,
        period_start=period_start,
        period_end=period_end,
        currency=currency,
        total_charges=charges,
        total_paid=paid,
        content=content,
        issued_by=actor.user,
        issued_at=timezone.now(),
    )
    superbill.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=superbill,
        patient=patient,
        changes={"total_charges": [None, str(charges)], "sessions": [None, len(rows)]},
        detail=f"superbill {period_start} to {period_end}",
    )
    return superbill
