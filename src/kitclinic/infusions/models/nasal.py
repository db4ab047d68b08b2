"""The records of an esketamine nasal-spray session (docs/esketamine.md): the devices given and
the blood pressure before and after dosing. The order is the session's InfusionOrder (its dose in
mg and its number of devices); everything else is shared with an infusion."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kitclinic.infusions.models.sessions import InfusionSession, SessionRecord


class NasalDevice(SessionRecord):
    """One nasal-spray device given (two sprays, one per nostril), in order."""

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="nasal_devices"
    )
    number = models.PositiveSmallIntegerField(help_text="1 for the session's first device, ...")
    dose_mg = models.DecimalField(max_digits=6, decimal_places=2)
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # the controlled-substance log entry of the device (None: no lot was named)
    draw_entry_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["session_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "number"], name="nasal_device_number_unique_per_session"
            )
        ]


class BloodPressureMoment(models.TextChoices):
    PREDOSE = "predose", "Before dosing"
    POST_DOSE = "post_dose", "After dosing"


class NasalBloodPressure(SessionRecord):
    """The blood pressure (with heart rate and pulse oximetry) before the first device and after
    the last one. Before dosing, a reading above the protocol's figures is a soft stop: the
    physician's reason to go on is kept with it."""

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="nasal_blood_pressures"
    )
    moment = models.CharField(max_length=10, choices=BloodPressureMoment.choices)
    taken_at = models.DateTimeField()
    sbp = models.PositiveSmallIntegerField("SBP (mmHg)")
    dbp = models.PositiveSmallIntegerField("DBP (mmHg)")
    hr = models.PositiveSmallIntegerField("HR (/min)")
    spo2 = models.PositiveSmallIntegerField("SpO2 (%)")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    finding = models.JSONField(default=dict, blank=True, help_text="the pre-dose finding")
    override_reason = models.CharField(max_length=300, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["session_id", "taken_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "moment"], name="nasal_bp_one_per_moment_per_session"
            )
        ]

    @property
    def needs_physician(self) -> bool:
        """A pre-dose soft stop not yet answered by a physician's reason."""
        return self.finding.get("severity") == "soft" and not self.override_reason
