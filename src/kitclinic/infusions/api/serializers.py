"""Input and output serializers of the infusion API. Inputs check shape only (types, lengths,
choices); the rules (dose limits, weight in kg, state of the session, who may double-check) are
the services'. Outputs list their fields explicitly."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.infusions.delivery import COMPLETED, STOP_REASONS
from kitclinic.infusions.models import AdverseEvent, PregnancyStatus, ReturnKind, ScoreKind
from kitclinic.infusions.states import CourseStatus, SessionState
from kitclinic.lib.api.base import (
    ErrorOut,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from kitclinic.lib.bounds import DATE_RANGE_MESSAGE, date_in_window
from kitclinic.patients.models import INDICATIONS

# Amounts in, as JSON numbers or numeric strings; the services check the ranges and steps.
AMOUNT = {"max_digits": 12, "decimal_places": 4}


def _amount(help_text: str, **kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(**AMOUNT, help_text=help_text, **kwargs)


@extend_schema_field({"type": "integer", "nullable": True})
class AnswerField(serializers.Field):
    """One item answer: a JSON integer, or null for an item the scale lets the patient skip."""

    def to_internal_value(self, data: object) -> int | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("Each answer must be an integer or null.")
        return data

    def to_representation(self, value: object) -> object:
        return value


def _optional_reason(help_text: str) -> StrictCharField:
    """A free-text reason a step needs only in some cases (the service says when)."""
    return StrictCharField(
        max_length=300, required=False, allow_blank=True, default="", help_text=help_text
    )


def _answers(help_text: str, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=AnswerField(allow_null=True), allow_empty=True, help_text=help_text, **kwargs
    )


class _InDateWindow:
    """A date or time field refusing values outside the shared window (:mod:`kitclinic.lib.bounds`)."""

    default_error_messages = {"date_out_of_range": DATE_RANGE_MESSAGE}

    def to_internal_value(self, value: Any) -> Any:
        result = super().to_internal_value(value)  # type: ignore[misc]
        if not date_in_window(result):
            self.fail("date_out_of_range")  # type: ignore[attr-defined]
        return result


class BoundedDateTimeField(_InDateWindow, serializers.DateTimeField):
    """An ISO 8601 time within the shared window."""


class BoundedDateField(_InDateWindow, serializers.DateField):
    """A YYYY-MM-DD date within the shared window."""


class ConflictOut(ErrorOut):
    """The API's error shape with the session's state."""

    state = serializers.CharField(required=False, help_text="The session's state now.")


# --- drug library -----------------------------------------------------------------------------


class LibraryVersionOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField(help_text="draft, approved (the active one) or retired")
    change_note = serializers.CharField(allow_blank=True)
    based_on = serializers.IntegerField(source="based_on_id", allow_null=True)
    created_by = UserRefOut(allow_null=True, help_text="null for the shipped default")
    created_at = serializers.DateTimeField()
    approved_by = UserRefOut(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    retired_at = serializers.DateTimeField(allow_null=True)


class LibraryVersionDetailOut(LibraryVersionOut):
    data = serializers.DictField(help_text="The whole library (kitclinic.dosing.library_to_dict)")


class LibraryDraftIn(StrictSerializer):
    data = serializers.DictField(help_text="The whole library, as in GET library/active/.")
    change_note = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class EmptyIn(StrictSerializer):
    """No fields: an empty JSON object."""


# --- courses, chairs, appointments ------------------------------------------------------------


NUMBER_HELP = "Place in the course by start time; null when cancelled or a no-show."


class SessionRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField(
        source="course_number", allow_null=True, help_text=NUMBER_HELP
    )
    state = serializers.ChoiceField(choices=[s.value for s in SessionState])
    starts_at = serializers.DateTimeField(source="appointment.starts_at")
    chair = serializers.CharField(source="appointment.chair.name")
    clinic = serializers.IntegerField(
        source="clinic_id",
        help_text="The session's clinic: its endpoints answer with the role held there.",
    )


class CourseOut(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    clinic = serializers.IntegerField(source="clinic_id")
    indication = serializers.CharField()
    protocol_id = serializers.CharField()
    library_version = serializers.IntegerField(source="library_version_id")
    planned_infusions = serializers.IntegerField()
    status = serializers.ChoiceField(choices=[s.value for s in CourseStatus])
    notes = serializers.CharField(allow_blank=True)
    planned_by = UserRefOut()
    planned_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()


class CourseWithSessionsOut(CourseOut):
    sessions = SessionRefOut(many=True, source="sessions.all")


class CoursePlanIn(StrictSerializer):
    indication = serializers.ChoiceField(choices=list(INDICATIONS))
    protocol_id = StrictCharField(
        max_length=80,
        required=False,
        allow_blank=True,
        default="",
        help_text="Default: the active library's default protocol for the indication.",
    )
    planned_infusions = StrictIntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the protocol's course."
    )
    notes = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class CourseTransitionIn(StrictSerializer):
    status = serializers.ChoiceField(choices=[s.value for s in CourseStatus])
    reason = _optional_reason("Required to pause or stop a course.")


class ChairOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_active = serializers.BooleanField()


class AppointmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    patient = serializers.IntegerField(source="patient_id")
    chair = ChairOut()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="starts_at + infusion + recovery minutes")
    infusion_minutes = serializers.IntegerField()
    recovery_minutes = serializers.IntegerField()
    status = serializers.CharField(help_text="booked, cancelled or no_show")
    cancel_reason = serializers.CharField(allow_blank=True, help_text="Or the no-show note.")
    status_changed_by = UserRefOut(
        allow_null=True, help_text="Who cancelled it or recorded the no-show."
    )
    status_changed_at = serializers.DateTimeField(allow_null=True)
    back_entry_reason = serializers.CharField(
        allow_blank=True, help_text="Set when the session was recorded after its start."
    )
    over_plan_reason = serializers.CharField(
        allow_blank=True, help_text="Set when booked beyond the course's planned infusions."
    )
    session = serializers.IntegerField(source="session.id")
    session_number = serializers.IntegerField(
        source="session.course_number", allow_null=True, help_text=NUMBER_HELP
    )
    session_state = serializers.CharField(source="session.state")


class DayAppointmentOut(AppointmentOut):
    next_step = serializers.CharField(allow_blank=True, help_text="What the clinic does next.")


class AppointmentBookIn(StrictSerializer):
    chair = StrictIntegerField(help_text="Id of an active chair of the acting clinic.")
    starts_at = BoundedDateTimeField(help_text="ISO 8601 with its time zone.")
    infusion_minutes = StrictIntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the protocol's."
    )
    recovery_minutes = StrictIntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the clinic setting."
    )
    back_entry_reason = _optional_reason(
        "Required when `starts_at` is in the past (a session recorded afterwards)."
    )
    over_plan_reason = _optional_reason(
        "Required when the course already has its planned number of sessions."
    )


class AppointmentCancelIn(StrictSerializer):
    reason = StrictCharField(max_length=300)


class DayQueryIn(StrictSerializer):
    day = BoundedDateField(required=False, help_text="YYYY-MM-DD (default: today).")


# --- the session: records ---------------------------------------------------------------------


class CheckInOut(serializers.Serializer):
    id = serializers.IntegerField()
    checked_in_by = UserRefOut()
    checked_in_at = serializers.DateTimeField()
    consent_date = serializers.DateField()
    escort_name = serializers.CharField(allow_blank=True)
    weight_kg = serializers.DecimalField(max_digits=6, decimal_places=2)
    previous_weight_kg = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text="The last accepted weight."
    )
    weight_is_reference = serializers.BooleanField(
        help_text="False when the weight needed an override: not a reference for later weights."
    )
    weight_overrides = serializers.DictField(
        child=serializers.DictField(),
        help_text="{finding code: {reason, message, cosigned_by, cosigned_by_name}}",
    )
    consent = serializers.IntegerField(
        source="consent_id", allow_null=True, help_text="The consent record checked in on."
    )
    pregnancy_status = serializers.CharField()
    gate_failures = serializers.ListField(child=serializers.DictField())
    gate_override_reason = serializers.CharField(allow_blank=True)
    pre_rating_instrument = serializers.CharField()
    pre_rating_total = serializers.DecimalField(max_digits=6, decimal_places=2)
    pre_rating_severity = serializers.CharField(allow_blank=True)


class CheckInCorrectionOut(serializers.Serializer):
    id = serializers.IntegerField()
    check_in = serializers.IntegerField(source="check_in_id")
    corrected_by = UserRefOut()
    corrected_at = serializers.DateTimeField()
    reason = serializers.CharField()
    weight_kg = serializers.DecimalField(max_digits=6, decimal_places=2)
    previous_weight_kg = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    weight_is_reference = serializers.BooleanField()
    weight_overrides = serializers.DictField(child=serializers.DictField())
    pregnancy_status = serializers.CharField()
    gate_failures = serializers.ListField(child=serializers.DictField())


class FindingOut(serializers.Serializer):
    rule = serializers.CharField()
    code = serializers.CharField()
    severity = serializers.CharField(help_text="ok, soft (needs a reason) or hard (refused)")
    message = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    limit = serializers.FloatField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)
    source = serializers.CharField(allow_blank=True)


class OrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    ordered_by = UserRefOut()
    ordered_at = serializers.DateTimeField()
    library_version = serializers.IntegerField(source="library_version_id")
    protocol_id = serializers.CharField()
    weight_kg = serializers.DecimalField(max_digits=6, decimal_places=2)
    dose = serializers.DecimalField(max_digits=8, decimal_places=3)
    dose_unit = serializers.CharField()
    duration_min = serializers.DecimalField(max_digits=6, decimal_places=1)
    concentration_mg_per_ml = serializers.DecimalField(max_digits=7, decimal_places=3)
    dose_mg = serializers.DecimalField(max_digits=8, decimal_places=2)
    dose_mg_per_kg = serializers.DecimalField(max_digits=7, decimal_places=3)
    rate_mg_per_h = serializers.DecimalField(max_digits=8, decimal_places=2)
    rate_ml_per_h = serializers.DecimalField(max_digits=8, decimal_places=2)
    rate_mg_per_kg_per_h = serializers.DecimalField(max_digits=7, decimal_places=3)
    volume_ml = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="VTBI")
    status = serializers.CharField()
    findings = FindingOut(many=True)
    overrides = serializers.DictField(child=serializers.CharField())
    pk_model = serializers.CharField(allow_blank=True)
    pk_cmax_ug_per_ml = serializers.FloatField(allow_null=True)
    pk_tmax_min = serializers.FloatField(allow_null=True)


class DoubleCheckOut(serializers.Serializer):
    id = serializers.IntegerField()
    checked_by = UserRefOut()
    checked_at = serializers.DateTimeField()
    rate_ml_per_h_readback = serializers.DecimalField(max_digits=8, decimal_places=2)
    vtbi_ml_readback = serializers.DecimalField(max_digits=8, decimal_places=2)
    overrides_cosigned = serializers.BooleanField()


class EventOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    recorded_by = UserRefOut()
    rate_ml_per_h = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    detail = serializers.DictField(
        help_text="Alert details; the draw (lot, mg) on a start; the findings, overrides and "
        "plan of a rate change; the stop reason and the delivered volume and dose on a stop."
    )


class VitalOut(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    slot_minute = serializers.IntegerField()
    taken_at = serializers.DateTimeField()
    sbp = serializers.IntegerField()
    dbp = serializers.IntegerField()
    hr = serializers.IntegerField()
    rr = serializers.IntegerField()
    spo2 = serializers.IntegerField()
    recorded_by = UserRefOut()
    idempotency_key = serializers.CharField(allow_null=True)
    alerts = serializers.ListField(child=serializers.DictField())


class ScoreOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    instrument = serializers.CharField()
    answers = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    label = serializers.CharField(allow_blank=True)
    flags = serializers.ListField(child=serializers.CharField())
    taken_at = serializers.DateTimeField()
    recorded_by = UserRefOut()


class AdverseEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    recorded_by = UserRefOut()
    description = serializers.CharField()
    severity = serializers.CharField()
    action_taken = serializers.CharField()
    rescue_medication = serializers.CharField(allow_blank=True)
    rescue_dose = serializers.CharField(allow_blank=True)


class DischargeOut(serializers.Serializer):
    id = serializers.IntegerField()
    discharged_by = UserRefOut()
    discharged_at = serializers.DateTimeField()
    aldrete_answers = serializers.ListField(child=serializers.IntegerField())
    aldrete_total = serializers.IntegerField()
    discharge_ready = serializers.BooleanField()
    escort_present = serializers.BooleanField()
    instructions_given = serializers.BooleanField()
    override_reason = serializers.CharField(allow_blank=True)
    overrides = serializers.DictField(
        help_text="{finding code: {reason, message, cosigned_by, cosigned_by_name}}"
    )


class AddendumOut(serializers.Serializer):
    id = serializers.IntegerField()
    author = UserRefOut()
    written_at = serializers.DateTimeField()
    text = serializers.CharField()


class ReturnedOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=[k.value for k in ReturnKind], help_text="sent_back or withdrawn"
    )
    returned_by = UserRefOut()
    returned_at = serializers.DateTimeField()
    reason = serializers.CharField()
    order_id = serializers.IntegerField(source="order_pk", help_text="The order's id as placed.")
    ordered_by = UserRefOut()
    ordered_at = serializers.DateTimeField()
    order = serializers.DictField(source="order_snapshot", help_text="The order as placed.")
    double_check = serializers.DictField(
        source="double_check_snapshot",
        allow_null=True,
        help_text="The double check the withdrawal voided, if there was one.",
    )


class SessionStateOut(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=[s.value for s in SessionState])
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    signed_by = UserRefOut(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)


class SlotOut(serializers.Serializer):
    minute = serializers.IntegerField()
    phase = serializers.CharField(help_text="infusion or recovery")
    due_at = serializers.DateTimeField(allow_null=True)
    reading = serializers.IntegerField(source="reading.id", allow_null=True, default=None)
    overdue = serializers.BooleanField()


class TimelineOut(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    by = serializers.CharField(allow_blank=True)
    alert = serializers.BooleanField()


class SessionDetailOut(serializers.Serializer):
    id = serializers.IntegerField(source="session.id")
    number = serializers.IntegerField(
        source="session.course_number", allow_null=True, help_text=NUMBER_HELP
    )
    state = serializers.ChoiceField(source="session.state", choices=[s.value for s in SessionState])
    patient = serializers.IntegerField(source="session.patient_id")
    course = serializers.IntegerField(source="session.course_id")
    clinic = serializers.IntegerField(source="session.clinic_id")
    appointment = AppointmentOut(source="session.appointment")
    protocol_id = serializers.CharField(source="protocol.id")
    started_at = serializers.DateTimeField(source="session.started_at", allow_null=True)
    ended_at = serializers.DateTimeField(source="session.ended_at", allow_null=True)
    delivered_ml = serializers.DecimalField(
        source="session.delivered_ml", max_digits=9, decimal_places=3, allow_null=True
    )
    delivered_mg = serializers.DecimalField(
        source="session.delivered_mg", max_digits=9, decimal_places=3, allow_null=True
    )
    signed_by = UserRefOut(source="session.signed_by", allow_null=True)
    signed_at = serializers.DateTimeField(source="session.signed_at", allow_null=True)
    check_in = CheckInOut(allow_null=True)
    check_in_corrections = CheckInCorrectionOut(
        many=True, help_text="Oldest first; the latest gives the values the order is checked on."
    )
    order = OrderOut(allow_null=True)
    double_check = DoubleCheckOut(allow_null=True)
    discharge = DischargeOut(allow_null=True)
    events = EventOut(many=True)
    vitals = VitalOut(many=True)
    scores = ScoreOut(many=True)
    adverse_events = AdverseEventOut(many=True)
    addenda = AddendumOut(many=True)
    returned_orders = ReturnedOrderOut(
        many=True, help_text="Orders sent back or withdrawn before the start, oldest first."
    )
    slots = SlotOut(many=True, help_text="The vitals schedule (minutes from the start).")
    next_slot_minute = serializers.IntegerField(source="next_slot.minute", allow_null=True)
    current_rate_ml_per_h = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True
    )
    alerts = serializers.ListField(child=serializers.DictField(), help_text="Open alerts.")
    timeline = TimelineOut(many=True)


# --- the session: steps -----------------------------------------------------------------------


class OrderPreviewIn(StrictSerializer):
    dose = _amount("In the protocol's dose unit (e.g. mg/kg).")
    duration_min = _amount("Minutes.")
    concentration_mg_per_ml = _amount("One of the protocol's standard concentrations.")


class SoftOverrideIn(StrictSerializer):
    """The one way an API step answers soft findings (kitclinic.dosing.overrides): a reason per
    finding code and, where the step is co-signed when taken, the second clinician's user id."""

    override_reasons = serializers.DictField(
        child=StrictCharField(max_length=300),
        required=False,
        default=dict,
        help_text="{soft finding code: reason}, one for each soft finding.",
    )
    cosigner = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="User id of the second clinician (physician or nurse of the clinic) who "
        "co-signs the soft-limit overrides.",
    )


