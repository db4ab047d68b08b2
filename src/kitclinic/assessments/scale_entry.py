"""A rating scale entered item by item on a staff form: one input per scored item, and one line
where all the answers can be pasted at once.

Every page where staff record a scale (the chart's assessment form, the check-in's pre-infusion
rating, the session's CADSS and post-infusion rating) adds the same fields with
:meth:`ScaleEntryForm.add_scale_entry` and renders them with ``assessments/_scale_entry.html``.
The form only gathers the answers: which answers an item allows, and which may be left blank,
is the instrument library's (``kitclinic.instruments.item_problems``), and scoring stays there.

Each item is a text input with ``inputmode="numeric"``: a digit is typed straight in and Tab
goes to the next item. Its label is the published wording where the licence lets it ship
(PHQ-9, GAD-7, PCL-5), otherwise the item number; the allowed range follows either way. The
paste line takes "1,2,0,..." (item 1 first; an empty place is an unanswered item): the site's
script copies it into the items as soon as it is typed, and without the script the server
reads it. Items and paste line may both be sent only when they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString

from kitclinic.instruments import Instrument, item_problems
from kitclinic.instruments.model import AnswerOption, Item

# the paste line's longest accepted text: 23 CADSS answers of up to two digits, with spaces
PASTE_MAX_CHARS = 200


def answer_range(item: Item) -> str:
    """'0–3' for a run of whole numbers, else the values listed."""
    values = item.allowed_values
    if list(values) == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


def item_caption(instrument: Instrument, item: Item) -> str:
    """The item's published wording where the licence allows it, else its number."""
    if instrument.licence.item_text_allowed and item.text:
        return f"{item.number}. {item.text}"
    return f"Item {item.number}"


def _short_label(instrument: Instrument, item: Item) -> str:
    """The short paraphrase the library always allows (MADRS, QIDS-SR16, PEG), or '' where the
    label says no more than the number (CADSS) or the published wording is shown."""
    if instrument.licence.item_text_allowed and item.text:
        return ""
    if item.label.lower().endswith(f"item {item.number}"):
        return ""
    return item.label


def _option_words(option: AnswerOption) -> str:
    """'Several days' for a worded answer, 'not at all' for '0 (not at all)', '' for '2'."""
    label, number = option.label, str(option.value)
    if label == number:
        return ""
    if label.startswith(f"{number} (") and label.endswith(")"):
        return label[len(number) + 2 : -1]
    return label


def answer_key(options: tuple[AnswerOption, ...]) -> str:
    """'0 = Not at all · 1 = Several days · ...': what the numbers mean, where they have words."""
    return " · ".join(f"{o.value} = {w}" for o in options if (w := _option_words(o)))


