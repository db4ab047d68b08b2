"""Input and output serializers of the v1 API. Inputs check shape only (types, lengths, choices);
the rules (ICD-10 format, age range, unique MRN, complete screen, what may be signed) are the
services'. Outputs list their fields explicitly."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kitclinic.accounts.api.serializers import UserRefOut
from kitclinic.intake.allergies import AllergyCategory, AllergyCriticality, AllergyStatus
from kitclinic.intake.trials import EpisodeSeverity, TreatmentClass, TrialOutcome
from kitclinic.lib.api.base import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from kitclinic.patients.models import ELIGIBILITY_OUTCOMES, INDICATIONS, SexAtBirth

# --- patients ---------------------------------------------------------------------------------


class DemographicsIn(StrictSerializer):
    mrn = StrictCharField(max_length=32)
    family_name = StrictCharField(max_length=100)
    given_name = StrictCharField(max_length=100)
    date_of_birth = serializers.DateField(help_text="YYYY-MM-DD; not in the future, age ≤ 120.")
    sex_at_birth = serializers.ChoiceField(choices=SexAtBirth.choices)
    phone = StrictCharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    address = StrictCharField(required=False, allow_blank=True, default="")
    emergency_contact_name = StrictCharField(
        max_length=150, required=False, allow_blank=True, default=""
    )
    emergency_contact_relationship = StrictCharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    emergency_contact_phone = StrictCharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    confirm_not_duplicate = StrictBooleanField(
        required=False,
        default=False,
        help_text="true: save although the person looks like a patient already registered "
        "(the 409 answer lists them); recorded in the audit trail.",
    )


class DuplicateCandidateOut(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="patient.pk")
    mrn = serializers.CharField(source="patient.mrn")
    family_name = serializers.CharField(source="patient.family_name")
    given_name = serializers.CharField(source="patient.given_name")
    date_of_birth = serializers.DateField(source="patient.date_of_birth")
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=["name_and_birth_date", "phone", "email"]),
        source="reason_values",
    )


class LikelyDuplicateOut(serializers.Serializer[Any]):
    detail = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]  # a declared field (ErrorOut)
        child=serializers.ListField(child=serializers.CharField())
    )
    candidates = DuplicateCandidateOut(many=True)


class PatientSummaryOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    mrn = serializers.CharField()
    family_name = serializers.CharField()
    given_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    sex_at_birth = serializers.CharField()
    home_clinic = serializers.IntegerField(source="home_clinic_id")


class PatientOut(PatientSummaryOut):
    phone = serializers.CharField()
    email = serializers.CharField()
    address = serializers.CharField()
    emergency_contact_name = serializers.CharField()
    emergency_contact_relationship = serializers.CharField()
    emergency_contact_phone = serializers.CharField()
    episode_onset_date = serializers.DateField(allow_null=True)
    episode_severity = serializers.CharField(help_text="Empty when not assessed.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EpisodeIn(StrictSerializer):
    episode_onset_date = serializers.DateField(allow_null=True)
    episode_severity = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in EpisodeSeverity], allow_blank=True
    )


# --- clinical history -------------------------------------------------------------------------


class DiagnosisIn(StrictSerializer):
    icd10_code = StrictCharField(max_length=10, help_text="ICD-10-CM, e.g. F33.2 or F43.12.")
    description = StrictCharField(max_length=200)
    is_primary = StrictBooleanField(required=False, default=False)


class DiagnosisOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    icd10_code = serializers.CharField()
    description = serializers.CharField()
    is_primary = serializers.BooleanField()
    recorded_by = UserRefOut()
    recorded_at = serializers.DateTimeField()


class TrialIn(StrictSerializer):
    treatment_name = StrictCharField(max_length=120)
    treatment_class = serializers.ChoiceField(choices=[(c.value, c.label) for c in TreatmentClass])
    dose_text = StrictCharField(max_length=60, required=False, allow_blank=True, default="")
    weeks = StrictIntegerField(min_value=0, max_value=520, required=False, allow_null=True)
    adequate = StrictBooleanField(help_text="Adequate dose and duration.")
    outcome = serializers.ChoiceField(choices=[(o.value, o.label) for o in TrialOutcome])
    current_episode = StrictBooleanField(required=False, default=True)
    notes = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class TrialOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    treatment_name = serializers.CharField()
    treatment_class = serializers.CharField()
    dose_text = serializers.CharField()
    weeks = serializers.IntegerField(allow_null=True)
    adequate = serializers.BooleanField()
    outcome = serializers.CharField()
    current_episode = serializers.BooleanField()
    notes = serializers.CharField()
    recorded_by = UserRefOut()
    recorded_at = serializers.DateTimeField()


class AllergyIn(StrictSerializer):
    substance = StrictCharField(max_length=120)
    category = serializers.ChoiceField(choices=AllergyCategory.choices())
    criticality = serializers.ChoiceField(
        choices=AllergyCriticality.choices(), required=False, allow_blank=True, default=""
    )
    reaction = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class AllergyStatusIn(StrictSerializer):
    status = serializers.ChoiceField(choices=AllergyStatus.choices())
    reason = StrictCharField(max_length=300)


class AllergyOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    substance = serializers.CharField()
    category = serializers.CharField()
    criticality = serializers.CharField()
    reaction = serializers.CharField()
    code_system = serializers.CharField()
    code = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    recorded_by = UserRefOut()
    recorded_at = serializers.DateTimeField()


# --- contraindication screens and eligibility -------------------------------------------------


class ScreenIn(StrictSerializer):
    answers = serializers.DictField(
        child=StrictBooleanField(),
        allow_empty=False,
        help_text="{catalogue item code: present (true) or absent (false)} for every item.",
    )
    notes = StrictCharField(required=False, allow_blank=True, default="")


class ScreenOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    answers = serializers.DictField(child=serializers.BooleanField())
    list_version = serializers.CharField()
    notes = serializers.CharField()
    recorded_by = UserRefOut()
    recorded_at = serializers.DateTimeField()


class EligibilityIn(StrictSerializer):
    indication = serializers.ChoiceField(choices=list(INDICATIONS))
    outcome = serializers.ChoiceField(
        choices=list(ELIGIBILITY_OUTCOMES),
        help_text="The signed outcome; a computed not_eligible can only be signed as such.",
    )
    rationale = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when signing eligible, and when the signed outcome differs from "
        "the computed one.",
    )


class ReasonOut(serializers.Serializer[Any]):
    code = serializers.CharField()
    text = serializers.CharField()
    rule = serializers.CharField()
    outcome = serializers.CharField()


class EligibilityOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    indication = serializers.CharField()
    computed_outcome = serializers.CharField()
    outcome = serializers.CharField()
    reasons = ReasonOut(many=True)
    physician_rationale = serializers.CharField()
    contraindication_list_version = serializers.CharField()
    code_list_version = serializers.IntegerField(
        allow_null=True, help_text="Version of the indication's qualifying ICD-10-CM code list."
    )
    qualifying_code = serializers.CharField(
        help_text="The diagnosis on file that qualified; empty when none did."
    )
    screen = serializers.IntegerField(source="screen_id")
    staging = serializers.DictField(help_text="Staging at the time of the decision.")
    signed_by = UserRefOut()
    signed_at = serializers.DateTimeField()
    is_current = serializers.BooleanField()
    superseded_by = serializers.IntegerField(source="superseded_by_id", allow_null=True)
    superseded_at = serializers.DateTimeField(allow_null=True)


# DRF's serializer metaclass takes declared fields off the class, so ``label`` and ``source`` do
# not replace the attributes of the same name every serializer has as a field; the stubs see
# plain class attributes.
class CatalogueItemOut(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, see above
    default_group = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a declared field, see above


class CatalogueOut(serializers.Serializer[Any]):
    list_version = serializers.CharField()
    items = CatalogueItemOut(many=True)


# --- the chart --------------------------------------------------------------------------------


class StagingOut(serializers.Serializer[Any]):
    adequate_failed_trials = serializers.IntegerField()
    trd_definition_met = serializers.BooleanField()
    episode_duration_months = serializers.IntegerField(allow_null=True)
    msm = serializers.DictField(help_text="Maudsley Staging Method result.")
    thase_rush = serializers.DictField(help_text="Thase–Rush stage result.")


class PatientChartOut(PatientOut):
    diagnoses = DiagnosisOut(many=True)
    trials = TrialOut(many=True)
    staging = StagingOut(allow_null=True)
    latest_screen = ScreenOut(allow_null=True)
    eligibility_decisions = EligibilityOut(many=True)

    def to_representation(self, chart: Any) -> dict[str, Any]:
        data = dict(PatientOut(chart.patient).data)
        data["diagnoses"] = DiagnosisOut(chart.diagnoses, many=True).data
        data["trials"] = TrialOut(chart.trials, many=True).data
        data["staging"] = chart.staging.as_json() if chart.staging is not None else None
        screen = chart.latest_screen
        data["latest_screen"] = ScreenOut(screen).data if screen is not None else None
        data["eligibility_decisions"] = EligibilityOut(chart.decisions, many=True).data
        return data