class CheckInIn(SoftOverrideIn):
    identity_confirmed = StrictBooleanField()
    consent_on_file = StrictBooleanField(
        help_text="Confirms the signed consent; the consent itself must be recorded against the "
        "indication's current information sheet (400 on `consent` otherwise)."
    )
    consent_date = BoundedDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Not read: the date is taken from the recorded consent (kept for older clients).",
    )
    fasting_confirmed = StrictBooleanField()
    escort_confirmed = StrictBooleanField()
    escort_name = StrictCharField(max_length=150, required=False, allow_blank=True, default="")
    weight_kg = _amount(
        "Measured today, in kg (never lb). A change above the protocol's limit from the last "
        "accepted weight (or the median of the recent ones) is a soft finding: re-weigh, then "
        "give `override_reasons` and `cosigner`."
    )
    weight_method = serializers.ChoiceField(
        choices=["measured", "stated"], default="measured", help_text="Only measured is accepted."
    )
    pregnancy_status = serializers.ChoiceField(
        choices=PregnancyStatus.choices, default=PregnancyStatus.NOT_APPLICABLE
    )
    sbp = StrictIntegerField()
    dbp = StrictIntegerField()
    hr = StrictIntegerField()
    rr = StrictIntegerField()
    spo2 = StrictIntegerField()
    rating_answers = _answers("Pre-infusion rating on the indication's scale, item 1 first.")


