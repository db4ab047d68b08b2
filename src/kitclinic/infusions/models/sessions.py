"""The infusion session and its record: check-in, order, double check, events, vitals, scores,
adverse events, discharge, sign-off and addenda.

A signed session is immutable: the session row and every record under it refuse writes once the
session is signed (the services refuse first, with a clear message; these guards make sure no
other code path can). Corrections are addenda.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from kitclinic.infusions.states import NOT_HELD_STATES, SessionState

SIGNED_MESSAGE = "This session is signed and cannot be changed; write an addendum instead."


class SignedRecordError(ValidationError):
    def __init__(self) -> None:
        super().__init__(SIGNED_MESSAGE, code="signed")


class InfusionSession(models.Model):
    appointment = models.OneToOneField(
        "infusions.Appointment", on_delete=models.PROTECT, related_name="session"
    )
    course = models.ForeignKey(
        "infusions.TreatmentCourse", on_delete=models.PROTECT, related_name="sessions"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="infusion_sessions"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    # The session's place in its course by start time among the sessions that take place (not
    # cancelled, not a no-show); scheduling keeps it so on every booking, cancel and no-show.
    number = models.PositiveSmallIntegerField(help_text="1 for the course's first session, ...")
    state = models.CharField(
        max_length=12,
        choices=[(s.value, s.label) for s in SessionState],
        default=SessionState.SCHEDULED,
        db_index=True,
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # what the pump delivered, replayed from its events when the infusion stopped
    # (kitclinic.dosing.pump); NULL until then
    delivered_ml = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    delivered_mg = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    created_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "number"],
                condition=~models.Q(state__in=sorted(s.value for s in NOT_HELD_STATES)),
                name="session_number_unique_per_course",
            )
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a row read from the database (Model.from_db builds it through __init__) has its pk:
        # the state as stored is what save() and delete() guard
        self._stored_state = self.state if self.pk else None

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._stored_state = self.state

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_state == SessionState.SIGNED:
            raise SignedRecordError()
        super().save(*args, **kwargs)
        self._stored_state = self.state

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_state == SessionState.SIGNED:
            raise SignedRecordError()
        return super().delete(*args, **kwargs)

    @property
    def state_enum(self) -> SessionState:
        return SessionState(self.state)

    @property
    def is_signed(self) -> bool:
        return self.state == SessionState.SIGNED

    @property
    def is_held(self) -> bool:
        """Not cancelled and not a no-show: the session has a number in its course."""
        return self.state not in NOT_HELD_STATES

    @property
    def course_number(self) -> int | None:
        """The session's number in its course; None for one that did not take place (its
        stored number is what it had, and a later session may hold it now)."""
        return self.number if self.is_held else None

    def __str__(self) -> str:
        return f"Session {self.number} of {self.patient_id} ({self.state})"


class SessionRecord(models.Model):
    """A record under a session: refused once the session is signed."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk} of session {self.session_id}"

    def _refuse_if_signed(self) -> None:
        if InfusionSession.objects.filter(pk=self.session_id, state=SessionState.SIGNED).exists():
            raise SignedRecordError()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_signed()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._refuse_if_signed()
        return super().delete(*args, **kwargs)


