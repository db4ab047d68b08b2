"""Browser forms of the assessments app. Shape only: scoring and the rules live in services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from kitclinic.assessments.models import (
    MAX_CADENCE_DAYS,
    RECORDABLE_INSTRUMENTS,
    SELF_REPORT_INSTRUMENTS,
    Mode,
)
from kitclinic.assessments.scale_entry import ScaleEntryForm
from kitclinic.instruments import Instrument, get_instrument
from kitclinic.instruments.model import Item


def instrument_choices(ids: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(i, f"{get_instrument(i).name} — {get_instrument(i).description}") for i in ids]


def item_wording(item: Item) -> str:
    """Full wording only where the library ships it (licence allows); else the short label."""
    return item.text or item.label.capitalize()


# An item with more answers than this shows them as a row of numbers rather than a list of words.
MAX_LISTED_OPTIONS = 5


def _skippable(instrument: Instrument) -> set[int]:
    # Items in a multi-item max-group (QIDS-SR16) may be left blank; the library checks the rest.
    return {n for group in instrument.scoring.groups if len(group) > 1 for n in group}


class QuestionnaireForm(forms.Form):
    """One radio group per scored item, named ``item_<n>``, in item order."""

    def __init__(self, *args: Any, instrument_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = get_instrument(instrument_id)
        skippable = _skippable(self.instrument)
        for item in self.instrument.items:
            self.fields[f"item_{item.number}"] = forms.TypedChoiceField(
                label=f"{item.number}. {item_wording(item)}",
                choices=[(o.value, o.label) for o in item.options],
                coerce=int,
                widget=forms.RadioSelect,
                required=item.number not in skippable,
                empty_value=None,
            )

    @property
    def item_rows(self) -> list[tuple[forms.BoundField, bool]]:
        """Each item's field, and whether its answers are laid out as a row of numbers."""
        return [
            (self[f"item_{item.number}"], len(item.options) > MAX_LISTED_OPTIONS)
            for item in self.instrument.items
        ]

    @property
    def wording_shipped(self) -> bool:
        """Every item shows its published wording (not a short description)."""
        return all(item.text for item in self.instrument.items)

    @property
    def answers_are_numbers(self) -> bool:
        """The answers are labelled 0, 1, 2 ... rather than in words."""
        return self.instrument.items[0].options[0].label == "0"

    def answers(self) -> list[int | None]:
        return [self.cleaned_data.get(f"item_{item.number}") for item in self.instrument.items]


class AssessmentRecordForm(ScaleEntryForm):
    """Staff record a scale from the chart: when and how it was given, then the answers item by
    item (or pasted as one list)."""

    administered_at = forms.DateTimeField(
        label="Administered at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Not in the future.",
    )
    mode = forms.ChoiceField(choices=Mode.choices, initial=Mode.IN_CLINIC)

    def __init__(self, *args: Any, instrument_id: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "administered_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)
        self.instrument = get_instrument(instrument_id)
        self.add_scale_entry(self.instrument, legend=f"{self.instrument.name} answers")

    def answers(self) -> list[int | None]:
        return self.scale_answers()


class InstrumentChoiceForm(forms.Form):
    instrument = forms.ChoiceField(choices=instrument_choices(RECORDABLE_INSTRUMENTS))

    @classmethod
    def chosen(cls, instrument_id: str) -> str | None:
        """``instrument_id`` if staff may record that scale, else None (the choice is shown)."""
        form = cls({"instrument": instrument_id})
        return str(form.cleaned_data["instrument"]) if form.is_valid() else None


class LinkIssueForm(forms.Form):
    instrument = forms.ChoiceField(choices=instrument_choices(SELF_REPORT_INSTRUMENTS))


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required: what was done, e.g. same-day risk assessment, call to the patient.",
        max_length=2000,
    )


class ScheduleForm(forms.Form):
    instrument = forms.ChoiceField(choices=instrument_choices(SELF_REPORT_INSTRUMENTS))
    cadence_days = forms.IntegerField(
        label="Every (days)", min_value=1, max_value=MAX_CADENCE_DAYS, initial=14
    )
    first_due_on = forms.DateField(
        label="First questionnaire on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=lambda: timezone.localdate() + dt.timedelta(days=1),
    )
