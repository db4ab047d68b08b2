"""Browser forms for the infusion workflow. Shape only; the rules live in the services."""

from __future__ import annotations

import json
import uuid

from django import forms
from django.core.exceptions import ValidationError

from kitclinic.dosing import Protocol
from kitclinic.infusions.dates import validate_in_range
from kitclinic.infusions.models import AdverseEvent, PregnancyStatus
from kitclinic.intake.eligibility import Indication

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def parse_answers(text: str) -> list[int | None]:
    """'1, 2,0' -> [1, 2, 0]; a blank item is None (the scorer decides if that is allowed)."""
    text = text.strip()
    if not text:
        return []
    answers: list[int | None] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            answers.append(None)
            continue
        try:
            answers.append(int(part))
        except ValueError:
            raise ValidationError(f"{part!r} is not a whole number.") from None
    return answers


class AnswersField(forms.CharField):
    def to_python(self, value):  # type: ignore[no-untyped-def]
        return parse_answers(super().to_python(value) or "")


class LibraryDraftForm(forms.Form):
    data = forms.CharField(
        label="Library (JSON)",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "mono"}),
        help_text="The whole library as stored; validated on save (errors name the field path).",
    )
    change_note = forms.CharField(max_length=300, required=False, label="What changed and why")

    def clean_data(self):  # type: ignore[no-untyped-def]
        try:
            return json.loads(self.cleaned_data["data"])
        except json.JSONDecodeError as error:
            raise ValidationError(f"Not valid JSON: {error}") from None


class CoursePlanForm(forms.Form):
    indication = forms.ChoiceField(choices=Indication.choices())
    protocol_id = forms.ChoiceField(label="Protocol", required=False)
    planned_infusions = forms.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        help_text="Empty: the protocol's course template.",
    )
    notes = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, protocols: tuple[Protocol, ...] = (), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["protocol_id"].choices = [("", "— the indication's default —")] + [
            (p.id, p.name) for p in protocols
        ]


