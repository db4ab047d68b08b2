"""Writes to patient data. Each service checks the rules, writes, and audits in one transaction;
bad input raises ValidationError naming the field and writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Organization
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.intake import contraindications, diagnoses, eligibility, identity
from kitclinic.lib.bounds import validate_plain_text
from kitclinic.patients.models import (
    ContraindicationScreen,
    Diagnosis,
    EligibilityDecision,
    IndicationCodeList,
    Patient,
    TreatmentTrial,
)
from kitclinic.patients.selectors import (
    DuplicateCandidate,
    code_list_in_force,
    diagnoses_as_intake,
    identity_keys_of,
    likely_duplicates,
    staging_for,
    trials_as_intake,
)
from kitclinic.patients.validators import normalize_icd10cm, validate_date_of_birth

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
    patient.name_match_key = identity.name_key(patient.family_name, patient.given_name)
    patient.phone_key = identity.phone_key(patient.phone)
    patient.email_key = identity.email_key(patient.email)


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


@transaction.atomic
def episode_update(
    *, actor: Actor, patient: Patient, onset_date: dt.date | None, severity: str
) -> Patient:
    """The current depressive episode's onset and baseline severity (inputs of the MSM)."""
    actor.require(Action.CLINICAL_HISTORY_EDIT)
    fields = ("episode_onset_date", "episode_severity")
    before = snapshot(patient, fields)
    patient.episode_onset_date = onset_date
    patient.episode_severity = severity
    errors: dict[str, list[str]] = {}
    try:
        patient.clean_fields(exclude=[f.name for f in Patient._meta.fields if f.name not in fields])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if onset_date and onset_date > timezone.localdate():
        errors.setdefault("episode_onset_date", []).append("The onset cannot be in the future.")
    if onset_date and onset_date < patient.date_of_birth:
        errors.setdefault("episode_onset_date", []).append("The onset is before the date of birth.")
    if errors:
        raise ValidationError(errors)
    changes = changes_between(before, snapshot(patient, fields))
    if changes:
        patient.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=patient, patient=patient, changes=changes
        )
    return patient


@transaction.atomic
def diagnosis_add(
    *, actor: Actor, patient: Patient, icd10_code: str, description: str, is_primary: bool = False
) -> Diagnosis:
    actor.require(Action.CLINICAL_HISTORY_EDIT)
    diagnosis = Diagnosis(
        patient=patient,
        icd10_code=normalize_icd10cm(icd10_code),
        description=description.strip(),
        is_primary=is_primary,
        recorded_by=actor.user,
        recorded_at=timezone.now(),
    )
    diagnosis.full_clean()
    diagnosis.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=diagnosis,
        patient=patient,
        changes=changes_between(
            {}, snapshot(diagnosis, ("icd10_code", "description", "is_primary"))
        ),
    )
    return diagnosis


TRIAL_FIELDS = (
    "treatment_name",
    "treatment_class",
    "dose_text",
    "weeks",
    "adequate",
    "outcome",
    "current_episode",
    "notes",
)


@transaction.atomic
def trial_add(
    *,
    actor: Actor,
    patient: Patient,
    treatment_name: str,
    treatment_class: str,
    adequate: bool,
    outcome: str,
    current_episode: bool = True,
    dose_text: str = "",
    weeks: int | None = None,
    notes: str = "",
) -> TreatmentTrial:
    actor.require(Action.CLINICAL_HISTORY_EDIT)
    trial = TreatmentTrial(
        patient=patient,
        treatment_name=treatment_name.strip(),
        treatment_class=treatment_class,
        dose_text=dose_text.strip(),
        weeks=weeks,
        adequate=adequate,
        outcome=outcome,
        current_episode=current_episode,
        notes=notes.strip(),
        recorded_by=actor.user,
        recorded_at=timezone.now(),
    )
    trial.full_clean()
    trial.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=trial,
        patient=patient,
        changes=changes_between({}, snapshot(trial, TRIAL_FIELDS)),
    )
    return trial


