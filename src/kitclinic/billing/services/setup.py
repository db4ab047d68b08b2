"""The clinic admin's billing set-up: fee schedule versions, the clinic's billing identity and the
physicians' NPIs. Each is checked (prices to the cent, ISO 4217 currency, NPI check digit, EIN
format) and audited with what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, StaffMembership, User
from kitclinic.accounts.roles import Action, Role
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.billing.models import BillingIdentity, FeeSchedule, FeeScheduleItem, ProviderNumber
from kitclinic.billing.selectors import PRICED_CODES, clinic_today
from kitclinic.billing_codes import (
    IdentifierError,
    MoneyError,
    parse_currency,
    parse_ein,
    parse_npi,
    parse_price,
)

NOTE_MAX = 300
NAME_MAX = 200
ADDRESS_MAX = 300
PHONE_MAX = 40


@transaction.atomic
def fee_schedule_publish(
    *,
    actor: Actor,
    currency: str,
    effective_from: dt.date,
    prices: Mapping[str, Decimal | str | None],
    note: str = "",
) -> FeeSchedule:
    """A new version of the acting clinic's fee schedule, in force from ``effective_from`` (today
    or later: a bill already priced never changes). ``prices`` maps codes to unit prices; a code
    left empty is not offered. Earlier versions stay as they were."""
    actor.require(Action.BILLING_SETUP)
    errors: dict[str, list[str]] = {}
    try:
        currency = parse_currency(currency)
    except MoneyError as error:
        errors["currency"] = [error.message]
    today = clinic_today(actor.clinic)
    if not isinstance(effective_from, dt.date):
        errors["effective_from"] = ["A date is required."]
    elif effective_from < today:
        errors["effective_from"] = [
            f"A new version takes effect today ({today}) or later; past prices never change."
        ]
    elif effective_from > today + dt.timedelta(days=366):
        errors["effective_from"] = ["At most a year ahead."]
    unknown = sorted(set(prices) - set(PRICED_CODES))
    if unknown:
        errors["__all__"] = [
            f"Unknown codes: {', '.join(unknown)}; priced codes are {', '.join(PRICED_CODES)}."
        ]
    clean: dict[str, Decimal] = {}
    for code, raw in prices.items():
        if code in unknown or raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            clean[code] = parse_price(raw, field=f"price_{code}")
        except MoneyError as error:
            errors[f"price_{code}"] = [error.message]
    if not clean and not any(k.startswith("price_") for k in errors):
        errors.setdefault("__all__", []).append("Give the price of at least one code.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [f"At most {NOTE_MAX} characters (got {len(note)})."]
    if errors:
        raise ValidationError(errors)
    Clinic.objects.select_for_update().filter(pk=actor.clinic.pk).first()  # one version at a time
    last = FeeSchedule.objects.filter(clinic=actor.clinic).aggregate(v=Max("version"))["v"] or 0
    schedule = FeeSchedule(
        clinic=actor.clinic,
        version=last + 1,
        currency=currency,
        effective_from=effective_from,
        note=note,
        created_by=actor.user,
        created_at=timezone.now(),
    )
    schedule.save()
    FeeScheduleItem.objects.bulk_create(
        FeeScheduleItem(schedule=schedule, code=code, unit_price=price)
        for code, price in sorted(clean.items())
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=schedule,
        changes={
            "currency": [None, currency],
            "effective_from": [None, effective_from.isoformat()],
            **{code: [None, str(price)] for code, price in sorted(clean.items())},
        },
        detail=f"fee schedule version {schedule.version}",
    )
    return schedule


def _text(errors: dict[str, list[str]], field: str, value: str, limit: int, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        errors[field] = ["This field is required."]
    elif len(text) > limit:
        errors[field] = [f"At most {limit} characters (got {len(text)})."]
    return text


@transaction.atomic
def billing_identity_update(
    *, actor: Actor, billing_name: str, npi: str, tax_id: str, address: str, phone: str = ""
) -> BillingIdentity:
    """What the acting clinic's bills say about it; the NPI's check digit and the EIN's form are
    checked ([cms-npi-check-digit])."""
    actor.require(Action.BILLING_SETUP)
    errors: dict[str, list[str]] = {}
    clean = {
        "billing_name": _text(errors, "billing_name", billing_name, NAME_MAX, True),
        "address": _text(errors, "address", address, ADDRESS_MAX, True),
        "phone": _text(errors, "phone", phone, PHONE_MAX, False),
    }
    try:
        clean["npi"] = parse_npi(npi, field="npi")
    except IdentifierError as error:
        errors["npi"] = [error.message]
    try:
        clean["tax_id"] = parse_ein(tax_id, field="tax_id")
    except IdentifierError as error:
        errors["tax_id"] = [error.message]
    if errors:
        raise ValidationError(errors)
    row = BillingIdentity.objects.select_for_update().filter(clinic=actor.clinic).first()
    created = row is None
    if row is None:
        row = BillingIdentity(clinic=actor.clinic)
    before = {k: ("" if created else getattr(row, k)) for k in clean}
    for key, value in clean.items():
        setattr(row, key, value)
    row.updated_at = timezone.now()
    row.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=row,
        changes={k: [before[k], v] for k, v in clean.items() if before[k] != v},
        detail=f"billing details of {actor.clinic.name}",
    )
    return row


def physicians_of(actor: Actor) -> list[User]:
    """The organization's active physicians (the rendering providers), by name."""
    ids = StaffMembership.objects.filter(
        clinic__organization_id=actor.organization_id, role=Role.PHYSICIAN, is_active=True
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "username"))