class CheckInCorrectionIn(SoftOverrideIn):
    reason = StrictCharField(max_length=300, help_text="What was wrong and how it was found.")
    weight_kg = _amount(
        "The corrected weight, measured today, in kg (judged like a check-in weight).",
        required=False,
        allow_null=True,
        default=None,
    )
    pregnancy_status = serializers.ChoiceField(
        choices=PregnancyStatus.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="The corrected pregnancy status (omit to keep the recorded one).",
    )


class OrderIn(OrderPreviewIn):
    override_reasons = serializers.DictField(
        child=StrictCharField(max_length=300),
        required=False,
        default=dict,
        help_text="{soft finding code: reason}, one for each soft finding of the preview "
        "(dose check and check-in gate, `gate_<code>`); the co-signature is given at the "
        "double check.",
    )
    gate_override_reason = _optional_reason(
        "Older clients: the reason for every check-in gate finding (`gate_<code>`) not "
        "given one in `override_reasons`."
    )


class PkPreviewOut(serializers.Serializer):
    model = serializers.CharField()
    model_title = serializers.CharField()
    cmax_ug_per_ml = serializers.FloatField(help_text="Predicted plasma peak")
    tmax_min = serializers.FloatField()
    ce_max_ug_per_ml = serializers.FloatField(help_text="Predicted effect-site peak")
    ce_tmax_min = serializers.FloatField()
    times_min = serializers.ListField(child=serializers.FloatField())
    plasma_ug_per_ml = serializers.ListField(child=serializers.FloatField())
    effect_site_ug_per_ml = serializers.ListField(child=serializers.FloatField())
    warnings = serializers.ListField(child=serializers.CharField())


