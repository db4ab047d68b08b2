"""The clinical history behind eligibility: the episode, diagnoses, prior treatment trials and
the contraindication screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.intake import contraindications
from kitclinic.intake.allergies import AllergyStatus, screen_answer_problem
from kitclinic.patients.models import (
    ContraindicationScreen,
    Diagnosis,
    Patient,
    TreatmentTrial,
)
from kitclinic.patients.validators import normalize_icd10cm


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
    active = list(
        patient.allergies.filter(status=AllergyStatus.ACTIVE).values_list("substance", flat=True)
    )
    problem = screen_answer_problem(active, dict(answers))
    if problem:
        errors.setdefault("answers", []).append(problem)
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
