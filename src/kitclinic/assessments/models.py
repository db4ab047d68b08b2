"""Rating-scale assessments, self-report links, questionnaire schedules and safety alerts.

Scores are derived: ``total``, ``severity``, ``flags`` and ``scoring_settings`` are written only by
``services.assessment_record`` from ``kitclinic.instruments.score``; nothing types them in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kitclinic.instruments import get_instrument

# Scales staff may record; Aldrete is a discharge score that belongs to the infusion workflow.
RECORDABLE_INSTRUMENTS = ("phq9", "gad7", "pcl5", "qids-sr16", "madrs", "peg", "cadss")
# Scales a patient answers alone (MADRS is a clinician interview; CADSS is rated during a session).
SELF_REPORT_INSTRUMENTS = ("phq9", "gad7", "pcl5", "qids-sr16", "peg")
# Longest gap a questionnaire schedule may have (the form and schedule_set both enforce it).
MAX_CADENCE_DAYS = 365


def _instrument_choices(ids: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(i, get_instrument(i).name) for i in ids]


class Mode(models.TextChoices):
    IN_CLINIC = "in_clinic", "In clinic (staff-administered)"
    SELF_REPORT = "self_report", "Self-report (link)"
    KIOSK = "kiosk", "Kiosk (clinic tablet)"


class Assessment(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="assessments"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(
        max_length=20, choices=_instrument_choices(RECORDABLE_INSTRUMENTS)
    )
    answers = models.JSONField(help_text="Item answers in item order (item 1 first)")
    administered_at = models.DateTimeField()
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Empty for a patient's self-report",
    )
    mode = models.CharField(max_length=20, choices=Mode.choices)
    self_report_link = models.OneToOneField(
        "assessments.SelfReportLink",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessment",
        help_text="The link it came through; one assessment per link (unique)",
    )
    # Derived columns, written only by services.assessment_record.
    total = models.DecimalField(max_digits=6, decimal_places=2, editable=False)
    severity = models.CharField(max_length=30, blank=True, editable=False)
    severity_label = models.CharField(max_length=60, blank=True, editable=False)
    flags = models.JSONField(default=list, editable=False)
    scoring_settings = models.JSONField(
        default=dict, editable=False, help_text="Instrument settings the score used"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["administered_at", "id"]
        indexes = [
            models.Index(
                fields=["patient", "instrument", "administered_at"], name="assessment_trajectory"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.total} ({self.administered_at:%Y-%m-%d})"

    @property
    def total_value(self) -> int | float:
        """The total as the instrument library reports it (PEG keeps 2 decimals)."""
        value = self.total
        return int(value) if value == value.to_integral_value() else float(value)

    @property
    def mode_short(self) -> str:
        return {"in_clinic": "in clinic", "self_report": "self-report", "kiosk": "kiosk"}[self.mode]

    @property
    def given_by(self) -> str:
        """Who gave it: the staff member, or the patient for a self-report."""
        return str(self.administered_by) if self.administered_by is not None else "patient"

    @property
    def flag_names(self) -> list[str]:
        return [f.replace("_", " ") for f in self.flags]


class LinkMode(models.TextChoices):
    SELF_REPORT = "self_report", "Self-report link"
    KIOSK = "kiosk", "Kiosk session"


class SelfReportLink(models.Model):
    """A single-use, expiring questionnaire link for one patient and one instrument.

    Only the SHA-256 of the token is stored for look-up. The token itself is an HMAC of
    ``token_seed`` under the server's secret key, so the email and reminder tasks can rebuild it
    without any token sitting in the task queue, while the database alone cannot produce it.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="self_report_links"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(
        max_length=20, choices=_instrument_choices(SELF_REPORT_INSTRUMENTS)
    )
    mode = models.CharField(max_length=20, choices=LinkMode.choices, default=LinkMode.SELF_REPORT)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_seed = models.CharField(max_length=64, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    schedule = models.ForeignKey(
        "assessments.AssessmentSchedule",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="links",
    )
    due_on = models.DateField(null=True, blank=True, help_text="Schedule date it was sent for")
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            # The schedule command issues one link per schedule and due date, however often it runs.
            models.UniqueConstraint(
                fields=["schedule", "due_on"], name="one_link_per_schedule_due_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} link for patient {self.patient_id} ({self.issued_at:%Y-%m-%d})"


class ScheduleAnchor(models.TextChoices):
    CALENDAR = "calendar", "Calendar (every N days)"
    # Later: re-anchor the clock to each recorded infusion ([moodmonitor-schedule]). Not offered
    # yet.
    INFUSION = "infusion", "After each infusion (not yet available)"


class AssessmentSchedule(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="assessment_schedules"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(
        max_length=20, choices=_instrument_choices(SELF_REPORT_INSTRUMENTS)
    )
    cadence_days = models.PositiveSmallIntegerField()
    next_due_on = models.DateField()
    anchor = models.CharField(
        max_length=20, choices=ScheduleAnchor.choices, default=ScheduleAnchor.CALENDAR
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["next_due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument"],
                condition=models.Q(active=True),
                name="one_active_schedule_per_patient_instrument",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} every {self.cadence_days} days, next {self.next_due_on}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ESCALATED = "escalated", "Escalated"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class SafetyAlert(models.Model):
    """Raised by a flagged answer in the same transaction as the assessment.

    open -> acknowledged, or open -> escalated -> acknowledged (escalated after
    KITCLINIC_ALERT_ESCALATION_MINUTES without acknowledgement)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="safety_alerts"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="alerts")
    flag = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    created_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "status", "created_at"], name="alert_queue"),
            # The acknowledged list, newest first (assessments.selectors.ACKNOWLEDGED_ALERT_LIST).
            models.Index(
                fields=["clinic", "status", "acknowledged_at", "id"], name="alert_acknowledged"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "flag"], name="one_alert_per_flag")
        ]

    def __str__(self) -> str:
        return f"{self.flag} alert for patient {self.patient_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status != AlertStatus.ACKNOWLEDGED

    @property
    def flag_label(self) -> str:
        return FLAG_LABELS.get(self.flag, self.flag.replace("_", " "))


FLAG_LABELS = {
    "suicidal_ideation": "Suicidal ideation item answered",
}
# Flags that raise a SafetyAlert (the instrument library only raises the flag).
ALERT_FLAGS = frozenset(FLAG_LABELS)