@transaction.atomic
def screen_record(
    *, actor: Actor, patient: Patient, answers: Mapping[str, bool], notes: str = ""
) -> ContraindicationScreen:
    """Record a complete contraindication screen: every catalogue item answered present or absent."""
    actor.require(Action.CONTRAINDICATION_SCREEN_RECORD)
    known = set(contraindications.CATALOGUE_BY_CODE)
    unknown = sorted(set(answers) - known)
    missing = sorted(known - set(answers))
    errors: dict[str, list[str]] = {}
    if unknown:
        errors["answers"] = [f"Unknown screen items: {', '.join(unknown)}."]
    if missing:
        errors.setdefault("answers", []).append(
            f"Every item must be answered; missing: {', '.join(missing)}."
        )
    if any(not isinstance(v, bool) for v in answers.values()):
        errors.setdefault("answers", []).append("Each answer must be true (present) or false.")
    if errors:
        raise ValidationError(errors)
    screen = ContraindicationScreen.objects.create(
        patient=patient,
        answers=dict(sorted(answers.items())),
        list_version=contraindications.DEFAULT_CONTRAINDICATION_LIST_VERSION,
        notes=notes.strip(),
        recorded_by=actor.user,
        recorded_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=screen,
        patient=patient,
        changes={"answers": [None, screen.answers]},
    )
    return screen


# What a physician may sign for each computed outcome. The physician resolves "needs review" (or
# signs it while waiting, e.g. for a cardiology opinion) but can never overrule "not eligible".
ALLOWED_SIGNED_OUTCOMES = {
    "eligible": {"eligible", "needs_review", "not_eligible"},
    "needs_review": {"eligible", "needs_review", "not_eligible"},
    "not_eligible": {"not_eligible"},
}


@transaction.atomic
def eligibility_decide(
    *, actor: Actor, patient: Patient, indication: str, outcome: str, rationale: str = ""
) -> EligibilityDecision:
    """Compute the eligibility rules on the latest screen, the trial history and the diagnoses on
    file (against the organization's code list in force for the indication), and record the
    physician's signed decision with the code-list version and the qualifying code. Signing
    "eligible", or an outcome other than the computed one, needs a rationale; a computed "not
    eligible" can only be signed as such. Supersedes the current decision."""
    actor.require(Action.ELIGIBILITY_SIGN)
    screen = patient.screens.order_by("-recorded_at", "-id").first()
    errors: dict[str, list[str]] = {}
    if indication not in {i.value for i in eligibility.Indication}:
        allowed = ", ".join(i.value for i in eligibility.Indication)
        errors["indication"] = [f"Choose one of: {allowed}."]
    if screen is None:
        errors["screen"] = ["Record a contraindication screen before deciding eligibility."]
    if errors:
        raise ValidationError(errors)
    assert screen is not None
    trials = trials_as_intake(patient.trials.all())
    try:
        on_file = diagnoses_as_intake(patient.diagnoses.all())
    except ValueError as exc:  # a code stored before the format rule; fix the diagnosis first
        raise ValidationError(
            {"diagnoses": [f"A diagnosis on file is malformed: {exc}."]}
        ) from None
    code_list = code_list_in_force(patient.organization_id, indication)
    computed = eligibility.decide_eligibility(
        indication=indication,
        screen=screen.answers,
        grouping=contraindications.DEFAULT_GROUPING,
        trials=trials,
        diagnoses=on_file,
        code_list=code_list,
    )
    computed_outcome = computed.outcome.value
    if outcome not in ALLOWED_SIGNED_OUTCOMES[computed_outcome]:
        allowed = ", ".join(sorted(ALLOWED_SIGNED_OUTCOMES[computed_outcome]))
        raise ValidationError(
            {"outcome": [f"The rules give {computed.outcome}; a physician may sign: {allowed}."]}
        )
    # One rule for the page and the API: a decision that lets treatment go ahead always says
    # why, in the physician's words, even when the rules agree.
    if outcome == eligibility.EligibilityOutcome.ELIGIBLE and not rationale.strip():
        raise ValidationError(
            {
                "rationale": [
                    "Give the rationale for signing eligible; it is kept with the decision."
                ]
            }
        )
    if outcome != computed_outcome and not rationale.strip():
        raise ValidationError(
            {"rationale": ["Give the reason for signing an outcome that differs from the rules."]}
        )
    previous = (
        patient.eligibility_decisions.select_for_update()
        .filter(indication=indication, superseded_by__isnull=True)
        .first()
    )
    now = timezone.now()
    decision = EligibilityDecision.objects.create(
        patient=patient,
        indication=indication,
        computed_outcome=computed_outcome,
        outcome=outcome,
        reasons=[
            {"code": r.code, "text": r.text, "rule": r.rule.value, "outcome": r.outcome.value}
            for r in computed.reasons
        ],
        physician_rationale=rationale.strip(),
        contraindication_list_version=computed.contraindication_list_version,
        code_list_version=computed.code_list_version,
        qualifying_code=computed.qualifying_code or "",
        screen=screen,
        staging=staging_for(patient, trials).as_json(),
        signed_by=actor.user,
        signed_at=now,
    )
    audit_record(
        actor=actor,
        action=AuditAction.SIGN,
        obj=decision,
        patient=patient,
        changes={
            "outcome": [None, outcome],
            "computed_outcome": [None, computed_outcome],
            "code_list_version": [None, computed.code_list_version],
            "qualifying_code": [None, decision.qualifying_code],
        },
    )
    if previous is not None:
        previous.superseded_by = decision
        previous.superseded_at = now
        previous.save(update_fields=["superseded_by", "superseded_at"])
        audit_record(
            actor=actor,
            action=AuditAction.SUPERSEDE,
            obj=previous,
            patient=patient,
            changes={"superseded_by": [None, decision.pk]},
        )
    return decision