class OrderPreviewOut(serializers.Serializer):
    library_version = serializers.IntegerField(source="version.id")
    library_number = serializers.IntegerField(source="version.number")
    protocol_id = serializers.CharField(source="protocol.id")
    status = serializers.CharField(source="check.status", help_text="ok, soft or hard")
    weight_kg = serializers.DecimalField(source="check.weight_kg", **AMOUNT)
    dose_unit = serializers.CharField(source="check.dose_unit")
    dose_mg = serializers.DecimalField(source="check.dose_mg", **AMOUNT)
    dose_mg_per_kg = serializers.DecimalField(source="check.dose_mg_per_kg", **AMOUNT)
    rate_mg_per_h = serializers.DecimalField(source="check.rate_mg_per_h", **AMOUNT)
    rate_ml_per_h = serializers.DecimalField(source="check.rate_ml_per_h", **AMOUNT)
    rate_mg_per_kg_per_h = serializers.DecimalField(source="check.rate_mg_per_kg_per_h", **AMOUNT)
    volume_ml = serializers.DecimalField(source="check.volume_ml", **AMOUNT, help_text="VTBI")
    findings = FindingOut(many=True, source="check.findings")
    gate_findings = FindingOut(
        many=True,
        help_text="The check-in gate's failures: soft findings of the order (`gate_<code>`), "
        "each needs a reason.",
    )
    pk = PkPreviewOut(allow_null=True, help_text="null when a hard finding refuses the dose.")


