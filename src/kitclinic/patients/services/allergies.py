"""The allergy list: adding an entry and moving its status (resolved, inactive, active again, or
entered in error, which is final). Entries are never deleted or edited in place; each change is
audited with its reason."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.intake.allergies import AllergyStatus, status_change_problem
from kitclinic.patients.models import Allergy, Patient

ALLERGY_FIELDS = ("substance", "category", "criticality", "reaction", "code_system", "code")


@transaction.atomic
def allergy_add(
    *,
    actor: Actor,
    patient: Patient,
    substance: str,
    category: str,
    criticality: str = "",
    reaction: str = "",
    code_system: str = "",
    code: str = "",
    status: str = AllergyStatus.ACTIVE,
) -> Allergy:
    """Record an entry; ``status`` other than active is for a history brought in from another
    system (an entry is never recorded as entered in error)."""
    actor.require(Action.CLINICAL_HISTORY_EDIT)
    if status == AllergyStatus.ENTERED_IN_ERROR:
        raise ValidationError({"status": ["A new entry cannot be entered in error."]})
    allergy = Allergy(
        patient=patient,
        substance=substance.strip(),
        category=category,
        criticality=criticality,
        reaction=reaction.strip(),
        code_system=code_system.strip(),
        code=code.strip(),
        status=status,
        recorded_by=actor.user,
        recorded_at=timezone.now(),
    )
    allergy.full_clean()
    allergy.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=allergy,
        patient=patient,
        changes=changes_between({}, snapshot(allergy, (*ALLERGY_FIELDS, "status"))),
    )
    return allergy


@transaction.atomic
def allergy_status_change(*, actor: Actor, allergy: Allergy, status: str, reason: str) -> Allergy:
    """Move an entry to ``status`` with its reason. The row is locked so two people changing the
    same entry at once are applied one after the other, each checked against the other's result."""
    actor.require(Action.CLINICAL_HISTORY_EDIT)
    allergy = Allergy.objects.select_for_update().get(pk=allergy.pk)
    try:
        new = AllergyStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in AllergyStatus)
        raise ValidationError(
            {"status": [f"Unknown status {status!r}; allowed: {allowed}."]}
        ) from None
    if len(reason.strip()) > 300:
        raise ValidationError({"reason": ["The reason is at most 300 characters."]})
    problem = status_change_problem(AllergyStatus(allergy.status), new, reason)
    if problem:
        field = "reason" if problem.startswith("Give the reason") else "status"
        raise ValidationError({field: [problem]})
    fields = ("status", "status_reason")
    before = snapshot(allergy, fields)
    allergy.status = new
    allergy.status_reason = reason.strip()
    allergy.status_changed_by = actor.user
    allergy.status_changed_at = timezone.now()
    allergy.save(update_fields=[*fields, "status_changed_by", "status_changed_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=allergy,
        patient=allergy.patient,
        changes=changes_between(before, snapshot(allergy, fields)),
    )
    return allergy
