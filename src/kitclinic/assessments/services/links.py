"""Self-report links and kiosk sessions: a single-use, expiring link for one questionnaire, the
patient's answers filed through it once, and its e-mail and reminder."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.accounts.selectors import clinic_settings
from kitclinic.assessments import tasks
from kitclinic.assessments.models import (
    SELF_REPORT_INSTRUMENTS,
    Assessment,
    AssessmentSchedule,
    LinkMode,
    Mode,
    SelfReportLink,
)
from kitclinic.assessments.services.assessments import assessment_create, check_same_organization
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record, changes_between, snapshot
from kitclinic.patients.models import Patient

SELF_REPORT_DETAIL = "self-report via link"
LINK_FIELDS = ("instrument", "mode", "issued_at", "expires_at", "schedule", "due_on")


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
    return reverse("kiosk" if link_mode == LinkMode.KIOSK else "self-report", args=[token])


def link_is_emailed(patient: Patient, *, mode: str = LinkMode.SELF_REPORT) -> bool:
    """A self-report link is e-mailed (and reminded) to a patient with an address on file; a
    kiosk session is opened on the clinic's tablet."""
    return mode == LinkMode.SELF_REPORT and bool(patient.email)


@dataclass(frozen=True)
class IssuedLink:
    link: SelfReportLink
    token: str  # shown once; only its hash is stored
    emailed: bool  # queued for e-mail to the patient

    @property
    def path(self) -> str:
        return link_path(self.link.mode, self.token)

    @property
    def url(self) -> str:
        return settings.KITCLINIC_SITE_URL + self.path


def link_create(
    *,
    patient: Patient,
    clinic_id: int,
    instrument: str,
    mode: str,
    actor: Actor | None,
    schedule: AssessmentSchedule | None = None,
    due_on: dt.date | None = None,
) -> IssuedLink:
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
    own = clinic_settings(clinic_id)
    lifetime = (
        dt.timedelta(minutes=own.kiosk_link_minutes)
        if mode == LinkMode.KIOSK
        else dt.timedelta(days=own.self_report_link_days)
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
    emailed = link_is_emailed(patient, mode=mode)
    if emailed:
        tasks.link_email_send.enqueue(link.pk)
        hours = settings.KITCLINIC_REMINDER_AFTER_HOURS
        tasks.link_reminder_send.using(run_after=now + dt.timedelta(hours=hours)).enqueue(link.pk)
    return IssuedLink(link=link, token=token, emailed=emailed)


@transaction.atomic
def link_issue(
    *, actor: Actor, patient: Patient, instrument: str, mode: str = LinkMode.SELF_REPORT
) -> IssuedLink:
    """Issue a single-use questionnaire link (or a kiosk session) for a patient."""
    actor.require(Action.SELF_REPORT_LINK_ISSUE)
    check_same_organization(actor, patient)
    return link_create(
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

    TITLES = {
        "unknown": "Link not valid",
        "expired": "Link expired",
        "used": "Already received",
        "other_clinic": "Wrong clinic",
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES[reason])

    @property
    def message(self) -> str:
        return self.MESSAGES[self.reason]

    @property
    def title(self) -> str:
        return self.TITLES[self.reason]


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
            assessment = assessment_create(
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
            f"{clinic_settings(link.clinic_id).crisis_text}\n"
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