class DoubleCheckIn(StrictSerializer):
    rate_ml_per_h = _amount("The pump's rate, read back.")
    vtbi_ml = _amount("The pump's VTBI, read back.")
    cosign_overrides = StrictBooleanField(required=False, default=False)


class StartIn(StrictSerializer):
    lot = StrictIntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Lot the ordered amount is drawn from: logged as a dispense to this session.",
    )


class ReasonIn(StrictSerializer):
    reason = StrictCharField(max_length=300)


class NoShowIn(StrictSerializer):
    note = _optional_reason("Optional, e.g. 'called twice, no answer'.")


class ResumeIn(StrictSerializer):
    reason = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class RateChangeIn(SoftOverrideIn):
    rate_ml_per_h = _amount(
        "The new rate; checked against the protocol's rate limits, the total infusion time it "
        "implies against the duration limits, and never beyond the ordered volume."
    )
    reason = StrictCharField(max_length=300)


class StopIn(StrictSerializer):
    stop_reason = serializers.ChoiceField(
        choices=[c for c, _ in STOP_REASONS] + [COMPLETED],
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the ordered dose is not in (an early stop).",
    )
    reason = _optional_reason("What happened; required for an early stop.")
    waste_witness = StrictIntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="User id of the physician or nurse witnessing the waste of what was drawn "
        "but not given (stopping early after a logged draw).",
    )