@transaction.atomic
def provider_npi_set(*, actor: Actor, user_id: int, npi: str) -> ProviderNumber | None:
    """A physician's individual NPI (empty: removed)."""
    actor.require(Action.BILLING_SETUP)
    physician = next((u for u in physicians_of(actor) if u.pk == user_id), None)
    if physician is None:
        raise ValidationError({"user": ["Not an active physician of this organization."]})
    row = (
        ProviderNumber.objects.select_for_update()
        .filter(organization_id=actor.organization_id, user=physician)
        .first()
    )
    before = row.npi if row else ""
    if not (npi or "").strip():
        if row is None:
            return None
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=row,
            changes={"npi": [before, ""]},
            detail=f"NPI of {physician.get_full_name() or physician.username} removed",
        )
        ProviderNumber.objects.filter(pk=row.pk).delete()
        return None
    try:
        clean = parse_npi(npi, field="npi")
    except IdentifierError as error:
        raise ValidationError({"npi": [error.message]}) from None
    if row is None:
        row = ProviderNumber(organization_id=actor.organization_id, user=physician)
    row.npi = clean
    row.updated_at = timezone.now()
    row.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        obj=row,
        changes={"npi": [before, clean]},
        detail=f"NPI of {physician.get_full_name() or physician.username}",
    )
    return row


@transaction.atomic
def provider_npis_set(*, actor: Actor, values: Mapping[int, str]) -> None:
    """Several physicians' NPIs at once (the page's form): all or none are saved; an error names
    the physician's field ``npi_<user id>``."""
    actor.require(Action.BILLING_SETUP)
    current = dict(
        ProviderNumber.objects.filter(organization_id=actor.organization_id).values_list(
            "user_id", "npi"
        )
    )
    errors: dict[str, list[str]] = {}
    for user_id, npi in values.items():
        if "".join((npi or "").split()) == current.get(user_id, ""):
            continue
        try:
            provider_npi_set(actor=actor, user_id=user_id, npi=npi)
        except ValidationError as error:
            errors[f"npi_{user_id}"] = [m for ms in error.message_dict.values() for m in ms]
    if errors:
        raise ValidationError(errors)
