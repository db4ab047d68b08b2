"""Reads of the esketamine REMS records for pages and the API: the acting clinic's certification
and its history, its enrolments, and its Patient Monitoring Forms with their state. Every list
that names patients is recorded in the audit trail as a worklist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import worklist_record
from kitclinic.patients.models import Patient
from kitclinic.rems.models import (
    Certification,
    MonitoringForm,
    PatientEnrolment,
    PrescriberEnrolment,
)
from kitclinic.rems.rules import Period, form_status
from kitclinic.rems.services import clinic_today

STATUS_LABELS = {
    "submitted": "Submitted",
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "open": "To submit",
}


def due_soon_days() -> int:
    """KITCLINIC_REMS_DUE_SOON_DAYS (default 2): a workflow choice, not a REMS figure."""
    return int(settings.KITCLINIC_REMS_DUE_SOON_DAYS)


@dataclass(frozen=True)
class CertificationView:
    current: Certification | None
    valid_today: bool
    history: list[Certification]


def certification_view(actor: Actor) -> CertificationView:
    actor.require(Action.REMS_VIEW)
    history = list(
        Certification.objects.filter(clinic=actor.clinic)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")
    )
    current = history[0] if history else None
    valid = current is not None and Period(current.certified_on, current.expires_on).covers(
        clinic_today(actor.clinic)
    )
    return CertificationView(current=current, valid_today=valid, history=history)


def prescriber_enrolments(actor: Actor) -> list[PrescriberEnrolment]:
    actor.require(Action.REMS_VIEW)
    return list(
        PrescriberEnrolment.objects.filter(clinic=actor.clinic)
        .select_related("prescriber", "recorded_by")
        .order_by("ended_on", "prescriber__last_name", "-enrolled_on", "id")
    )


def patient_enrolments(actor: Actor) -> list[PatientEnrolment]:
    actor.require(Action.REMS_VIEW)
    rows = list(
        PatientEnrolment.objects.filter(clinic=actor.clinic)
        .select_related("patient", "recorded_by")
        .order_by("ended_on", "patient__family_name", "patient__given_name", "-enrolled_on", "id")
    )
    worklist_record(actor, what="rems enrolments", patient_ids=[e.patient_id for e in rows])
    return rows


def patient_enrolment_for(actor: Actor, patient_id: int) -> PatientEnrolment | None:
    """The patient's open enrolment at the acting clinic, if any."""
    return (
        PatientEnrolment.objects.filter(
            clinic=actor.clinic, patient_id=patient_id, ended_on__isnull=True
        )
        .order_by("-enrolled_on")
        .first()
    )


@dataclass(frozen=True)
class FormRow:
    form: MonitoringForm
    status: str
    days_left: int

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def late(self) -> bool:
        """Submitted after its last day."""
        return self.form.submitted_on is not None and self.form.submitted_on > self.form.due_on


def form_row(form: MonitoringForm, today: dt.date) -> FormRow:
    return FormRow(
        form=form,
        status=form_status(
            due_on=form.due_on,
            submitted_on=form.submitted_on,
            today=today,
            due_soon_days=due_soon_days(),
        ),
        days_left=(form.due_on - today).days,
    )


def _forms(actor: Actor) -> QuerySet[MonitoringForm]:
    return MonitoringForm.objects.filter(clinic=actor.clinic).select_related(
        "patient", "submitted_by"
    )


FORM_FILTERS = ("attention", "open", "submitted", "all")


def form_rows(actor: Actor, which: str = "attention") -> list[FormRow]:
    """The acting clinic's forms: ``attention`` (overdue and due soon, most urgent first),
    ``open`` (every unsubmitted one), ``submitted`` or ``all``."""
    actor.require(Action.REMS_VIEW)
    today = clinic_today(actor.clinic)
    forms = _forms(actor)
    if which in ("attention", "open"):
        forms = forms.filter(submitted_on__isnull=True)
    elif which == "submitted":
        forms = forms.filter(submitted_on__isnull=False)
    if which == "attention":
        forms = forms.filter(due_on__lte=today + dt.timedelta(days=due_soon_days()))
    ordered = (
        forms.order_by("due_on", "id")
        if which != "submitted"
        else forms.order_by("-submitted_on", "-id")
    )
    rows = [form_row(f, today) for f in ordered]
    worklist_record(actor, what="rems forms", patient_ids=[r.form.patient_id for r in rows])
    return rows


def attention_count(actor: Actor) -> dict[str, int]:
    """How many of the acting clinic's forms are overdue and due soon (no names: the dashboard's
    line for every role that may see REMS records)."""
    if not actor.may(Action.REMS_VIEW):
        return {}
    today = clinic_today(actor.clinic)
    unsubmitted = MonitoringForm.objects.filter(clinic=actor.clinic, submitted_on__isnull=True)
    return {
        "overdue": unsubmitted.filter(due_on__lt=today).count(),
        "due_soon": unsubmitted.filter(
            due_on__gte=today, due_on__lte=today + dt.timedelta(days=due_soon_days())
        ).count(),
    }


def form_detail(form: MonitoringForm, actor: Actor) -> dict[str, Any]:
    return {"row": form_row(form, clinic_today(actor.clinic)), "sections": form_sections(form)}


def form_sections(form: MonitoringForm) -> list[tuple[str, list[tuple[str, str]]]]:
    """The snapshot as the form's sections of (label, value) pairs, in the order it is kept."""
    sections = form.snapshot.get("sections", []) if isinstance(form.snapshot, dict) else []
    return [
        (str(s.get("title", "")), [(str(k), str(v)) for k, v in s.get("fields", [])])
        for s in sections
        if isinstance(s, dict)
    ]


def patient_id_by_mrn(actor: Actor, mrn: str) -> int | None:
    """The id of the organization's patient with ``mrn`` (the enrolment page's lookup)."""
    return (
        Patient.objects.filter(organization_id=actor.organization_id, mrn=mrn.strip())
        .values_list("pk", flat=True)
        .first()
    )