class VitalsIn(StrictSerializer):
    slot_minute = StrictIntegerField(help_text="Minutes from the start (above 0).")
    sbp = StrictIntegerField()
    dbp = StrictIntegerField()
    hr = StrictIntegerField()
    rr = StrictIntegerField()
    spo2 = StrictIntegerField()
    taken_at = BoundedDateTimeField(required=False, default=None, help_text="Default: now.")
    idempotency_key = StrictCharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="Same as the Idempotency-Key header (either may be used; if both, equal).",
    )


class ScoreIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=ScoreKind.choices)
    answers = _answers("CADSS or post-infusion rating items.", required=False, default=None)
    level = StrictIntegerField(required=False, allow_null=True, default=None, help_text="MOAA/S")


class AdverseEventIn(StrictSerializer):
    description = StrictCharField(max_length=300)
    severity = serializers.ChoiceField(choices=[s for s, _ in AdverseEvent.SEVERITIES])
    action_taken = StrictCharField(max_length=300)
    rescue_medication = StrictCharField(
        max_length=120, required=False, allow_blank=True, default=""
    )
    rescue_dose = StrictCharField(max_length=60, required=False, allow_blank=True, default="")
    occurred_at = BoundedDateTimeField(required=False, default=None, help_text="Default: now.")


class DischargeIn(SoftOverrideIn):
    """A criterion not met is a soft finding: physicians only, with `override_reasons` (one per
    finding code) and the `cosigner`."""

    aldrete_answers = _answers("Modified Aldrete, 5 items (activity, respiration, ...).")
    escort_present = StrictBooleanField()
    instructions_given = StrictBooleanField()


