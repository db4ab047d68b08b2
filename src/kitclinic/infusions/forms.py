"""Browser forms for the infusion workflow. Shape only; the rules live in the services."""

from __future__ import annotations

import json
import uuid

from django import forms
from django.core.exceptions import ValidationError

from kitclinic.dosing import Protocol
from kitclinic.dosing.overrides import REASON_MAX_CHARS, override_field
from kitclinic.infusions.delivery import STOP_REASONS
from kitclinic.infusions.models import AdverseEvent, PregnancyStatus
from kitclinic.intake.eligibility import Indication
from kitclinic.lib.bounds import validate_sane_date

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
    def to_python(self, value):  # type: ignore[no-untyped-def]  # Django's field hook, its value not annotated yet
        return parse_answers(super().to_python(value) or "")


class LibraryDraftForm(forms.Form):
    data = forms.CharField(
        label="Library (JSON)",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "mono"}),
        help_text="The whole library as stored; validated on save (errors name the field path).",
    )
    change_note = forms.CharField(max_length=300, required=False, label="What changed and why")

    def clean_data(self):  # type: ignore[no-untyped-def]  # returns the parsed JSON, not annotated yet
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

    def __init__(self, *args, protocols: tuple[Protocol, ...] = (), **kwargs):  # type: ignore[no-untyped-def]  # the form's extra keyword arguments are not annotated yet
        super().__init__(*args, **kwargs)
        self.fields["protocol_id"].choices = [("", "— the indication's default —")] + [
            (p.id, p.name) for p in protocols
        ]


class BookForm(forms.Form):
    chair = forms.ChoiceField()
    date = forms.DateField(widget=DATE_INPUT, validators=[validate_sane_date])
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

    def __init__(self, *args, chairs=(), **kwargs):  # type: ignore[no-untyped-def]  # the form's extra keyword arguments are not annotated yet
        super().__init__(*args, **kwargs)
        self.fields["chair"].choices = [(c.pk, c.name) for c in chairs]


