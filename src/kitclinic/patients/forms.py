"""Browser forms for intake. Shape only; the rules live in patients.services."""

from __future__ import annotations

from typing import Any

from django import forms

from kitclinic.intake import contraindications
from kitclinic.intake.allergies import AllergyCategory, AllergyCriticality, AllergyStatus
from kitclinic.intake.eligibility import Indication
from kitclinic.intake.trials import EpisodeSeverity, TreatmentClass, TrialOutcome
from kitclinic.patients.models import SexAtBirth
from kitclinic.patients.services import Demographics

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DemographicsForm(forms.Form):
    mrn = forms.CharField(label="MRN", max_length=32, help_text="Unique in the organization.")
    family_name = forms.CharField(max_length=100)
    given_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(widget=DATE_INPUT)
    sex_at_birth = forms.ChoiceField(choices=SexAtBirth.choices)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.EmailField(required=False)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    emergency_contact_name = forms.CharField(max_length=150, required=False)
    emergency_contact_relationship = forms.CharField(max_length=60, required=False)
    emergency_contact_phone = forms.CharField(max_length=40, required=False)

    CONFIRM_FIELD = "confirm_not_duplicate"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The confirmation is asked only once a likely duplicate was shown (and kept while the
        # form comes back with it ticked).
        if self.data and self.CONFIRM_FIELD in self.data:
            self.ask_confirmation()

    def ask_confirmation(self) -> None:
        self.fields[self.CONFIRM_FIELD] = forms.BooleanField(
            label="I have checked the patients listed above: this is a different person.",
            required=False,
        )

    @property
    def confirmed_not_duplicate(self) -> bool:
        return bool(self.cleaned_data.get(self.CONFIRM_FIELD))

    def demographics(self) -> Demographics:
        return Demographics(
            **{k: v for k, v in self.cleaned_data.items() if k != self.CONFIRM_FIELD}
        )


class EpisodeForm(forms.Form):
    episode_onset_date = forms.DateField(
        label="Onset of the current episode", widget=DATE_INPUT, required=False
    )
    episode_severity = forms.ChoiceField(
        label="Severity at baseline",
        choices=[("", "— not assessed —"), *[(s.value, s.label) for s in EpisodeSeverity]],
        required=False,
    )


class DiagnosisForm(forms.Form):
    icd10_code = forms.CharField(
        label="ICD-10-CM code", max_length=10, help_text="For example F33.2 or F43.12."
    )
    description = forms.CharField(max_length=200)
    is_primary = forms.BooleanField(label="Primary diagnosis", required=False)


class TrialForm(forms.Form):
    treatment_name = forms.CharField(label="Drug or treatment", max_length=120)
    treatment_class = forms.ChoiceField(
        label="Class", choices=[(c.value, c.label) for c in TreatmentClass]
    )
    dose_text = forms.CharField(label="Dose", max_length=60, required=False)
    weeks = forms.IntegerField(label="Weeks", min_value=0, max_value=520, required=False)
    adequate = forms.TypedChoiceField(
        label="Adequate dose and duration?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(choices=[(o.value, o.label) for o in TrialOutcome])
    current_episode = forms.BooleanField(
        label="In the current episode", required=False, initial=True
    )
    notes = forms.CharField(max_length=300, required=False)


class AllergyForm(forms.Form):
    substance = forms.CharField(
        max_length=120, help_text="What the patient reacts to, e.g. penicillin, latex, peanuts."
    )
    category = forms.ChoiceField(choices=AllergyCategory.choices())  # required when typed in
    criticality = forms.ChoiceField(
        choices=[("", "Not assessed"), *AllergyCriticality.choices()],
        required=False,
        help_text="High: a reaction could be life-threatening.",
    )
    reaction = forms.CharField(
        max_length=200, required=False, help_text="What happens, e.g. hives, anaphylaxis."
    )


class AllergyStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="New status",
        choices=AllergyStatus.choices(),
        help_text="Entered in error is final: the entry was never true.",
    )
    reason = forms.CharField(max_length=300)


class ScreenForm(forms.Form):
    """One yes/no question per catalogue item; every item must be answered."""

    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in contraindications.CATALOGUE:
            self.fields[f"item_{item.code}"] = forms.TypedChoiceField(
                label=item.label,
                help_text=(
                    "If present: not eligible"
                    if item.default_group.value == "not_eligible"
                    else "If present: physician review"
                ),
                choices=[("no", "Absent"), ("yes", "Present")],
                coerce=lambda v: v == "yes",
                widget=forms.RadioSelect,
            )
        self.order_fields([f"item_{i.code}" for i in contraindications.CATALOGUE] + ["notes"])

    def answers(self) -> dict[str, bool]:
        return {
            item.code: self.cleaned_data[f"item_{item.code}"]
            for item in contraindications.CATALOGUE
        }


class EligibilityForm(forms.Form):
    indication = forms.ChoiceField(choices=Indication.choices())
    outcome = forms.ChoiceField(
        label="Signed outcome",
        choices=[
            ("", "— choose after reading what the rules give —"),
            ("eligible", "Eligible"),
            ("needs_review", "Needs review"),
            ("not_eligible", "Not eligible"),
        ],
        help_text="A computed “not eligible” can only be signed as not eligible.",
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when signing eligible, and when the signed outcome differs from "
        "the rules.",
    )