class RemainderWasteIn(StrictSerializer):
    witness = StrictIntegerField(
        help_text="User id of the physician or nurse of this clinic witnessing the waste."
    )


class AdverseEventLineOut(serializers.Serializer):
    description = serializers.CharField()
    severity = serializers.CharField()
    action_taken = serializers.CharField()
    rescue_medication = serializers.CharField(allow_blank=True)
    rescue_dose = serializers.CharField(allow_blank=True)


class SessionSummaryOut(serializers.Serializer):
    id = serializers.IntegerField(source="session.id")
    state = serializers.CharField(source="session.state")
    weight_kg = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    ordered_mg = serializers.DecimalField(**AMOUNT, allow_null=True)
    ordered_mg_per_kg = serializers.DecimalField(**AMOUNT, allow_null=True)
    ordered_ml = serializers.DecimalField(**AMOUNT, allow_null=True)
    ordered_duration_min = serializers.DecimalField(**AMOUNT, allow_null=True)
    delivered_mg = serializers.DecimalField(**AMOUNT, allow_null=True)
    delivered_mg_per_kg = serializers.DecimalField(**AMOUNT, allow_null=True)
    delivered_ml = serializers.DecimalField(**AMOUNT, allow_null=True)
    delivered_share = serializers.DecimalField(
        **AMOUNT, allow_null=True, help_text="Of the ordered volume (1 = all)."
    )
    complete = serializers.BooleanField(
        allow_null=True, help_text="The stop's judgement; null before the stop."
    )
    counts_as_complete = serializers.BooleanField(
        help_text="Counted as a complete infusion in the reports."
    )
    running_min = serializers.DecimalField(**AMOUNT, allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    stop_reason = serializers.CharField(allow_blank=True)
    stop_reason_label = serializers.CharField(allow_blank=True)
    stop_text = serializers.CharField(allow_blank=True)
    baseline_sbp = serializers.IntegerField(allow_null=True)
    baseline_dbp = serializers.IntegerField(allow_null=True)
    peak_sbp_rise = serializers.IntegerField(allow_null=True, help_text="mmHg over baseline")
    peak_dbp_rise = serializers.IntegerField(allow_null=True, help_text="mmHg over baseline")
    peak_sbp = serializers.IntegerField(allow_null=True)
    highest_cadss = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    adverse_events = AdverseEventLineOut(many=True)
    drawn_mg = serializers.DecimalField(**AMOUNT)
    wasted_mg = serializers.DecimalField(**AMOUNT)
    outstanding_mg = serializers.DecimalField(
        **AMOUNT, help_text="Drawn, not given, not wasted: the sign-off is refused while > 0."
    )
    overrides = serializers.ListField(child=serializers.DictField())
    signable = serializers.BooleanField()


class AddendumIn(StrictSerializer):
    text = StrictCharField(max_length=5000)
