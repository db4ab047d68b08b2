"""Browser forms for the infusion workflow. Shape only; the rules live in the services.

The drug library's forms are in ``forms.library``; a clinic's chairs and opening hours (clinic
admin) in ``forms.clinic``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils import timezone

from kitclinic import instruments
from kitclinic.accounts.models import User
from kitclinic.assessments.scale_entry import ScaleEntryForm
from kitclinic.dosing import Protocol
from kitclinic.dosing.labels import finding_label
from kitclinic.dosing.overrides import REASON_MAX_CHARS, override_field
from kitclinic.infusions.delivery import STOP_REASONS
from kitclinic.infusions.models import (
    AdverseEvent,
    Chair,
    InfusionOrder,
    PregnancyStatus,
    ScoreKind,
)
from kitclinic.infusions.services.sessions.check_in import CheckInData
from kitclinic.intake.eligibility import Indication
from kitclinic.lib.bounds import validate_sane_date

# the time a booking form proposes (the clinic day's first slot)
FIRST_SLOT = dt.time(9, 0)
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# (value, label) pairs of a select field
Choices = list[tuple[str, str]]


def set_choices(form: forms.BaseForm, name: str, choices: Sequence[tuple[object, str]]) -> None:
    """Give the form's choice field ``name`` the choices known only when the form is made."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # every caller names a declared ChoiceField
    field.choices = choices


def _person_choices(people: Iterable[User]) -> Choices:
    return [(str(u.pk), str(u.get_full_name() or u.username)) for u in people]


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

    def __init__(self, *args: Any, protocols: Sequence[Protocol] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "protocol_id",
            [("", "— the indication's default —")] + [(p.id, p.name) for p in protocols],
        )


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

    def __init__(
        self, *args: Any, chairs: Sequence[Chair] = (), hours_text: str = "", **kwargs: Any
    ) -> None:
        # a new booking starts from today at the clinic's usual first slot
        kwargs.setdefault("initial", {"date": timezone.localdate(), "time": FIRST_SLOT})
        super().__init__(*args, **kwargs)
        self.chairs = list(chairs)
        if hours_text:
            # the chair time (infusion and recovery) must lie within these: said before booking
            self.fields[
                "time"
            ].help_text = (
                f"Opening hours: {hours_text}. The infusion and the recovery must both fit."
            )
        set_choices(self, "chair", [(str(c.pk), c.name) for c in self.chairs])

    def chosen_chair(self) -> Chair:
        """The chair chosen (after ``is_valid``: one of ``chairs``)."""
        return next(c for c in self.chairs if str(c.pk) == self.cleaned_data["chair"])

    def starts_at(self) -> dt.datetime:
        """The start chosen, in the clinic's time zone (after ``is_valid``)."""
        return dt.datetime.combine(
            self.cleaned_data["date"],
            self.cleaned_data["time"],
            tzinfo=timezone.get_current_timezone(),
        )


def is_override_field(name: str) -> bool:
    """Whether ``name`` is a field :class:`SoftOverrideFields` adds (a reason, the co-signer)."""
    return name.startswith("override_") or name == COSIGNER_FIELD


COSIGNER_FIELD = "cosigner"


