"""Browser forms of the drug library: one per protocol, one per quantity's limits, adding a
protocol, the library's label, a whole library pasted as JSON, sending a draft back. Shape only:
every rule is the library's (``kitclinic.dosing.library``), applied by the services."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kitclinic.dosing.library.diff import INDICATION_LABELS
from kitclinic.dosing.library.edit import (
    PROTOCOL_FIGURES,
    FigureInput,
    LimitQuantity,
    ProtocolDetails,
    figure_input,
)
from kitclinic.dosing.library.model import BOUND_LABELS, SourceKind

SOURCE_KINDS = [
    (str(SourceKind.REFERENCE), "published"),
    (str(SourceKind.CLINIC_SETTING), "clinic setting"),
]
INDICATIONS = [(str(i), label.capitalize()) for i, label in INDICATION_LABELS.items()]


@dataclass(frozen=True)
class FigureRow:
    """One figure's fields as a row of the form's table."""

    name: str
    label: str
    unit: str
    value: forms.BoundField
    kind: forms.BoundField
    section: forms.BoundField
    citation: forms.BoundField
    reason: forms.BoundField

    @property
    def errors(self) -> list[str]:
        out: list[str] = []
        for part in ("value", "kind", "section", "citation", "reason"):
            field: forms.BoundField = getattr(self, part)
            out += [f"{field.label}: {e}" if part != "value" else str(e) for e in field.errors]
        return out


class FigureFormMixin(forms.Form):
    """Adds the fields of figures: ``<name>`` (the number) and its source, ``<name>_kind``,
    ``<name>_section``, ``<name>_citation``, ``<name>_reason``."""

    figure_labels: dict[str, tuple[str, str]]

    def add_figure(
        self, name: str, label: str, unit: str, stored: Mapping[str, Any] | None, required: bool
    ) -> None:
        initial = figure_input(stored)
        self.figure_labels = {**getattr(self, "figure_labels", {}), name: (label, unit)}
        self.fields[name] = forms.DecimalField(
            label=f"{label} ({unit})" if unit else label,
            required=False,
            initial=initial.value,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
        )
        self.fields[f"{name}_kind"] = forms.ChoiceField(
            label="Source", choices=SOURCE_KINDS, initial=initial.kind, required=False
        )
        self.fields[f"{name}_section"] = forms.CharField(
            label="Source keys",
            required=False,
            max_length=300,
            initial=initial.section,
            widget=forms.TextInput(attrs={"placeholder": "source keys, e.g. [cohen-2018]"}),
        )
        self.fields[f"{name}_citation"] = forms.CharField(
            label="Citation",
            required=False,
            max_length=500,
            initial=initial.citation,
            widget=forms.TextInput(attrs={"placeholder": "citation"}),
        )
        self.fields[f"{name}_reason"] = forms.CharField(
            label="Reason",
            required=False,
            max_length=1000,
            initial=initial.reason,
            widget=forms.Textarea(
                attrs={"rows": 2, "placeholder": "why the clinic sets this figure"}
            ),
        )

    def figure_rows(self) -> list[FigureRow]:
        return [
            FigureRow(
                name=name,
                label=label,
                unit=unit,
                value=self[name],
                kind=self[f"{name}_kind"],
                section=self[f"{name}_section"],
                citation=self[f"{name}_citation"],
                reason=self[f"{name}_reason"],
            )
            for name, (label, unit) in self.figure_labels.items()
        ]

    def figure(self, name: str) -> FigureInput:
        data = self.cleaned_data
        return FigureInput(
            value=data.get(name),
            kind=data.get(f"{name}_kind") or str(SourceKind.CLINIC_SETTING),
            section=data.get(f"{name}_section", ""),
            citation=data.get(f"{name}_citation", ""),
            reason=data.get(f"{name}_reason", ""),
        )


class LimitsForm(FigureFormMixin):
    """The soft and hard limits of one quantity of one protocol, in the unit the library schema
    fixes for it (shown, not an input)."""

    def __init__(
        self,
        *args: Any,
        quantity: LimitQuantity,
        unit: str,
        stored: Mapping[str, Any] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.quantity = quantity
        self.unit = unit
        for bound in quantity.bounds_for():
            self.add_figure(
                bound,
                BOUND_LABELS[bound].capitalize(),
                unit,
                (stored or {}).get(bound),
                required=False,
            )

    def bounds(self) -> dict[str, FigureInput]:
        return {bound: self.figure(bound) for bound in self.quantity.bounds_for()}


def parse_concentrations(text: str) -> tuple[Decimal, ...]:
    values = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            number = Decimal(part)
        except InvalidOperation:
            raise ValidationError(f"{part!r} is not a number (mg/mL).") from None
        if not number.is_finite():
            raise ValidationError(f"{part!r} is not a number (mg/mL).")
        values.append(number)
    return tuple(values)


class ProtocolForm(FigureFormMixin):
    name = forms.CharField(max_length=200)
    indication = forms.ChoiceField(choices=INDICATIONS)
    is_default = forms.BooleanField(
        required=False,
        label="Default protocol for its indication",
        help_text="Ticking it makes the indication's other protocols not the default.",
    )
    notes = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    concentrations = forms.CharField(
        label="Standard concentrations (mg/mL)",
        max_length=200,
        help_text="Separated by commas, e.g. 1, 10. Only these may be ordered.",
    )
    concentrations_reason = forms.CharField(
        label="Reason for a new concentration",
        required=False,
        max_length=1000,
        help_text="A concentration not in the protocol before is a clinic setting: say why.",
    )

    def __init__(
        self, *args: Any, protocol: Mapping[str, Any], dose_unit: str, **kwargs: Any
    ) -> None:
        initial = {
            "name": protocol["name"],
            "indication": protocol["indication"],
            "is_default": protocol["is_default"],
            "notes": protocol.get("notes", ""),
            "concentrations": ", ".join(
                str(c["value"]) for c in protocol["concentrations_mg_per_ml"]
            ),
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        units = {"default_dose": dose_unit, "default_duration_min": "min"}
        labels = {
            "default_dose": "Default dose",
            "default_duration_min": "Default duration",
            "min_observation_min": "Minimum observation after the infusion",
        }
        for name in PROTOCOL_FIGURES:
            self.add_figure(
                name, labels[name], units.get(name, "min"), protocol.get(name), required=True
            )

    def plain_fields(self) -> list[forms.BoundField]:
        """The fields other than the figures' (the figures are shown as a table)."""
        names = ("name", "indication", "is_default", "notes", "concentrations")
        return [self[name] for name in (*names, "concentrations_reason")]

    def clean_concentrations(self) -> tuple[Decimal, ...]:
        return parse_concentrations(self.cleaned_data["concentrations"])

    def details(self) -> ProtocolDetails:
        data = self.cleaned_data
        return ProtocolDetails(
            name=data["name"],
            indication=data["indication"],
            is_default=data["is_default"],
            notes=data["notes"],
            default_dose=self.figure("default_dose"),
            default_duration_min=self.figure("default_duration_min"),
            min_observation_min=self.figure("min_observation_min"),
            concentrations_mg_per_ml=data["concentrations"],
            concentrations_reason=data["concentrations_reason"],
        )