class SoftOverrideFields:
    """The one way a form answers soft findings (kitclinic.dosing.overrides): a reason field per
    finding code (``override_<code>``) and, where the step is co-signed when taken, the second
    clinician (``cosigner``)."""

    fields: dict
    cleaned_data: dict

    def add_soft_override_fields(self, codes=(), cosigners=None) -> None:  # type: ignore[no-untyped-def]  # the codes and co-signers are not annotated yet
        for code in codes:
            self.fields[override_field(code)] = forms.CharField(
                max_length=REASON_MAX_CHARS,
                required=False,
                label=f"Reason for overriding: {code.replace('_', ' ')}",
            )
        if cosigners is not None:
            self.fields["cosigner"] = forms.ChoiceField(
                choices=cosigners, required=False, label="Co-signed by (a second clinician)"
            )

    def override_reasons(self) -> dict[str, str]:
        return {
            name.removeprefix("override_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("override_") and value
        }


class CheckInForm(SoftOverrideFields, forms.Form):
    identity_confirmed = forms.BooleanField(
        required=False, label="Identity confirmed (two identifiers)"
    )
    consent_on_file = forms.BooleanField(required=False, label="Signed consent on file")
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

    def __init__(self, *args, soft_codes=(), cosigners=None, **kwargs):  # type: ignore[no-untyped-def]  # the form's extra keyword arguments are not annotated yet
        super().__init__(*args, **kwargs)
        # a weight that needs an override: a reason per finding and the co-signer, now
        self.add_soft_override_fields(soft_codes, cosigners if soft_codes else None)


class CheckInCorrectionForm(SoftOverrideFields, forms.Form):
    weight_kg = forms.DecimalField(
        label="Corrected weight (kg), measured today",
        max_digits=6,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text="Kilograms only. Leave empty to keep the recorded weight.",
    )
    pregnancy_status = forms.ChoiceField(
        choices=[("", "— keep the recorded status —"), *PregnancyStatus.choices],
        required=False,
        label="Corrected pregnancy status",
    )
    reason = forms.CharField(
        max_length=300, label="Reason for the correction (what was wrong, how it was found)"
    )

    def __init__(self, *args, soft_codes=(), cosigners=None, **kwargs):  # type: ignore[no-untyped-def]  # the form's extra keyword arguments are not annotated yet
        super().__init__(*args, **kwargs)
        self.add_soft_override_fields(soft_codes, cosigners if soft_codes else None)


class OrderForm(SoftOverrideFields, forms.Form):
    dose = forms.DecimalField(max_digits=8, decimal_places=3)
    duration_min = forms.DecimalField(label="Duration (min)", max_digits=6, decimal_places=1)
    concentration_mg_per_ml = forms.ChoiceField(label="Concentration (mg/mL)")

    def __init__(self, *args, protocol: Protocol, soft_codes=(), **kwargs):  # type: ignore[no-untyped-def]  # the form's extra keyword arguments are not annotated yet
        super().__init__(*args, **kwargs)
        self.fields["dose"].label = f"Dose ({protocol.dose_unit})"
        self.fields["concentration_mg_per_ml"].choices = [
            (f"{c.value.normalize():f}", f"{c.value.normalize():f} mg/mL")
            for c in protocol.concentrations_mg_per_ml
        ]
        # the dose check's soft findings and the check-in gate's failures (gate_<code>)
        self.add_soft_override_fields(soft_codes)


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

    def __init__(self, *args, slots=(), **kwargs):  # type: ignore[no-untyped-def]  # the form's extra keyword arguments are not annotated yet
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


class DischargeForm(SoftOverrideFields, forms.Form):
    escort_present = forms.BooleanField(required=False, label="Escort present")
    instructions_given = forms.BooleanField(required=False, label="Discharge instructions given")

    def __init__(self, *args, instrument=None, soft_codes=(), cosigners=None, **kwargs):  # type: ignore[no-untyped-def]  # the form's extra keyword arguments are not annotated yet
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
        # a criterion not met: the physician's reason for each and the co-signer
        self.add_soft_override_fields(soft_codes, cosigners if soft_codes else None)

    def aldrete_answers(self) -> list[int]:
        return [self.cleaned_data[f"aldrete_{name}"] for name, _ in ALDRETE_ITEMS]


class RateChangeForm(SoftOverrideFields, forms.Form):
    rate_ml_per_h = forms.CharField(label="New rate (mL/h)", max_length=20)
    reason = forms.CharField(max_length=300, required=False, label="Reason for the change")

    def __init__(self, *args, soft_codes=(), cosigners=None, **kwargs):  # type: ignore[no-untyped-def]  # the form's extra keyword arguments are not annotated yet
        super().__init__(*args, **kwargs)
        # a soft finding of the proposed rate: a reason each and the co-signer, now
        self.add_soft_override_fields(soft_codes, cosigners if soft_codes else None)


class StopForm(forms.Form):
    stop_reason = forms.ChoiceField(
        choices=[("", "— the ordered dose is in —"), *STOP_REASONS],
        required=False,
        label="Why is the infusion stopping early?",
    )
    reason = forms.CharField(
        max_length=300,
        required=False,
        label="What happened (required when the ordered dose is not in)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    waste_witness = forms.ChoiceField(
        required=False, label="Witness of the waste of what was drawn and not given"
    )

    def __init__(self, *args, witnesses=(), **kwargs):  # type: ignore[no-untyped-def]  # the form's extra keyword arguments are not annotated yet
        super().__init__(*args, **kwargs)
        if witnesses:
            self.fields["waste_witness"].choices = [("", "— waste later —")] + [
                (str(w.pk), str(w.get_full_name() or w.username)) for w in witnesses
            ]
        else:
            del self.fields["waste_witness"]


class WasteForm(forms.Form):
    witness = forms.ChoiceField(label="Witness (a physician or nurse)")

    def __init__(self, *args, witnesses=(), **kwargs):  # type: ignore[no-untyped-def]  # the form's extra keyword arguments are not annotated yet
        super().__init__(*args, **kwargs)
        self.fields["witness"].choices = [("", "—")] + [
            (str(w.pk), str(w.get_full_name() or w.username)) for w in witnesses
        ]


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
