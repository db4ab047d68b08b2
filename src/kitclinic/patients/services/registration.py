"""Registering a patient and changing their demographics, with the likely-duplicate rule:
a person who looks like a patient already on file is registered only once someone confirms that
they are a different person."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.intake import identity
from kitclinic.lib.bounds import validate_plain_text
from kitclinic.patients.models import (
    Patient,
)
from kitclinic.patients.selectors import (
    DuplicateCandidate,
    identity_keys_of,
    likely_duplicates,
)
from kitclinic.patients.validators import validate_date_of_birth

DEMOGRAPHIC_FIELDS = (
    "mrn",
    "family_name",
    "given_name",
    "date_of_birth",
    "sex_at_birth",
    "phone",
    "email",
    "address",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
)


@dataclass(frozen=True)
class Demographics:
    mrn: str
    family_name: str
    given_name: str
    date_of_birth: dt.date
    sex_at_birth: str
    phone: str = ""
    email: str = ""
    address: str = ""
    emergency_contact_name: str = ""
    emergency_contact_relationship: str = ""
    emergency_contact_phone: str = ""


def _apply_demographics(patient: Patient, data: Demographics) -> None:
    for name, value in asdict(data).items():
        setattr(patient, name, value.strip() if isinstance(value, str) else value)
    patient.family_name_key = patient.family_name.lower()
    patient.given_name_key = patient.given_name.lower()
    keys = identity.keys_of(
        family_name=patient.family_name,
        given_name=patient.given_name,
        birth_date=patient.date_of_birth,
        phone=patient.phone,
        email=patient.email,
    )
    patient.name_match_key = keys.name
    patient.phone_key = keys.phone
    patient.email_key = keys.email


IDENTITY_KEY_FIELDS = ("name_match_key", "phone_key", "email_key")


class LikelyDuplicateError(ValidationError):
    """The person looks like a patient already registered (``candidates``): saving needs the
    explicit confirmation that this is a different person (``confirm_not_duplicate``)."""

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        self.candidates = candidates
        shown = "; ".join(
            f"MRN {c.patient.mrn} ({c.patient.display_name}, {c.reason_text})" for c in candidates
        )
        super().__init__(
            {
                "confirm_not_duplicate": [
                    f"This may be a patient already registered: {shown}. Open their chart "
                    "instead, or confirm that this is a different person."
                ]
            }
        )


def _duplicate_check(patient: Patient, *, confirmed: bool) -> str:
    """Refuse a likely duplicate person unless ``confirmed``; the audit detail of a confirmed
    one (empty when there was none)."""
    candidates = likely_duplicates(
        patient.organization_id, identity_keys_of(patient), exclude_id=patient.pk
    )
    if not candidates:
        return ""
    if not confirmed:
        raise LikelyDuplicateError(candidates)
    listed = "; ".join(f"MRN {c.patient.mrn}: {c.reason_text}" for c in candidates)
    return f"Confirmed as a different person from likely duplicates ({listed})."


def _check_patient(patient: Patient) -> None:
    errors: dict[str, list[str]] = {}
    try:
        patient.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for name in DEMOGRAPHIC_FIELDS:
        try:
            validate_plain_text(getattr(patient, name, None) if name != "date_of_birth" else None)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    if patient.date_of_birth and "date_of_birth" not in errors:
        try:
            validate_date_of_birth(patient.date_of_birth, today=timezone.localdate())
        except ValidationError as exc:
            errors["date_of_birth"] = exc.messages
    duplicate = (
        Patient.objects.filter(organization_id=patient.organization_id, mrn__iexact=patient.mrn)
        .exclude(pk=patient.pk)
        .exists()
    )
    if duplicate:
        errors.setdefault("mrn", []).append(
            f"MRN {patient.mrn} is already used by another patient of this organization."
        )
    if errors:
        raise ValidationError(errors)


def _save_unique(patient: Patient, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            patient.save(**kwargs)
    except IntegrityError as exc:  # a concurrent registration took the MRN between check and insert
        raise ValidationError(
            {"mrn": [f"MRN {patient.mrn} is already used by another patient of this organization."]}
        ) from exc


@transaction.atomic
def patient_register(
    *,
    actor: Actor,
    data: Demographics,
    is_synthetic: bool = False,
    confirm_not_duplicate: bool = False,
) -> Patient:
    """Register a patient. A likely duplicate person (same name and date of birth, phone or
    e-mail as a patient of the organization: kitclinic.intake.identity) is refused with
    LikelyDuplicateError unless ``confirm_not_duplicate``; the confirmation is in the audit
    event."""
    actor.require(Action.PATIENT_REGISTER)
    patient = Patient(
        organization_id=actor.organization_id, home_clinic=actor.clinic, is_synthetic=is_synthetic
    )
    _apply_demographics(patient, data)
    _check_patient(patient)
    confirmation = _duplicate_check(patient, confirmed=confirm_not_duplicate)
    _save_unique(patient)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=patient,
        patient=patient,
        changes=changes_between({}, snapshot(patient, DEMOGRAPHIC_FIELDS)),
        detail=confirmation,
    )
    return patient


# Changing one of these may make the patient look like another person.
_IDENTITY_FIELDS = ("family_name", "given_name", "date_of_birth", "phone", "email")


@transaction.atomic
def patient_update_demographics(
    *, actor: Actor, patient: Patient, data: Demographics, confirm_not_duplicate: bool = False
) -> Patient:
    """Change demographics. A change of name, date of birth, phone or e-mail that makes the
    patient look like another patient of the organization is refused as at registration unless
    ``confirm_not_duplicate``."""
    actor.require(Action.PATIENT_EDIT_DEMOGRAPHICS)
    before = snapshot(patient, DEMOGRAPHIC_FIELDS)
    _apply_demographics(patient, data)
    _check_patient(patient)
    changes = changes_between(before, snapshot(patient, DEMOGRAPHIC_FIELDS))
    confirmation = ""
    if any(name in changes for name in _IDENTITY_FIELDS):
        confirmation = _duplicate_check(patient, confirmed=confirm_not_duplicate)
    if changes:
        _save_unique(
            patient,
            update_fields=[
                *DEMOGRAPHIC_FIELDS,
                "family_name_key",
                "given_name_key",
                *IDENTITY_KEY_FIELDS,
                "updated_at",
            ],
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=patient,
            patient=patient,
            changes=changes,
            detail=confirmation,
        )
    return patient
