"""Writes of the assessments app. Each service checks its rules, writes and audits in one
transaction; bad input raises ValidationError naming the field and writes nothing.

Scores come only from ``kitclinic.instruments.score``; a flagged answer (``suicidal_ideation``)
raises a SafetyAlert in the same transaction, and its escalation task is queued in that
transaction too (the task queue is a database table), so neither can exist without the other.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import StaffMembership
from kitclinic.accounts.roles import Action, Role
from kitclinic.assessments.models import (
    ALERT_FLAGS,
    MAX_CADENCE_DAYS,
    RECORDABLE_INSTRUMENTS,
    SELF_REPORT_INSTRUMENTS,
    AlertStatus,
    Assessment,
    AssessmentSchedule,
    LinkMode,
    Mode,
    SafetyAlert,
    ScheduleAnchor,
    SelfReportLink,
)
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.instruments import InstrumentError, score
from kitclinic.patients.models import Patient

SELF_REPORT_DETAIL = "self-report via link"
ASSESSMENT_FIELDS = (
    "instrument",
    "answers",
    "administered_at",
    "administered_by",
    "mode",
    "self_report_link",
    "total",
    "severity",
    "flags",
    "scoring_settings",
)
LINK_FIELDS = ("instrument", "mode", "issued_at", "expires_at", "schedule", "due_on")


# --- assessments ------------------------------------------------------------------------------


def _check_same_organization(actor: Actor, patient: Patient) -> None:
    # Callers fetch the patient through access_patient; this guards a service called directly.
    if patient.organization_id != actor.organization_id:
        raise ValidationError({"patient": ["No such patient in your organization."]})


def _create_assessment(
    *,
    patient: Patient,
    clinic_id: int,
    instrument: str,
    answers: Sequence[int | None],
    administered_at: dt.datetime,
    administered_by_id: int | None,
    mode: str,
    link: SelfReportLink | None,
    actor: Actor | None,
    detail: str = "",
    client_address: str | None = None,
) -> Assessment:
    """Score, store, audit and raise alerts. Must run inside ``transaction.atomic``."""
    errors: dict[str, list[str]] = {}
    if instrument not in RECORDABLE_INSTRUMENTS:
        errors["instrument"] = [
            f"{instrument!r} is not offered; choose one of {', '.join(RECORDABLE_INSTRUMENTS)}."
        ]
    if mode not in Mode.values:
        errors["mode"] = [f"{mode!r} is not a mode; choose one of {', '.join(Mode.values)}."]
    if administered_at is None or timezone.is_naive(administered_at):
        errors["administered_at"] = ["A date and time with a time zone is required."]
    elif administered_at > timezone.now() + dt.timedelta(minutes=1):
        errors["administered_at"] = ["The assessment cannot be in the future."]
    if not isinstance(answers, list | tuple):
        errors["answers"] = ["A list of item answers is required (item 1 first)."]
    if errors:
        raise ValidationError(errors)
    try:
        result = score(instrument, list(answers))
    except InstrumentError as exc:
        raise ValidationError({"answers": [str(exc)]}) from exc
    except TypeError as exc:
        raise ValidationError({"answers": [str(exc)]}) from exc
    now = timezone.now()
    assessment = Assessment(
        patient=patient,
        clinic_id=clinic_id,
        instrument=instrument,
        answers=list(result.answers),
        administered_at=administered_at,
        administered_by_id=administered_by_id,
        mode=mode,
        self_report_link=link,
        total=Decimal(str(result.total)),
        severity=result.severity or "",
        severity_label=result.severity_label or "",
        flags=list(result.flags),
        scoring_settings=result.settings_dict(),
        recorded_at=now,
    )
    assessment.full_clean(validate_unique=False, validate_constraints=False)
    assessment.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        patient=patient,
        changes=changes_between({}, snapshot(assessment, ASSESSMENT_FIELDS)),
        detail=detail,
        organization_id=patient.organization_id,
        client_address=client_address,
    )
    for flag in result.flags:
        if flag in ALERT_FLAGS:
            _alert_raise(assessment=assessment, flag=flag, actor=actor, now=now)
    return assessment


@transaction.atomic
def assessment_record(
    *,
    actor: Actor,
    patient: Patient,
    instrument: str,
    answers: Sequence[int | None],
    administered_at: dt.datetime,
    mode: str = Mode.IN_CLINIC,
) -> Assessment:
    """Record an assessment given by staff (administered by the acting user)."""
    actor.require(Action.ASSESSMENT_RECORD)
    _check_same_organization(actor, patient)
    return _create_assessment(
        patient=patient,
        clinic_id=actor.membership.clinic_id,
        instrument=instrument,
        answers=answers,
        administered_at=administered_at,
        administered_by_id=actor.user.pk,
        mode=mode,
        link=None,
        actor=actor,
    )


# --- safety alerts ----------------------------------------------------------------------------


def _alert_raise(
    *, assessment: Assessment, flag: str, actor: Actor | None, now: dt.datetime
) -> SafetyAlert:
    from kitclinic.assessments import tasks

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
    minutes = settings.KITCLINIC_ALERT_ESCALATION_MINUTES
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
        minutes = settings.KITCLINIC_ALERT_ESCALATION_MINUTES
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
            # Inside the transaction: if the mail server refuses, the alert stays open.
            send_mail(
                subject=f"[kitclinic] Unacknowledged safety alert at {alert.clinic.name}",
                message=(
                    f"A safety alert raised at {alert.created_at:%Y-%m-%d %H:%M} UTC at "
                    f"{alert.clinic.name} has not been acknowledged within {minutes} minutes.\n\n"
                    f"Open the alert queue: {settings.KITCLINIC_SITE_URL}/alerts/\n"
                ),
                from_email=None,
                recipient_list=recipients,
            )
    return True


# --- self-report links ------------------------------------------------------------------------


def _token_from_seed(seed: str) -> str:
    digest = salted_hmac("kitclinic.assessments.SelfReportLink", seed, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_token(link: SelfReportLink) -> str | None:
    """Rebuild the link's token; None if the secret key changed since it was issued."""
    token = _token_from_seed(link.token_seed)
    return token if constant_time_compare(token_hash(token), link.token_hash) else None