class ProtocolAddForm(forms.Form):
    base_id = forms.ChoiceField(
        label="Copy the figures of",
        help_text="The new protocol starts with this protocol's dosing and limits, each marked "
        "as a clinic setting copied from it until you edit it.",
    )
    id = forms.CharField(
        label="Protocol id",
        max_length=80,
        help_text="Lower-case letters, digits and hyphens, e.g. depression-extended.",
    )
    name = forms.CharField(max_length=200)
    indication = forms.ChoiceField(choices=INDICATIONS)

    def __init__(self, *args: Any, protocols: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base: forms.ChoiceField = self.fields["base_id"]  # type: ignore[assignment]
        base.choices = protocols


class LibraryDetailsForm(forms.Form):
    version = forms.CharField(label="Version label", max_length=100)
    drug = forms.CharField(max_length=200)


class LibraryImportForm(forms.Form):
    # the form's metaclass takes declared fields off the class, so this field does not replace
    # BaseForm.data; the stubs see a plain class attribute
    data = forms.CharField(  # type: ignore[assignment]  # a declared field, see above
        label="Library (JSON)",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "mono"}),
        help_text="A whole library as exported; checked by the same rules as the forms (an "
        "error names the field path).",
    )
    change_note = forms.CharField(max_length=300, required=False, label="What changed and why")

    def clean_data(self) -> Any:
        try:
            return json.loads(self.cleaned_data["data"])
        except json.JSONDecodeError as error:
            raise ValidationError(f"Not valid JSON: {error}") from None


class LibraryNewDraftForm(forms.Form):
    change_note = forms.CharField(max_length=300, required=False, label="What the draft is for")


class LibrarySendBackForm(forms.Form):
    # the rule (a reason is required) is the service's
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="What must change",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LibraryApproveForm(forms.Form):
    reviewed = forms.CharField(widget=forms.HiddenInput, max_length=64)
