"""Lab results (inflammatory markers) and the derived per-course outcome figures. The published
information sheets and the patients' consent to them are ``kitclinic.consent``'s."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kitclinic.audit.append_only import AppendOnlyError
from kitclinic.intake.eligibility import Indication
from kitclinic.outcomes.labs import Analyte

INDICATION_CHOICES = Indication.choices()


# Published sheets and consents are append-only records (kitclinic.audit.append_only).
ImmutableRecordError = AppendOnlyError


class LabResult(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="lab_results"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    analyte = models.CharField(max_length=12, choices=Analyte.choices)
    loinc_code = models.CharField("LOINC code", max_length=10, editable=False)
    value = models.DecimalField(max_digits=10, decimal_places=3)
    unit = models.CharField("unit (UCUM)", max_length=20)
    collected_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["collected_at", "id"]
        indexes = [
            models.Index(fields=["patient", "analyte", "collected_at"], name="lab_patient_trend")
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0), name="lab_value_not_negative")
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_analyte_display()} {self.value} {self.unit} ({self.collected_at:%Y-%m-%d})"
        )


# --- Derived per-course figures (kitclinic.outcomes.summary) ------------------------------------
# Not clinical records: a cache of the engine's results, refreshed from the records for the
# patients whose records changed and rebuilt whole by `kitclinic outcomes_rebuild`.


class CourseOutcomeSummary(models.Model):
    """The engine's outcome of one course on one rating scale, plus rapid-onset changes."""

    course = models.ForeignKey(
        "infusions.TreatmentCourse", on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=12)
    flags = models.PositiveSmallIntegerField(help_text="bit set, see summary.FLAGS")
    baseline = models.FloatField(null=True)
    endpoint_improvement = models.FloatField(null=True)
    last_infusion = models.IntegerField()
    first_response_infusion = models.IntegerField(help_text="-1: never responded")
    days_to_relapse_or_followed = models.FloatField(null=True)
    onset_4h_change_pct = models.FloatField(null=True)
    onset_24h_change_pct = models.FloatField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "instrument"], name="course_outcome_summary_unique"
            )
        ]
        indexes = [models.Index(fields=["organization"], name="course_outcome_summary_org")]

    def __str__(self) -> str:
        return f"Outcome summary of course {self.course_id} ({self.instrument})"


class CourseEffectSummary(models.Model):
    """Side-effect figures of a course's given infusions, summed (means are sum / n)."""

    course = models.OneToOneField(
        "infusions.TreatmentCourse", on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    first_infusion_day = models.FloatField(null=True, help_text="days since 1970-01-01 UTC")
    sessions = models.IntegerField(help_text="complete infusions")
    # stopped below KITCLINIC_COMPLETE_INFUSION_MIN_SHARE of the ordered dose
    incomplete_sessions = models.IntegerField(default=0)
    adverse_events = models.IntegerField()
    bp_n = models.IntegerField()
    bp_sum = models.FloatField()
    bp_max = models.FloatField(null=True)
    cadss_n = models.IntegerField()
    cadss_sum = models.FloatField()
    cadss_max = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["organization"], name="course_effect_summary_org")]

    def __str__(self) -> str:
        return f"Side-effect summary of course {self.course_id}"


class OutcomeSummaryState(models.Model):
    """Per organization: the largest ids of the records already folded into the summaries."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    marks = models.JSONField(default=dict, help_text="table -> largest id summarized")
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Outcome summaries of organization {self.organization_id}"