def link_path(link_mode: str, token: str) -> str:
    return f"/kiosk/{token}/" if link_mode == LinkMode.KIOSK else f"/r/{token}/"


@dataclass(frozen=True)
class IssuedLink:
    link: SelfReportLink
    token: str  # shown once; only its hash is stored

    @property
    def path(self) -> str:
        return link_path(self.link.mode, self.token)

    @property
    def url(self) -> str:
        return settings.KITCLINIC_SITE_URL + self.path


def _link_create(
    *,
    patient: Patient,
    clinic_id: int,
    instrument: str,
    mode: str,
    actor: Actor | None,
    schedule: AssessmentSchedule | None = None,
    due_on: dt.date | None = None,
) -> IssuedLink:
    from kitclinic.assessments import tasks

    if instrument not in SELF_REPORT_INSTRUMENTS:
        raise ValidationError(
            {
                "instrument": [
                    f"{instrument!r} cannot be self-reported; choose one of "
                    f"{', '.join(SELF_REPORT_INSTRUMENTS)}."
                ]
            }
        )
    if mode not in LinkMode.values:
        raise ValidationError({"mode": [f"Choose one of {', '.join(LinkMode.values)}."]})
    now = timezone.now()
    lifetime = (
        dt.timedelta(minutes=settings.KITCLINIC_KIOSK_LINK_MINUTES)
        if mode == LinkMode.KIOSK
        else dt.timedelta(days=settings.KITCLINIC_SELF_REPORT_LINK_DAYS)
    )
    seed = secrets.token_urlsafe(32)
    token = _token_from_seed(seed)
    link = SelfReportLink.objects.create(
        patient=patient,
        clinic_id=clinic_id,
        instrument=instrument,
        mode=mode,
        token_hash=token_hash(token),
        token_seed=seed,
        issued_by=actor.user if actor else None,
        issued_at=now,
        expires_at=now + lifetime,
        schedule=schedule,
        due_on=due_on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=link,
        patient=patient,
        changes=changes_between({}, snapshot(link, LINK_FIELDS)),
        detail="kiosk session started" if mode == LinkMode.KIOSK else "self-report link issued",
        organization_id=patient.organization_id,
    )
    if mode == LinkMode.SELF_REPORT and patient.email:
        tasks.link_email_send.enqueue(link.pk)
        hours = settings.KITCLINIC_REMINDER_AFTER_HOURS
        tasks.link_reminder_send.using(run_after=now + dt.timedelta(hours=hours)).enqueue(link.pk)
    return IssuedLink(link=link, token=token)