class PregnancyStatus(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    NOT_PREGNANT = "not_pregnant", "Not pregnant"
    PREGNANT = "pregnant", "Pregnant"
    UNKNOWN = "unknown", "Unknown / not tested"


class CheckIn(SessionRecord):
    session = models.OneToOneField(
        InfusionSession, on_delete=models.PROTECT, related_name="check_in"
    )
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_in_at = models.DateTimeField()
    identity_confirmed = models.BooleanField()
    consent_on_file = models.BooleanField()
    consent_date = models.DateField()
    fasting_confirmed = models.BooleanField()
    escort_confirmed = models.BooleanField()
    escort_name = models.CharField(max_length=150, blank=True)
    # W1/W2: measured today, kg only (Decimal); the last session's weight is kept for the check
    weight_kg = models.DecimalField(max_digits=6, decimal_places=2)
    weight_method = models.CharField(max_length=10, default="measured")
    # the last *accepted* weight when checked in (kitclinic.infusions.services.weights)
    previous_weight_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    # False when the weight needed an override (and did not confirm the previous unconfirmed
    # weight): it is then never the reference later weights and doses are checked against
    weight_is_reference = models.BooleanField(default=True)
    weight_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text="{finding code: {reason, message, cosigned_by, cosigned_by_name}}",
    )
    # the recorded consent to the current information sheet (kitclinic.consent) checked in on
    consent = models.ForeignKey(
        "consent.ConsentRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    pregnancy_status = models.CharField(max_length=16, choices=PregnancyStatus.choices)
    gate_failures = models.JSONField(default=list, blank=True, help_text="[{code, message}]")
    # only on check-ins overridden before the gate became a soft finding of the order (the
    # order's overrides now carry the reason; the double check co-signs it)
    gate_override_reason = models.CharField(max_length=300, blank=True)
    gate_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    gate_override_at = models.DateTimeField(null=True, blank=True)
    pre_rating_instrument = models.CharField(max_length=20)
    pre_rating_answers = models.JSONField(default=list)
    pre_rating_total = models.DecimalField(max_digits=6, decimal_places=2)
    pre_rating_severity = models.CharField(max_length=40, blank=True)
    pre_rating_flags = models.JSONField(default=list, blank=True)
    # the same rating recorded in the measurement-based-care record (safety alerts, trajectories)
    pre_assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    @property
    def gate_passed(self) -> bool:
        return not self.gate_failures or bool(self.gate_override_reason)


class CheckInCorrection(SessionRecord):
    """A correction of the check-in before the order is placed: the check-in stays as recorded;
    the latest correction's values (weight, pregnancy status and the gate that follows) are the
    ones the order is checked against. Never edited: a further correction is another row."""

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="check_in_corrections"
    )
    check_in = models.ForeignKey(CheckIn, on_delete=models.PROTECT, related_name="corrections")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    weight_kg = models.DecimalField(max_digits=6, decimal_places=2)
    previous_weight_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    weight_is_reference = models.BooleanField(default=True)
    weight_overrides = models.JSONField(default=dict, blank=True)
    pregnancy_status = models.CharField(max_length=16, choices=PregnancyStatus.choices)
    gate_failures = models.JSONField(default=list, blank=True, help_text="[{code, message}]")

    class Meta:
        ordering = ["corrected_at", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("A check-in correction cannot be edited; record another one.")
        super().save(*args, **kwargs)


class InfusionOrder(SessionRecord):
    """The order as checked: amounts computed by kitclinic.dosing.check_dose, with its findings."""

    session = models.OneToOneField(InfusionSession, on_delete=models.PROTECT, related_name="order")
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField()
    library_version = models.ForeignKey(
        "infusions.DrugLibraryVersion", on_delete=models.PROTECT, related_name="orders"
    )
    protocol_id = models.CharField(max_length=80)
    weight_kg = models.DecimalField(max_digits=6, decimal_places=2)
    dose = models.DecimalField(max_digits=8, decimal_places=3, help_text="in dose_unit")
    dose_unit = models.CharField(max_length=10)
    duration_min = models.DecimalField(max_digits=6, decimal_places=1)
    concentration_mg_per_ml = models.DecimalField(max_digits=7, decimal_places=3)
    dose_mg = models.DecimalField(max_digits=8, decimal_places=2)
    dose_mg_per_kg = models.DecimalField(max_digits=7, decimal_places=3)
    rate_mg_per_h = models.DecimalField(max_digits=8, decimal_places=2)
    rate_ml_per_h = models.DecimalField(max_digits=8, decimal_places=2)
    rate_mg_per_kg_per_h = models.DecimalField(max_digits=7, decimal_places=3)
    volume_ml = models.DecimalField("VTBI (mL)", max_digits=8, decimal_places=2)
    status = models.CharField(max_length=4, help_text="worst finding: ok or soft")
    findings = models.JSONField(help_text="check_dose findings, as to_dict()")
    overrides = models.JSONField(default=dict, blank=True, help_text="{finding code: reason}")
    pk_model = models.CharField(max_length=30, blank=True)
    pk_cmax_ug_per_ml = models.FloatField(null=True, blank=True)
    pk_tmax_min = models.FloatField(null=True, blank=True)
    # esketamine nasal spray: the fixed dose's number of devices (no rate, bag or pump: those
    # columns hold 0)
    devices = models.PositiveSmallIntegerField(null=True, blank=True)

    @property
    def needs_cosign(self) -> bool:
        return bool(self.overrides)


class DoubleCheck(SessionRecord):
    session = models.OneToOneField(
        InfusionSession, on_delete=models.PROTECT, related_name="double_check"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField()
    rate_ml_per_h_readback = models.DecimalField(max_digits=8, decimal_places=2)
    vtbi_ml_readback = models.DecimalField(max_digits=8, decimal_places=2)
    overrides_cosigned = models.BooleanField(default=False)


class ReturnKind(models.TextChoices):
    SENT_BACK = "sent_back", "Sent back at the double check"
    WITHDRAWN = "withdrawn", "Withdrawn by a physician"


class ReturnedOrder(SessionRecord):
    """An order taken back before the start (sent back from the double check, or withdrawn),
    with who, when and why, and a complete copy of the order and of its double check if there
    was one (which the return voids). Written once, never edited or deleted: the session's
    record keeps it while a new order is placed in the order's place."""

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="returned_orders"
    )
    kind = models.CharField(max_length=10, choices=ReturnKind.choices)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    order_pk = models.PositiveIntegerField(help_text="Id the order had (its audit events name it).")
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField()
    order_snapshot = models.JSONField(help_text="Every field of the order as it was placed.")
    double_check_snapshot = models.JSONField(
        null=True, blank=True, help_text="Every field of the voided double check, if any."
    )

    class Meta:
        ordering = ["returned_at", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("A returned order cannot be edited.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("A returned order stays in the session's record.")


class EventKind(models.TextChoices):
    START = "start", "Infusion started"
    PAUSE = "pause", "Paused"
    RESUME = "resume", "Resumed"
    RATE_CHANGE = "rate_change", "Rate changed"
    STOP = "stop", "Infusion stopped"
    ALERT = "alert", "Threshold alert"
    WASTE = "waste", "Remainder wasted"


class SessionEvent(SessionRecord):
    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    occurred_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rate_ml_per_h = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]


class VitalSign(SessionRecord):
    """One set of vitals for one slot of the schedule (minutes from the infusion's start; the
    pre-infusion baseline taken at check-in is slot 0)."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="vitals")
    slot_minute = models.PositiveSmallIntegerField()
    taken_at = models.DateTimeField()
    sbp = models.PositiveSmallIntegerField("SBP (mmHg)")
    dbp = models.PositiveSmallIntegerField("DBP (mmHg)")
    hr = models.PositiveSmallIntegerField("HR (/min)")
    rr = models.PositiveSmallIntegerField("RR (/min)")
    spo2 = models.PositiveSmallIntegerField("SpO2 (%)")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # NULL, not "", for readings without a key: the unique constraint must ignore them
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    alerts = models.JSONField(default=list, blank=True, help_text="[{code, action, message}]")

    class Meta:
        ordering = ["slot_minute", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "slot_minute"], name="one_vitals_per_slot"),
            models.UniqueConstraint(
                fields=["session", "idempotency_key"], name="vitals_idempotency_key_unique"
            ),
        ]


class ScoreKind(models.TextChoices):
    CADSS = "cadss", "Dissociation (CADSS)"
    MOAAS = "moaas", "Sedation (MOAA/S)"
    POST_RATING = "post_rating", "Post-infusion rating"


class SessionScore(SessionRecord):
    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="scores")
    kind = models.CharField(max_length=12, choices=ScoreKind.choices)
    instrument = models.CharField(max_length=20)
    answers = models.JSONField(default=list, blank=True)
    total = models.DecimalField(max_digits=6, decimal_places=2)
    label = models.CharField(max_length=200, blank=True)
    flags = models.JSONField(default=list, blank=True)
    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    taken_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["taken_at", "id"]


class AdverseEvent(SessionRecord):
    SEVERITIES = [("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")]

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="adverse_events"
    )
    occurred_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300)
    severity = models.CharField(max_length=10, choices=SEVERITIES)
    action_taken = models.CharField(max_length=300)
    rescue_medication = models.CharField(max_length=120, blank=True)
    rescue_dose = models.CharField(max_length=60, blank=True, help_text="e.g. 4 mg IV")

    class Meta:
        ordering = ["occurred_at", "id"]


class Discharge(SessionRecord):
    session = models.OneToOneField(
        InfusionSession, on_delete=models.PROTECT, related_name="discharge"
    )
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    discharged_at = models.DateTimeField()
    aldrete_answers = models.JSONField()
    aldrete_total = models.PositiveSmallIntegerField()
    discharge_ready = models.BooleanField(help_text="kitclinic.instruments aldrete flag")
    escort_present = models.BooleanField()
    instructions_given = models.BooleanField()
    # the reasons of the soft findings overridden, joined (the full record is ``overrides``)
    override_reason = models.CharField(max_length=300, blank=True)
    overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text="{finding code: {reason, message, cosigned_by, cosigned_by_name}}",
    )

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)


class Addendum(models.Model):
    """A correction or note added to a session after it was signed; never edited."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    text = models.TextField()

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"Addendum {self.pk} of session {self.session_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("An addendum cannot be edited; write another one.")
        super().save(*args, **kwargs)
