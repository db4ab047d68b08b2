"""A clinic's chairs and its opening hours per weekday (the clinic admin's pages). Shape only; the
rules (a chair with bookings to come is not retired, bookings within the hours) live in the
services."""

from __future__ import annotations

from typing import Any

from django import forms


class ChairForm(forms.Form):
    name = forms.CharField(max_length=60, label="Chair name")


class OpeningHoursForm(forms.Form):
    """Per weekday: closed, or opens and closes (local times)."""

    def __init__(self, *args: Any, weekdays: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.weekdays = weekdays
        for day, name in enumerate(weekdays):
            self.fields[f"open_{day}"] = forms.BooleanField(required=False, label=f"Open on {name}")
            self.fields[f"opens_{day}"] = forms.TimeField(
                required=False,
                label=f"{name} opens",
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
            self.fields[f"closes_{day}"] = forms.TimeField(
                required=False,
                label=f"{name} closes",
                widget=forms.TimeInput(attrs={"type": "time"}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day, name in enumerate(self.weekdays):
            if data.get(f"open_{day}"):
                for edge in ("opens", "closes"):
                    if data.get(f"{edge}_{day}") is None and f"{edge}_{day}" not in self.errors:
                        self.add_error(f"{edge}_{day}", f"{name}: give the time it {edge}.")
        return data

    def hours(self) -> dict[int, tuple[Any, Any] | None]:
        data = self.cleaned_data
        return {
            day: (data[f"opens_{day}"], data[f"closes_{day}"]) if data.get(f"open_{day}") else None
            for day in range(len(self.weekdays))
        }

    def rows(self) -> list[tuple[str, Any, Any, Any]]:
        return [
            (name, self[f"open_{day}"], self[f"opens_{day}"], self[f"closes_{day}"])
            for day, name in enumerate(self.weekdays)
        ]