CODE_LIST_REASON_MAX = 1000


@transaction.atomic
def indication_code_list_publish(
    *, actor: Actor, indication: str, entries: Sequence[Mapping[str, Any]], reason: str
) -> IndicationCodeList:
    """Publish the actor's organization's next version of the ICD-10-CM codes that qualify for
    ``indication`` (each entry: ``code`` — a code, header or range such as F43.1 or F32-F33 —
    ``source`` and optionally ``label``). The new version is in force for every later
    eligibility decision; signed decisions keep the version they used. Refused, writing nothing:
    an unknown indication, malformed entries, no reason, or a list identical to the one in
    force."""
    actor.require(Action.ELIGIBILITY_CODES_PUBLISH)
    errors: dict[str, list[str]] = {}
    if indication not in {i.value for i in eligibility.Indication}:
        allowed = ", ".join(i.value for i in eligibility.Indication)
        errors["indication"] = [f"Choose one of: {allowed}."]
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = ["Say why this version is published (it is kept with it)."]
    elif len(reason) > CODE_LIST_REASON_MAX:
        errors["reason"] = [f"Keep the reason to {CODE_LIST_REASON_MAX} characters."]
    proposed = None
    if "indication" not in errors:
        try:
            # The version is a placeholder here; the number is taken under the lock below.
            proposed = diagnoses.build_code_list(indication, version=2, entries=entries)
        except ValueError as exc:
            errors["entries"] = [f"{exc}."]
    if errors:
        raise ValidationError(errors)
    assert proposed is not None
    # Versions are numbered per organization: serialise publishers on the organization row.
    Organization.objects.select_for_update().get(pk=actor.organization_id)
    current = code_list_in_force(actor.organization_id, indication)
    if proposed.as_json() == current.as_json():
        raise ValidationError(
            {
                "entries": [
                    f"The list is the same as version {current.version}, in force; "
                    "nothing to publish."
                ]
            }
        )
    row = IndicationCodeList(
        organization_id=actor.organization_id,
        indication=indication,
        version=current.version + 1,
        entries=proposed.as_json(),
        reason=reason,
        published_by=actor.user,
        published_at=timezone.now(),
    )
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=row,
        changes={
            "indication": [None, indication],
            "version": [current.version, row.version],
            "entries": [current.as_json(), row.entries],
        },
        detail=f"Published {indication} qualifying diagnoses v{row.version}: {reason}",
    )
    return row