class BookForm(forms.Form):
    chair = forms.ChoiceField()
    date = forms.DateField(widget=DATE_INPUT, validators=[validate_in_range])
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    infusion_minutes = forms.IntegerField(
        min_value=1, max_value=1440, required=False, help_text="Empty: the protocol's duration."
    )
    back_entry_reason = forms.CharField(
        max_length=300,
        required=False,
        label="Back-entry reason",
        help_text="Only for a session that has already taken place (a start in the past).",
    )
    over_plan_reason = forms.CharField(
        max_length=300,
        required=False,
        label="Reason for a session beyond the plan",
        help_text="Only when the course already has its planned number of sessions.",
    )

    def __init__(self, *args, chairs=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["chair"].choices = [(c.pk, c.name) for c in chairs]


class CheckInForm(forms.Form):
    identity_confirmed = forms.BooleanField(
        required=False, label="Identity confirmed (two identifiers)"
    )
    consent_on_file = forms.BooleanField(required=False, label="Signed consent on file")
    consent_date = forms.DateField(
        widget=DATE_INPUT, required=False, label="Consent signed on", validators=[validate_in_range]
    )
    fasting_confirmed = forms.BooleanField(required=False, label="Fasting as instructed")
    escort_confirmed = forms.BooleanField(
        required=False, label="Escort confirmed (a responsible adult takes the patient home)"
    )
    escort_name = forms.CharField(max_length=150, required=False)
    weight_kg = forms.DecimalField(
        label="Weight (kg), measured today",
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text="Kilograms only. Never pounds.",
    )
    weight_method = forms.ChoiceField(
        choices=[("measured", "Measured on the scale today"), ("stated", "Stated by the patient")],
        initial="measured",
        widget=forms.RadioSelect,
        label="Weight method",
    )
    weight_change_confirmed = forms.BooleanField(
        required=False,
        label="Re-weighed: confirm a weight that changed more than the protocol allows",
    )
    pregnancy_status = forms.ChoiceField(choices=PregnancyStatus.choices)
    sbp = forms.IntegerField(label="SBP (mmHg)")
    dbp = forms.IntegerField(label="DBP (mmHg)")
    hr = forms.IntegerField(label="HR (/min)")
    rr = forms.IntegerField(label="RR (/min)")
    spo2 = forms.IntegerField(label="SpO2 (%)")
    rating_answers = AnswersField(
        label="Pre-infusion rating",
        help_text="Item answers, item 1 first, separated by commas.",
    )


class OrderForm(forms.Form):
    dose = forms.DecimalField(max_digits=8, decimal_places=3)
    duration_min = forms.DecimalField(label="Duration (min)", max_digits=6, decimal_places=1)
    concentration_mg_per_ml = forms.ChoiceField(label="Concentration (mg/mL)")
    gate_override_reason = forms.CharField(
        max_length=300, required=False, label="Reason to proceed despite the check-in gate"
    )

    def __init__(self, *args, protocol: Protocol, soft_codes=(), gate_failed=False, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["dose"].label = f"Dose ({protocol.dose_unit})"
        self.fields["concentration_mg_per_ml"].choices = [
            (f"{c.value.normalize():f}", f"{c.value.normalize():f} mg/mL")
            for c in protocol.concentrations_mg_per_ml
        ]
        if not gate_failed:
            del self.fields["gate_override_reason"]
        for code in soft_codes:
            self.fields[f"override_{code}"] = forms.CharField(
                max_length=300, required=False, label=f"Override reason: {code.replace('_', ' ')}"
            )

    def override_reasons(self) -> dict[str, str]:
        return {
            name.removeprefix("override_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("override_") and value
        }


class DoubleCheckForm(forms.Form):
    rate_ml_per_h = forms.CharField(label="Pump rate read back (mL/h)", max_length=20)
    vtbi_ml = forms.CharField(label="Pump VTBI read back (mL)", max_length=20)
    cosign_overrides = forms.BooleanField(
        required=False, label="I co-sign the soft-limit overrides listed above"
    )


class PumpForm(forms.Form):
    op = forms.ChoiceField(
        choices=[(o, o) for o in ("start", "pause", "resume", "rate_change", "stop")]
    )
    rate_ml_per_h = forms.CharField(max_length=20, required=False, label="New rate (mL/h)")
    reason = forms.CharField(max_length=300, required=False)
    # start: the lot the ordered amount is drawn from; stop: the witness of the wasted remainder
    lot = forms.IntegerField(required=False, min_value=1, label="Drawn from lot")
    waste_witness = forms.IntegerField(required=False, min_value=1, label="Waste witness")


class VitalsForm(forms.Form):
    slot_minute = forms.TypedChoiceField(coerce=int, label="Slot (min from start)")
    sbp = forms.IntegerField(label="SBP")
    dbp = forms.IntegerField(label="DBP")
    hr = forms.IntegerField(label="HR")
    rr = forms.IntegerField(label="RR")
    spo2 = forms.IntegerField(label="SpO2")
    idempotency_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, slots=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["slot_minute"].choices = [(s, f"{s} min") for s in slots]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class ScoreForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            ("moaas", "Sedation (MOAA/S level 0–5)"),
            ("cadss", "Dissociation (CADSS, 23 items)"),
            ("post_rating", "Post-infusion rating"),
        ]
    )
    level = forms.IntegerField(min_value=0, max_value=5, required=False, label="MOAA/S level")
    answers = AnswersField(required=False, label="Item answers (comma-separated)")


class AdverseEventForm(forms.Form):
    description = forms.CharField(max_length=300)
    severity = forms.ChoiceField(choices=AdverseEvent.SEVERITIES)
    action_taken = forms.CharField(max_length=300)
    rescue_medication = forms.CharField(max_length=120, required=False)
    rescue_dose = forms.CharField(max_length=60, required=False, label="Rescue dose and route")


ALDRETE_ITEMS = [
    ("activity", "Activity"),
    ("respiration", "Respiration"),
    ("circulation", "Circulation"),
    ("consciousness", "Consciousness"),
    ("o2", "O2 saturation"),
]


class DischargeForm(forms.Form):
    escort_present = forms.BooleanField(required=False, label="Escort present")
    instructions_given = forms.BooleanField(required=False, label="Discharge instructions given")
    override_reason = forms.CharField(
        max_length=300,
        required=False,
        label="Physician override reason (only when the criteria are not met)",
    )

    def __init__(self, *args, instrument=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        fields = {}
        for (name, label), item in zip(ALDRETE_ITEMS, instrument.items, strict=True):
            fields[f"aldrete_{name}"] = forms.TypedChoiceField(
                label=f"{label}",
                coerce=int,
                choices=[(o.value, f"{o.value} — {o.label}") for o in item.options],
                widget=forms.RadioSelect,
            )
        self.fields = {**fields, **self.fields}

    def aldrete_answers(self) -> list[int]:
        return [self.cleaned_data[f"aldrete_{name}"] for name, _ in ALDRETE_ITEMS]


class AddendumForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300)


class NoShowForm(forms.Form):
    note = forms.CharField(
        max_length=300, required=False, help_text="Optional, e.g. called twice, no answer."
    )


class ReturnOrderForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Reason")
