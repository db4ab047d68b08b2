"""What each step of a session takes (inputs check shape only; the services hold the rules),
and the order preview's answer."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.infusions.api.serializers.fields import (
    AMOUNT,
    BoundedDateField,
    BoundedDateTimeField,
    amount_field,
    answers_field,
    optional_reason_field,
)
from kitclinic.infusions.api.serializers.records import FindingOut
from kitclinic.infusions.delivery import COMPLETED, STOP_REASONS
from kitclinic.infusions.models import AdverseEvent, PregnancyStatus, ScoreKind
from kitclinic.lib.api.base import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)


class OrderPreviewIn(StrictSerializer):
    dose = amount_field("In the protocol's dose unit (e.g. mg/kg).")
    duration_min = amount_field("Minutes.")
    concentration_mg_per_ml = amount_field("One of the protocol's standard concentrations.")


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
    weight_kg = amount_field(
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
    rating_answers = answers_field("Pre-infusion rating on the indication's scale, item 1 first.")


class CheckInCorrectionIn(SoftOverrideIn):
    reason = StrictCharField(max_length=300, help_text="What was wrong and how it was found.")
    weight_kg = amount_field(
        "The corrected weight, measured today, in kg (judged like a check-in weight).",
        optional=True,
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
    gate_override_reason = optional_reason_field(
        "Older clients: the reason for every check-in gate finding (`gate_<code>`) not "
        "given one in `override_reasons`."
    )


class PkPreviewOut(serializers.Serializer[Any]):
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


class OrderPreviewOut(serializers.Serializer[Any]):
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
    rate_ml_per_h = amount_field("The pump's rate, read back.")
    vtbi_ml = amount_field("The pump's VTBI, read back.")
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
    note = optional_reason_field("Optional, e.g. 'called twice, no answer'.")


class ResumeIn(StrictSerializer):
    reason = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class RateChangeIn(SoftOverrideIn):
    rate_ml_per_h = amount_field(
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
    reason = optional_reason_field("What happened; required for an early stop.")
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
    answers = answers_field("CADSS or post-infusion rating items.", optional=True)
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

    aldrete_answers = answers_field("Modified Aldrete, 5 items (activity, respiration, ...).")
    escort_present = StrictBooleanField()
    instructions_given = StrictBooleanField()


class RemainderWasteIn(StrictSerializer):
    witness = StrictIntegerField(
        help_text="User id of the physician or nurse of this clinic witnessing the waste."
    )


class AddendumIn(StrictSerializer):
    text = StrictCharField(max_length=5000)