@transaction.atomic
def link_issue(
    *, actor: Actor, patient: Patient, instrument: str, mode: str = LinkMode.SELF_REPORT
) -> IssuedLink:
    """Issue a single-use questionnaire link (or a kiosk session) for a patient."""
    actor.require(Action.SELF_REPORT_LINK_ISSUE)
    _check_same_organization(actor, patient)
    return _link_create(
        patient=patient,
        clinic_id=actor.membership.clinic_id,
        instrument=instrument,
        mode=mode,
        actor=actor,
    )


class LinkUnavailable(Exception):
    """The link cannot be used: ``reason`` is unknown, expired, used or other_clinic."""

    MESSAGES = {
        "unknown": "This questionnaire link is not valid. Please check the address or ask your "
        "clinic for a new link.",
        "expired": "This questionnaire link has expired. Please ask your clinic for a new link.",
        "used": "Your answers have already been received. Thank you — there is nothing more to do "
        "with this link.",
        "other_clinic": "This kiosk link belongs to another clinic. Please hand the tablet back "
        "to the staff.",
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES[reason])

    @property
    def message(self) -> str:
        return self.MESSAGES[self.reason]


def _check_link(
    link: SelfReportLink | None, *, kiosk_clinic_id: int | None, now: dt.datetime
) -> SelfReportLink:
    if link is None:
        raise LinkUnavailable("unknown")
    if link.mode == LinkMode.KIOSK and link.clinic_id != kiosk_clinic_id:
        raise LinkUnavailable("other_clinic")
    if link.used_at is not None:
        raise LinkUnavailable("used")
    if link.expires_at <= now:
        raise LinkUnavailable("expired")
    return link


def link_open(token: str, *, mode: str, kiosk_clinic_id: int | None = None) -> SelfReportLink:
    """The usable link for ``token`` or LinkUnavailable (nothing is written)."""
    link = (
        SelfReportLink.objects.select_related("clinic", "patient")
        .filter(token_hash=token_hash(token), mode=mode)
        .first()
    )
    return _check_link(link, kiosk_clinic_id=kiosk_clinic_id, now=timezone.now())


def link_submit(
    *,
    token: str,
    mode: str,
    answers: Sequence[int | None],
    kiosk_clinic_id: int | None = None,
    client_address: str | None = None,
) -> Assessment:
    """File the patient's answers through a link, once. A second submission (even a concurrent
    one) raises LinkUnavailable("used") and stores nothing: the link row is locked, and the
    one-to-one from assessment to link is unique in the database."""
    try:
        with transaction.atomic():
            link = (
                SelfReportLink.objects.select_for_update()
                .filter(token_hash=token_hash(token), mode=mode)
                .first()
            )
            now = timezone.now()
            link = _check_link(link, kiosk_clinic_id=kiosk_clinic_id, now=now)
            patient = Patient.objects.get(pk=link.patient_id)
            assessment = _create_assessment(
                patient=patient,
                clinic_id=link.clinic_id,
                instrument=link.instrument,
                answers=answers,
                administered_at=now,
                administered_by_id=None,
                mode=Mode.KIOSK if link.mode == LinkMode.KIOSK else Mode.SELF_REPORT,
                link=link,
                actor=None,
                detail=SELF_REPORT_DETAIL,
                client_address=client_address,
            )
            link.used_at = now
            link.save(update_fields=["used_at"])
    except IntegrityError as exc:  # a concurrent submission filed the link first
        raise LinkUnavailable("used") from exc
    return assessment


def link_reminder_due(link: SelfReportLink, *, now: dt.datetime) -> bool:
    return (
        link.mode == LinkMode.SELF_REPORT
        and link.used_at is None
        and link.expires_at > now
        and link.reminder_sent_at is None
        and bool(link.patient.email)
    )


def _send_link_mail(link: SelfReportLink, *, reminder: bool) -> bool:
    token = link_token(link)
    if token is None:
        return False
    url = settings.KITCLINIC_SITE_URL + link_path(link.mode, token)
    expires = timezone.localtime(link.expires_at)
    lead = (
        "A reminder: your clinic is still waiting for your answers to a short questionnaire."
        if reminder
        else "Your clinic asks you to answer a short questionnaire."
    )
    # No name, diagnosis or score in the mail: only the clinic and the link.
    send_mail(
        subject=f"{'Reminder: ' if reminder else ''}Questionnaire from {link.clinic.name}",
        message=(
            f"{lead}\n\n{url}\n\nThe link works once and until {expires:%Y-%m-%d %H:%M}.\n\n"
            f"{settings.KITCLINIC_CRISIS_TEXT}\n"
        ),
        from_email=None,
        recipient_list=[link.patient.email],
    )
    return True


