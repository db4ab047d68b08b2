"""Good Faith Estimates for self-pay patients ([nsa-gfe], 45 CFR 149.610).

The front desk issues one when a course is planned (or when the patient asks): the planned
sessions' codes (``kitclinic.billing_codes.planned_codes``) priced from the fee schedule in force
on the first service date, with the clinic's and the rendering physician's names, NPIs and tax id,
the service location and dates, the patient's diagnosis codes, the disclaimers of 149.610(c) and
the patient-provider dispute resolution notice of 149.620. The deadline of 149.610(b)(1)(vi) is
computed and stored; an estimate issued after it says so. A new estimate for the patient
supersedes the previous one; the patient's signature is recorded on it once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.billing.models import GoodFaithEstimate
from kitclinic.billing.selectors import (
    clinic_today,
    prices_of,
    provider_npis,
    require_identity,
    schedule_in_force,
)
from kitclinic.billing.services import _content as c
from kitclinic.billing.services.setup import physicians_of
from kitclinic.billing_codes import BillingCodeError, estimate_due, planned_codes
from kitclinic.infusions.models import TreatmentCourse
from kitclinic.patients.models import Patient

MAX_SPAN_DAYS = 366  # recurring care on one estimate: up to 12 months (149.610(b)(1)(xi))
KIND_LABELS = {
    "iv_ketamine": "Intravenous ketamine infusion",
    "esketamine_nasal": "Esketamine nasal spray, supervised, with 2 hours of observation",
}

# The disclaimers and notices of 149.610(c)(1)(viii)-(xi) and 149.620, in plain words.
DISCLAIMERS = (
    "This Good Faith Estimate shows the costs of items and services that are reasonably expected "
    "for your health care needs. The estimate is based on information known at the time it was "
    "created.",
    "The Good Faith Estimate does not include any unknown or unexpected costs that may arise "
    "during treatment. You could be charged more if complications or special circumstances occur.",
    "There may be additional items or services we recommend as part of your course of care that "
    "must be scheduled or requested separately and are not reflected in this estimate.",
    "This estimate is not a contract and does not require you to obtain the items or services "
    "from any of the providers or facilities identified in it.",
)
DISPUTE_NOTICE = (
    "If you are billed for more than this Good Faith Estimate, you have the right to dispute the "
    "bill. You may contact the health care provider or facility listed to let them know the "
    "billed charges are higher than the Good Faith Estimate, ask them to update the bill to match "
    "the estimate, ask to negotiate the bill, or ask if there is financial assistance available. "
    "You may also start a dispute resolution process with the U.S. Department of Health and Human "
    "Services (HHS): you must start it within 120 calendar days (about 4 months) of the date on "
    "the original bill, and it can be used when the billed charges are at least $400 more than "
    "this estimate. There is a $25 fee to use the dispute process; if the agency reviewing your "
    "dispute agrees with you, you will pay the price on this estimate; if it disagrees with you "
    "and agrees with the provider, you will pay the higher amount. Starting a dispute will not "
    "affect the quality of your care, and you will not be treated differently for using it. To "
    "learn more and get a form, visit www.cms.gov/nosurprises/consumers or call 1-800-985-3059. Keep a copy "
    "of this Good Faith Estimate in a safe place or take pictures of it."
)


def _provider(actor: Actor, provider_id: int | None) -> tuple[User, str]:
    if provider_id is None:
        raise ValidationError({"provider": ["Choose the physician who will treat the patient."]})
    physician = next((u for u in physicians_of(actor) if u.pk == provider_id), None)
    if physician is None:
        raise ValidationError({"provider": ["Not an active physician of this organization."]})
    npi = provider_npis(actor.organization_id).get(physician.pk)
    if not npi:
        raise ValidationError(
            {"provider": [f"{physician} has no NPI yet: the clinic admin adds it under Billing."]}
        )
    return physician, npi


@transaction.atomic
def estimate_issue(
    *,
    actor: Actor,
    patient: Patient,
    kind: str,
    sessions: int,
    minutes: int | None = None,
    dose_mg: int | None = None,
    scheduled_on: dt.date,
    first_service_on: dt.date,
    last_service_on: dt.date,
    requested: bool = False,
    provider_id: int | None = None,
    course: TreatmentCourse | None = None,
) -> GoodFaithEstimate:
    actor.require(Action.BILLING_ISSUE)
    errors: dict[str, list[str]] = {}
    today = clinic_today(actor.clinic)
    if scheduled_on > today:
        errors["scheduled_on"] = [
            f"The date of scheduling or request cannot be after today ({today})."
        ]
    if last_service_on < first_service_on:
        errors["last_service_on"] = ["The last service date cannot be before the first."]
    elif (last_service_on - first_service_on).days > MAX_SPAN_DAYS:
        errors["last_service_on"] = ["One estimate covers at most 12 months of recurring care."]
    if course is not None and course.patient_id != patient.pk:
        errors["course"] = ["This course is not the patient's."]
    codes: tuple[Any, ...] = ()
    deadline = None
    try:
        codes = planned_codes(kind=kind, sessions=sessions, minutes=minutes, dose_mg=dose_mg)
    except BillingCodeError as error:
        errors[error.field] = [error.message]
    try:
        deadline = estimate_due(
            scheduled_on=scheduled_on, first_service_on=first_service_on, requested=requested
        )
    except BillingCodeError as error:
        errors[error.field] = [error.message]
    try:
        physician, physician_npi = _provider(actor, provider_id)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    assert deadline is not None
    identity = require_identity(actor.clinic)
    schedule = schedule_in_force(actor.clinic.pk, first_service_on)
    if schedule is None:
        raise ValidationError(
            {"first_service_on": [f"No fee schedule is in force on {first_service_on}."]}
        )
    lines, missing = c.priced_lines(codes, prices_of(schedule), schedule.currency)
    if missing:
        raise ValidationError(
            f"Fee schedule version {schedule.version} has no price for {', '.join(missing)}."
        )
    total = c.total_of(lines, schedule.currency)
    previous = (
        # of=self: the filter joins the superseding row, and PostgreSQL locks no nullable side
        GoodFaithEstimate.objects.select_for_update(of=("self",))
        .filter(patient=patient, superseded_by__isnull=True)
        .order_by("-number")
        .first()
    )
    number = (
        GoodFaithEstimate.objects.filter(patient=patient).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    now = timezone.now()
    late = deadline.due_by is not None and today > deadline.due_by
    content = {
        "title": "Good Faith Estimate",
        "number": number,
        "patient": c.patient_part(patient),
        "service": {
            "kind": kind,
            "description": KIND_LABELS[kind],
            "sessions": sessions,
            "minutes": minutes,
            "dose_mg": dose_mg,
        },
        "facility": c.facility(identity),
        "provider": {"name": c.person_name(physician), "npi": physician_npi, "role": "Physician"},
        "location": identity.address,
        "dates": {
            "scheduled_on": scheduled_on.isoformat(),
            "requested": requested,
            "first_service_on": first_service_on.isoformat(),
            "last_service_on": last_service_on.isoformat(),
            "issued_on": today.isoformat(),
            "due_by": deadline.due_by.isoformat() if deadline.due_by else None,
            "timing_rule": deadline.rule,
            "late": late,
        },
        "diagnoses": c.diagnoses(patient),
        "lines": c.lines_json(lines),
        "currency": schedule.currency,
        "total": str(total),
        "fee_schedule_version": schedule.version,
        "disclaimers": list(DISCLAIMERS),
        "dispute_notice": DISPUTE_NOTICE,
        "supersedes": previous.number if previous else None,
    }
    estimate = GoodFaithEstimate.objects.create(
        clinic=actor.clinic,
        patient=patient,
        course=course,
        number=number,
        supersedes=previous,
        fee_schedule=schedule,
        scheduled_on=scheduled_on,
        requested=requested,
        first_service_on=first_service_on,
        last_service_on=last_service_on,
        due_by=deadline.due_by,
        currency=schedule.currency,
        total=total,
        content=content,
        issued_by=actor.user,
        issued_at=now,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=estimate,
        patient=patient,
        changes={"total": [None, str(total)], "currency": [None, schedule.currency]},
        detail=f"Good Faith Estimate {number}" + (" (after its deadline)" if late else ""),
    )
    return estimate


@transaction.atomic
def estimate_signature_record(
    *, actor: Actor, estimate: GoodFaithEstimate, signed_at: dt.datetime | None = None
) -> GoodFaithEstimate:
    """The patient signed the printed estimate: when, recorded once."""
    actor.require(Action.BILLING_ISSUE)
    row = GoodFaithEstimate.objects.select_for_update().get(pk=estimate.pk)
    if row.signed_at is not None:
        raise ValidationError({"signed_at": ["The patient's signature is recorded already."]})
    now = timezone.now()
    when = signed_at or now
    if when > now + dt.timedelta(minutes=5):
        raise ValidationError({"signed_at": ["The signature cannot be in the future."]})
    if when < row.issued_at:
        raise ValidationError(
            {"signed_at": ["The patient cannot sign before the estimate was issued."]}
        )
    row.signed_at = when
    row.signature_recorded_by = actor.user
    row.save(update_fields=["signed_at", "signature_recorded_by"])
    audit_record(
        actor=actor,
        action=AuditAction.SIGN,
        obj=row,
        patient=row.patient,
        changes={"signed_at": [None, when.isoformat()]},
        detail=f"patient signed Good Faith Estimate {row.number}",
    )
    return row