def _parse_number(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() and not (text.startswith("-") and text[1:].isdigit()):
        raise ValueError(text)
    return int(text)


def parse_answer_list(text: str) -> list[int | None]:
    """'1, 2,0' -> [1, 2, 0]; an empty place ('1,,2') is an unanswered item (None)."""
    text = text.strip()
    if not text:
        return []
    answers: list[int | None] = []
    for part in text.replace(";", ",").split(","):
        try:
            answers.append(_parse_number(part))
        except ValueError:
            raise ValidationError(
                f"“{part.strip()}” is not a whole number: paste the answers as whole numbers "
                "separated by commas, item 1 first."
            ) from None
    return answers


@dataclass(frozen=True)
class EntryRow:
    """One item's input, with the short label or answer words shown under its caption."""

    field: forms.BoundField
    hint: str
    # the input, described by its hint, the answer key above the items and its errors
    widget: SafeString


@dataclass(frozen=True)
class BoundScaleEntry:
    """What ``assessments/_scale_entry.html`` renders."""

    instrument: Instrument
    legend: str
    answer_key: str
    rows: list[EntryRow]
    paste: forms.BoundField
    wording_shipped: bool


@dataclass(frozen=True)
class ScaleEntry:
    instrument: Instrument
    item_prefix: str  # the items are named <item_prefix><number>
    paste_name: str  # the paste line's name; errors about the whole scale are shown on it
    legend: str

    def item_name(self, item: Item) -> str:
        return f"{self.item_prefix}{item.number}"

    @property
    def shared_options(self) -> tuple[AnswerOption, ...] | None:
        first = self.instrument.items[0].options
        return first if all(i.options == first for i in self.instrument.items) else None


class ScaleEntryForm(forms.Form):
    """A form with one rating scale entered item by item (see the module's docstring)."""

    scale_entry: ScaleEntry | None = None

    def add_scale_entry(
        self,
        instrument: Instrument,
        *,
        item_prefix: str = "item_",
        paste_name: str = "answers",
        legend: str = "",
    ) -> None:
        entry = ScaleEntry(
            instrument=instrument,
            item_prefix=item_prefix,
            paste_name=paste_name,
            legend=legend or instrument.name,
        )
        self.scale_entry = entry
        shared = entry.shared_options
        for item in instrument.items:
            # the range is part of the label, so a screen reader says it with the item
            self.fields[entry.item_name(item)] = forms.CharField(
                required=False,
                max_length=4,
                label=f"{item_caption(instrument, item)} ({answer_range(item)})",
                help_text=_short_label(instrument, item)
                or ("" if shared is not None else answer_key(item.options)),
                widget=forms.TextInput(
                    attrs={
                        "inputmode": "numeric",
                        "autocomplete": "off",
                        "size": 3,
                        "class": "scale-answer",
                        "data-scale-item": item.number,
                    }
                ),
            )
        self.fields[paste_name] = forms.CharField(
            required=False,
            max_length=PASTE_MAX_CHARS,
            label="Or paste all answers",
            help_text=f"{len(instrument.items)} numbers separated by commas, item 1 first; "
            "they fill the items above.",
            widget=forms.TextInput(
                attrs={"autocomplete": "off", "spellcheck": "false", "data-scale-paste": ""}
            ),
        )

    @property
    def scale(self) -> BoundScaleEntry:
        entry = self.scale_entry
        assert entry is not None, "add_scale_entry first"
        instrument = entry.instrument
        shared = entry.shared_options
        key = answer_key(shared) if shared is not None else ""
        paste = self[entry.paste_name]
        rows = []
        for item in instrument.items:
            field = self[entry.item_name(item)]
            hint = str(field.help_text)
            described = [
                f"{field.auto_id}_helptext" if hint else "",
                f"{paste.auto_id}_key" if key else "",
                f"{field.auto_id}_error" if field.errors else "",
            ]
            attrs: dict[str, str | bool] = {"aria-describedby": " ".join(d for d in described if d)}
            rows.append(
                EntryRow(
                    field=field,
                    hint=hint,
                    widget=field.as_widget(attrs=attrs if attrs["aria-describedby"] else None),
                )
            )
        return BoundScaleEntry(
            instrument=instrument,
            legend=entry.legend,
            answer_key=key,
            rows=rows,
            paste=paste,
            wording_shipped=all(
                instrument.licence.item_text_allowed and i.text for i in instrument.items
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.scale_entry is not None:
            cleaned["scale_answers"] = self._clean_scale(self.scale_entry, cleaned)
        return cleaned

    def scale_answers(self) -> list[int | None]:
        """The answers, item 1 first (after ``is_valid``)."""
        answers = self.cleaned_data.get("scale_answers")
        return list(answers) if answers is not None else []

    def _clean_scale(self, entry: ScaleEntry, cleaned: dict[str, Any]) -> list[int | None] | None:
        instrument = entry.instrument
        items = instrument.items
        typed: dict[int, int | None] = {}
        bad = False
        for item in items:
            name = entry.item_name(item)
            if name in self.errors:  # longer than the field allows
                bad = True
                continue
            try:
                typed[item.number] = _parse_number(cleaned.get(name) or "")
            except ValueError:
                bad = True
                self.add_error(
                    name,
                    f"Item {item.number}: “{cleaned[name].strip()}” is not a whole number; "
                    f"allowed {answer_range(item)}.",
                )
        if entry.paste_name in self.errors:
            return None
        try:
            pasted = parse_answer_list(cleaned.get(entry.paste_name) or "")
        except ValidationError as error:
            self.add_error(entry.paste_name, error)
            return None
        if bad:
            return None
        if pasted:
            if len(pasted) != len(items):
                self.add_error(
                    entry.paste_name,
                    f"{len(pasted)} answers pasted; {instrument.name} has {len(items)} items "
                    "(item 1 first, separated by commas).",
                )
                return None
            disagree = [
                f"item {item.number} (typed {typed[item.number]}, pasted {value})"
                for item, value in zip(items, pasted, strict=True)
                if typed[item.number] is not None and typed[item.number] != value
            ]
            if disagree:
                self.add_error(
                    entry.paste_name,
                    "The pasted answers and the items typed in disagree at "
                    + ", ".join(disagree)
                    + ": correct the items or clear the pasted line.",
                )
                return None
            # the pasted answers fill the empty items, and are shown there if the form comes back
            # a QueryDict from a request is immutable; a copy of either kind may be written
            data = self.data.copy() if hasattr(self.data, "copy") else dict(self.data)
            for item, value in zip(items, pasted, strict=True):
                if typed[item.number] is None and value is not None:
                    typed[item.number] = value
                    data[self.add_prefix(entry.item_name(item))] = str(value)
            data[self.add_prefix(entry.paste_name)] = ""
            self.data = data
        answers = [typed[item.number] for item in items]
        if all(a is None for a in answers):
            each = f" ({answer_range(items[0])} each)" if entry.shared_options else ""
            self.add_error(
                entry.paste_name,
                f"{instrument.name}: enter the {len(items)} answers, one per item{each}, "
                "or paste them as one list.",
            )
            return None
        problems = item_problems(instrument, answers)
        for problem in problems:
            item = instrument.item(problem.item_number)
            if problem.got is None:
                message = f"Item {item.number}: no answer; allowed {answer_range(item)}."
            else:
                message = (
                    f"Item {item.number}: {problem.got} is outside the allowed "
                    f"{answer_range(item)}."
                )
            self.add_error(entry.item_name(item), message)
        return None if problems else answers
