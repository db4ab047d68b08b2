"""Chairs, treatment courses and appointments (chair time = infusion + recovery)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kitclinic.dosing import TreatmentKind
from kitclinic.infusions.states import CourseStatus
from kitclinic.intake.eligibility import Indication


class Chair(models.Model):
    """An infusion chair of a clinic; an appointment holds it for the infusion and recovery."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="chairs")
    name = models.CharField(max_length=60)
    is_active = models.BooleanField(default=True)
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")

    class Meta:
        ordering = ["clinic_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="chair_name_unique_per_clinic")
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """When a clinic is open on one weekday (no row: closed that day). Times are the clinic's
    local times. The clinic day and the booking form show them."""

    WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(
        choices=list(enumerate(WEEKDAYS)), help_text="0 = Monday ... 6 = Sunday."
    )
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["clinic_id", "weekday"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "weekday"], name="opening_hours_one_row_per_weekday"
            ),
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")),
                name="opening_hours_open_before_close",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.WEEKDAYS[self.weekday]} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class TreatmentCourse(models.Model):
    """A patient's course for one indication on one protocol of one library version."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_courses"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    indication = models.CharField(max_length=20, choices=Indication.choices())
    library_version = models.ForeignKey(
        "infusions.DrugLibraryVersion", on_delete=models.PROTECT, related_name="+"
    )
    protocol_id = models.CharField(max_length=80)
    # the protocol's kind, copied when the course is planned: its sessions follow the kind's steps
    kind = models.CharField(
        max_length=20,
        choices=[(k.value, k.label) for k in TreatmentKind],
        default=TreatmentKind.IV_KETAMINE.value,
    )
    planned_infusions = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=12,
        choices=[(s.value, s.value.capitalize()) for s in CourseStatus],
        default=CourseStatus.PLANNED,
    )
    notes = models.CharField(max_length=300, blank=True)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    planned_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-planned_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_indication_display()} course ({self.protocol_id}, {self.status})"

    @property
    def protocol_name(self) -> str:
        """The protocol's name in the course's library version, what staff read (the id is for
        records); the id itself if that version has no such protocol."""
        try:
            return self.library_version.library().protocol(self.protocol_id).name
        except KeyError:
            return self.protocol_id

    @property
    def treatment_kind(self) -> TreatmentKind:
        return TreatmentKind(self.kind)

    @property
    def is_esketamine(self) -> bool:
        return self.kind == TreatmentKind.ESKETAMINE_NASAL


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


class Appointment(models.Model):
    """A chair held from ``starts_at`` to ``ends_at`` (infusion minutes + recovery minutes)."""

    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="appointments"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    chair = models.ForeignKey(Chair, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    infusion_minutes = models.PositiveSmallIntegerField()
    recovery_minutes = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField()
    cancel_reason = models.CharField(
        max_length=300, blank=True, help_text="Why it was cancelled, or the no-show note."
    )
    # who cancelled it or recorded the no-show, and when (the audit trail has the same)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    back_entry_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Set when the booking was made after its start: a session recorded afterwards.",
    )
    over_plan_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Set when the booking went beyond the course's planned number of infusions.",
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["chair", "starts_at"], name="appointment_chair_time"),
            models.Index(fields=["clinic", "starts_at"], name="appointment_clinic_time"),
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.chair} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_back_entry(self) -> bool:
        return bool(self.back_entry_reason)