class SoftOverrideFields(forms.Form):
    """The one way a form answers soft findings (kitclinic.dosing.overrides): a reason field per
    finding code (``override_<code>``) and, where the step is co-signed when taken, the second
    clinician (``cosigner``)."""

    def add_soft_override_fields(
        self, codes: Sequence[str] = (), cosigners: Choices | None = None
    ) -> None:
        for code in codes:
            self.fields[override_field(code)] = forms.CharField(
                max_length=REASON_MAX_CHARS,
                required=False,
                label=f"Reason for overriding: {finding_label(code).lower()}",
            )
        if cosigners is not None:
            self.fields[COSIGNER_FIELD] = forms.ChoiceField(
                choices=cosigners, required=False, label="Co-signed by (a second clinician)"
            )

    def override_reasons(self) -> dict[str, str]:
        return {
            name.removeprefix("override_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("override_") and value
        }


class CheckInForm(SoftOverrideFields, ScaleEntryForm):
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

    def __init__(
        self,
        *args: Any,
        rating_instrument: instruments.Instrument,
        soft_codes: Sequence[str] = (),
        cosigners: Choices | None = None,
        pregnancy_required: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # the pre-infusion rating on the indication's scale, item by item (or pasted)
        self.add_scale_entry(
            rating_instrument,
            item_prefix="rating_item_",
            paste_name="rating_answers",
            legend=f"Pre-infusion rating: {rating_instrument.name}",
        )
        # a weight that needs an override: a reason per finding and the co-signer, now
        self.add_soft_override_fields(soft_codes, cosigners if soft_codes else None)
        if pregnancy_required:
            # the patient must state a status: "not applicable" is no answer
            status = self.fields["pregnancy_status"]
            assert isinstance(status, forms.ChoiceField)
            status.choices = [("", "— choose —")] + [
                (value, label)
                for value, label in PregnancyStatus.choices
                if value != PregnancyStatus.NOT_APPLICABLE
            ]

    def check_in_data(self, cosigner: User | None) -> CheckInData:
        """The check-in as the service takes it (after ``is_valid``)."""
        data = self.cleaned_data
        return CheckInData(
            identity_confirmed=data["identity_confirmed"],
            consent_on_file=data["consent_on_file"],
            fasting_confirmed=data["fasting_confirmed"],
            escort_confirmed=data["escort_confirmed"],
            weight_kg=data["weight_kg"],
            sbp=data["sbp"],
            dbp=data["dbp"],
            hr=data["hr"],
            rr=data["rr"],
            spo2=data["spo2"],
            rating_answers=self.scale_answers(),
            pregnancy_status=data["pregnancy_status"],
            weight_method=data["weight_method"],
            escort_name=data["escort_name"],
            override_reasons=self.override_reasons(),
            cosigner=cosigner,
        )


class CheckInCorrectionForm(SoftOverrideFields):
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

    def __init__(
        self,
        *args: Any,
        soft_codes: Sequence[str] = (),
        cosigners: Choices | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_soft_override_fields(soft_codes, cosigners if soft_codes else None)


class OrderForm(SoftOverrideFields):
    dose = forms.DecimalField(max_digits=8, decimal_places=3)
    duration_min = forms.DecimalField(label="Duration (min)", max_digits=6, decimal_places=1)
    concentration_mg_per_ml = forms.ChoiceField(label="Concentration (mg/mL)")

    def __init__(
        self, *args: Any, protocol: Protocol, soft_codes: Sequence[str] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dose"].label = f"Dose ({protocol.dose_unit})"
        set_choices(
            self,
            "concentration_mg_per_ml",
            [
                (f"{c.value.normalize():f}", f"{c.value.normalize():f} mg/mL")
                for c in protocol.concentrations_mg_per_ml
            ],
        )
        # the dose check's soft findings and the check-in gate's failures (gate_<code>)
        self.add_soft_override_fields(soft_codes)


class DoubleCheckForm(forms.Form):
    rate_ml_per_h = forms.CharField(label="Pump rate read back (mL/h)", max_length=20)
    vtbi_ml = forms.CharField(label="Pump VTBI read back (mL)", max_length=20)
    cosign_overrides = forms.BooleanField(
        required=False, label="I co-sign the soft-limit overrides listed above"
    )

    def __init__(self, *args: Any, order: InfusionOrder | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # only an order placed with overrides has any to co-sign
        if order is None or not order.overrides:
            del self.fields["cosign_overrides"]


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

    def __init__(self, *args: Any, slots: Sequence[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "slot_minute", [(s, f"{s} min") for s in slots])
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class ScoreForm(ScaleEntryForm):
    """One bedside score: a MOAA/S level, or a scale (CADSS, the post-infusion rating) entered
    item by item."""

    kind = forms.ChoiceField(choices=ScoreKind.choices, widget=forms.HiddenInput)
    level = forms.IntegerField(min_value=0, max_value=5, required=False, label="MOAA/S level (0–5)")

    def __init__(
        self,
        *args: Any,
        instrument: instruments.Instrument | None = None,
        legend: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if instrument is not None:
            del self.fields["level"]
            self.add_scale_entry(instrument, legend=legend)

    def answers(self) -> list[int | None] | None:
        return self.scale_answers() if self.scale_entry is not None else None


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


class DischargeForm(SoftOverrideFields):
    escort_present = forms.BooleanField(required=False, label="Escort present")
    instructions_given = forms.BooleanField(required=False, label="Discharge instructions given")

    def __init__(
        self,
        *args: Any,
        instrument: instruments.Instrument,
        soft_codes: Sequence[str] = (),
        cosigners: Choices | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = {}
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


class RateChangeForm(SoftOverrideFields):
    rate_ml_per_h = forms.CharField(label="New rate (mL/h)", max_length=20)
    reason = forms.CharField(max_length=300, required=False, label="Reason for the change")

    def __init__(
        self,
        *args: Any,
        soft_codes: Sequence[str] = (),
        cosigners: Choices | None = None,
        **kwargs: Any,
    ) -> None:
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

    def __init__(self, *args: Any, witnesses: Sequence[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if witnesses:
            set_choices(
                self, "waste_witness", [("", "— waste later —")] + _person_choices(witnesses)
            )
        else:
            del self.fields["waste_witness"]


class WasteForm(forms.Form):
    witness = forms.ChoiceField(label="Witness (a physician or nurse)")

    def __init__(self, *args: Any, witnesses: Sequence[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "witness", [("", "—")] + _person_choices(witnesses))


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
