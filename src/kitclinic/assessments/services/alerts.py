"""Safety alerts: raised with the assessment whose answer flags them, acknowledged by a clinician
with a note, escalated to the clinic's physicians when left unacknowledged. The escalation task
is queued in the transaction that raises the alert (the task queue is a database table), so
neither can exist without the other."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import StaffMembership
from kitclinic.accounts.roles import Action, Role
from kitclinic.accounts.selectors import clinic_settings
from kitclinic.assessments import tasks
from kitclinic.assessments.models import (
    AlertStatus,
    Assessment,
    SafetyAlert,
)
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record


def alert_raise(
    *, assessment: Assessment, flag: str, actor: Actor | None, now: dt.datetime
) -> SafetyAlert:
    """Raise an alert for ``flag`` of ``assessment`` and queue its escalation. Runs inside the
    transaction that stores the assessment."""
    alert = SafetyAlert.objects.create(
        patient=assessment.patient,
        clinic_id=assessment.clinic_id,
        assessment=assessment,
        flag=flag,
        status=AlertStatus.OPEN,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=alert,
        patient=assessment.patient,
        changes={"flag": [None, flag], "status": [None, AlertStatus.OPEN.value]},
        detail=f"safety alert raised by {assessment.instrument}",
        organization_id=assessment.patient.organization_id,
    )
    minutes = clinic_settings(assessment.clinic_id).alert_escalation_minutes
    tasks.alert_escalate.using(run_after=now + dt.timedelta(minutes=minutes)).enqueue(alert.pk)
    return alert


def alert_acknowledge(*, actor: Actor, alert: SafetyAlert, note: str) -> SafetyAlert:
    """A clinician acknowledges an open or escalated alert; the note is required. The role that
    counts is the one held at the alert's own clinic, which its audit event then carries."""
    if alert.clinic.organization_id != actor.organization_id:
        raise ValidationError({"alert": ["No such alert in your organization."]})
    actor = actor.require_at(alert.clinic_id, Action.ALERT_ACKNOWLEDGE)
    text = (note or "").strip()
    if not text:
        raise ValidationError(
            {"note": ["A note is required: what was done (e.g. risk assessment, call)."]}
        )
    with transaction.atomic():
        locked = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
        if locked.patient.organization_id != actor.organization_id:
            raise ValidationError({"alert": ["No such alert in your organization."]})
        if locked.status == AlertStatus.ACKNOWLEDGED:
            raise ValidationError({"alert": ["This alert has already been acknowledged."]})
        before = locked.status
        locked.status = AlertStatus.ACKNOWLEDGED
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = actor.user
        locked.acknowledgement_note = text
        locked.save(
            update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledgement_note"]
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            patient=locked.patient,
            changes={"status": [before, AlertStatus.ACKNOWLEDGED.value], "note": [None, text]},
            detail="safety alert acknowledged",
        )
    return locked


def physician_emails(clinic_id: int) -> list[str]:
    return sorted(
        {
            m.user.email
            for m in StaffMembership.objects.filter(
                clinic_id=clinic_id, role=Role.PHYSICIAN, is_active=True, user__is_active=True
            ).select_related("user")
            if m.user.email
        }
    )


def alert_escalate(*, alert_id: int) -> bool:
    """Mark a still-unacknowledged alert escalated and email the clinic's physicians.

    Returns False (and does nothing) when the alert was acknowledged or escalated already. The
    email carries no patient identifiers: it points to the alert queue."""
    with transaction.atomic():
        alert = (
            # Only the alert's row: locking the joined patient and clinic rows too would hold up
            # every request referring to them (audit rows) until the mail is sent.
            SafetyAlert.objects.select_for_update(of=("self",))
            .select_related("patient", "clinic")
            .filter(pk=alert_id)
            .first()
        )
        if alert is None or alert.status != AlertStatus.OPEN:
            return False
        alert.status = AlertStatus.ESCALATED
        alert.escalated_at = timezone.now()
        alert.save(update_fields=["status", "escalated_at"])
        minutes = clinic_settings(alert.clinic_id).alert_escalation_minutes
        recipients = physician_emails(alert.clinic_id)
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            obj=alert,
            patient=alert.patient,
            changes={"status": [AlertStatus.OPEN.value, AlertStatus.ESCALATED.value]},
            detail=f"escalated: unacknowledged after {minutes} min; emailed "
            f"{len(recipients)} physician(s)",
            organization_id=alert.patient.organization_id,
        )
        if recipients:
            queue_url = settings.KITCLINIC_SITE_URL + reverse("alert-queue")
            # Inside the transaction: if the mail server refuses, the alert stays open.
            send_mail(
                subject=f"[kitclinic] Unacknowledged safety alert at {alert.clinic.name}",
                message=(
                    f"A safety alert raised at {alert.created_at:%Y-%m-%d %H:%M} UTC at "
                    f"{alert.clinic.name} has not been acknowledged within {minutes} minutes.\n\n"
                    f"Open the alert queue: {queue_url}\n"
                ),
                from_email=None,
                recipient_list=recipients,
            )
    return True
