"""The session's record as the API shows it: each step's row, the session page's detail and the
sign-off summary."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.infusions.api.serializers.courses import NUMBER_HELP, AppointmentOut
from kitclinic.infusions.api.serializers.fields import AMOUNT
from kitclinic.infusions.models import ReturnKind
from kitclinic.infusions.states import SessionState

# DRF's serializer metaclass takes declared fields off the class, so a field named like an
# attribute every serializer has (``data``, ``label``, ``source``) does not replace it; the stubs
# see plain class attributes.


class CheckInOut(serializers.Serializer[Any]):
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


class CheckInCorrectionOut(serializers.Serializer[Any]):
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


class FindingOut(serializers.Serializer[Any]):
    rule = serializers.CharField()
    code = serializers.CharField()
    severity = serializers.CharField(help_text="ok, soft (needs a reason) or hard (refused)")
    message = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    limit = serializers.FloatField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)
    source = serializers.CharField(allow_blank=True)  # type: ignore[assignment]  # a declared field (header note)


class OrderOut(serializers.Serializer[Any]):
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


class DoubleCheckOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    checked_by = UserRefOut()
    checked_at = serializers.DateTimeField()
    rate_ml_per_h_readback = serializers.DecimalField(max_digits=8, decimal_places=2)
    vtbi_ml_readback = serializers.DecimalField(max_digits=8, decimal_places=2)
    overrides_cosigned = serializers.BooleanField()


class EventOut(serializers.Serializer[Any]):
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


class VitalOut(serializers.Serializer[Any]):
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


class ScoreOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    instrument = serializers.CharField()
    answers = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    label = serializers.CharField(allow_blank=True)  # type: ignore[assignment]  # a declared field (header note)
    flags = serializers.ListField(child=serializers.CharField())
    taken_at = serializers.DateTimeField()
    recorded_by = UserRefOut()


class AdverseEventOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    recorded_by = UserRefOut()
    description = serializers.CharField()
    severity = serializers.CharField()
    action_taken = serializers.CharField()
    rescue_medication = serializers.CharField(allow_blank=True)
    rescue_dose = serializers.CharField(allow_blank=True)


class DischargeOut(serializers.Serializer[Any]):
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


class AddendumOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    author = UserRefOut()
    written_at = serializers.DateTimeField()
    text = serializers.CharField()


class ReturnedOrderOut(serializers.Serializer[Any]):
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


class SessionStateOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=[s.value for s in SessionState])
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    signed_by = UserRefOut(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)


class SlotOut(serializers.Serializer[Any]):
    minute = serializers.IntegerField()
    phase = serializers.CharField(help_text="infusion or recovery")
    due_at = serializers.DateTimeField(allow_null=True)
    reading = serializers.IntegerField(source="reading.id", allow_null=True, default=None)
    overdue = serializers.BooleanField()


class TimelineOut(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    by = serializers.CharField(allow_blank=True)
    alert = serializers.BooleanField()


class SessionDetailOut(serializers.Serializer[Any]):
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


class AdverseEventLineOut(serializers.Serializer[Any]):
    description = serializers.CharField()
    severity = serializers.CharField()
    action_taken = serializers.CharField()
    rescue_medication = serializers.CharField(allow_blank=True)
    rescue_dose = serializers.CharField(allow_blank=True)


class SessionSummaryOut(serializers.Serializer[Any]):
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