def link_email_send(*, link_id: int) -> bool:
    link = SelfReportLink.objects.select_related("patient", "clinic").filter(pk=link_id).first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        return False
    if not link.patient.email:
        return False
    return _send_link_mail(link, reminder=False)


def link_reminder_send(*, link_id: int) -> bool:
    """Send the reminder only if the link is still unused and unexpired (once)."""
    with transaction.atomic():
        link = (
            # Only the link's row (see alert_escalate).
            SelfReportLink.objects.select_for_update(of=("self",))
            .select_related("patient", "clinic")
            .filter(pk=link_id)
            .first()
        )
        if link is None or not link_reminder_due(link, now=timezone.now()):
            return False
        link.reminder_sent_at = timezone.now()
        link.save(update_fields=["reminder_sent_at"])
        return _send_link_mail(link, reminder=True)


# --- schedules --------------------------------------------------------------------------------

SCHEDULE_FIELDS = ("instrument", "cadence_days", "next_due_on", "anchor", "active")


@transaction.atomic
def schedule_set(
    *,
    actor: Actor,
    patient: Patient,
    instrument: str,
    cadence_days: int,
    first_due_on: dt.date,
) -> AssessmentSchedule:
    """Start (or replace) the patient's calendar schedule for one instrument."""
    actor.require(Action.ASSESSMENT_SCHEDULE_EDIT)
    _check_same_organization(actor, patient)
    errors: dict[str, list[str]] = {}
    if instrument not in SELF_REPORT_INSTRUMENTS:
        errors["instrument"] = [f"Choose one of {', '.join(SELF_REPORT_INSTRUMENTS)}."]
    if not isinstance(cadence_days, int) or not 1 <= cadence_days <= MAX_CADENCE_DAYS:
        errors["cadence_days"] = [f"Every 1 to {MAX_CADENCE_DAYS} days."]
    if first_due_on is None or first_due_on < timezone.localdate():
        errors["first_due_on"] = ["The first date cannot be in the past."]
    if errors:
        raise ValidationError(errors)
    for old in AssessmentSchedule.objects.select_for_update().filter(
        patient=patient, instrument=instrument, active=True
    ):
        old.active = False
        old.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=old,
            patient=patient,
            changes={"active": [True, False]},
            detail="replaced by a new schedule",
        )
    schedule = AssessmentSchedule.objects.create(
        patient=patient,
        clinic_id=actor.membership.clinic_id,
        instrument=instrument,
        cadence_days=cadence_days,
        next_due_on=first_due_on,
        anchor=ScheduleAnchor.CALENDAR,
        active=True,
        created_by=actor.user,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=schedule,
        patient=patient,
        changes=changes_between({}, snapshot(schedule, SCHEDULE_FIELDS)),
    )
    return schedule


def schedules_send_due(*, today: dt.date | None = None) -> list[IssuedLink]:
    """Issue a link for every active calendar schedule due on or before ``today`` and move its
    next date past today. Running it again the same day issues nothing (the date has moved, and a
    link per schedule and due date is unique in the database)."""
    today = today or timezone.localdate()
    issued: list[IssuedLink] = []
    due_ids = list(
        AssessmentSchedule.objects.filter(
            active=True, anchor=ScheduleAnchor.CALENDAR, next_due_on__lte=today
        ).values_list("pk", flat=True)
    )
    for schedule_id in due_ids:
        with transaction.atomic():
            schedule = (
                AssessmentSchedule.objects.select_for_update()
                .select_related("patient")
                .get(pk=schedule_id)
            )
            if not schedule.active or schedule.next_due_on > today:
                continue  # another run got there first
            due_on = schedule.next_due_on
            if not SelfReportLink.objects.filter(schedule=schedule, due_on=due_on).exists():
                issued.append(
                    _link_create(
                        patient=schedule.patient,
                        clinic_id=schedule.clinic_id,
                        instrument=schedule.instrument,
                        mode=LinkMode.SELF_REPORT,
                        actor=None,
                        schedule=schedule,
                        due_on=due_on,
                    )
                )
            before = schedule.next_due_on
            while schedule.next_due_on <= today:
                schedule.next_due_on += dt.timedelta(days=schedule.cadence_days)
            schedule.save(update_fields=["next_due_on"])
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                obj=schedule,
                patient=schedule.patient,
                changes={"next_due_on": [before, schedule.next_due_on]},
                detail="questionnaire sent on schedule",
                organization_id=schedule.patient.organization_id,
            )
    return issued
