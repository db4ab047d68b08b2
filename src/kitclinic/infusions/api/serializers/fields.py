"""Fields and shapes every infusion serializer shares: amounts, item answers, optional reasons,
dates within the shared window, and the 409 body."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kitclinic.lib.api.base import (
    ErrorOut,
    StrictCharField,
    StrictSerializer,
)
from kitclinic.lib.bounds import DATE_RANGE_MESSAGE, date_in_window


class DecimalShape(TypedDict):
    """The keyword arguments that shape a decimal field."""

    max_digits: int
    decimal_places: int


# Amounts in, as JSON numbers or numeric strings; the services check the ranges and steps.
AMOUNT: DecimalShape = {"max_digits": 12, "decimal_places": 4}


def amount_field(help_text: str, *, optional: bool = False) -> serializers.DecimalField:
    """An amount in; ``optional``: it may be left out or null (then None)."""
    if optional:
        return serializers.DecimalField(
            **AMOUNT, help_text=help_text, required=False, allow_null=True, default=None
        )
    return serializers.DecimalField(**AMOUNT, help_text=help_text)


@extend_schema_field({"type": "integer", "nullable": True})
class AnswerField(serializers.Field[int | None, object, int | None, Any]):
    """One item answer: a JSON integer, or null for an item the scale lets the patient skip."""

    def to_internal_value(self, data: object) -> int | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("Each answer must be an integer or null.")
        return data

    def to_representation(self, value: int | None) -> int | None:
        return value


def optional_reason_field(help_text: str) -> StrictCharField:
    """A free-text reason a step needs only in some cases (the service says when)."""
    return StrictCharField(
        max_length=300, required=False, allow_blank=True, default="", help_text=help_text
    )


def answers_field(help_text: str, *, optional: bool = False) -> serializers.ListField:
    """Item answers in, item 1 first; ``optional``: they may be left out (then None)."""
    child = AnswerField(allow_null=True)
    if optional:
        return serializers.ListField(
            child=child, allow_empty=True, help_text=help_text, required=False, default=None
        )
    return serializers.ListField(child=child, allow_empty=True, help_text=help_text)


class BoundedDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time within the shared window (kitclinic.lib.bounds)."""

    default_error_messages = {"date_out_of_range": DATE_RANGE_MESSAGE}

    def to_internal_value(self, value: Any) -> dt.datetime:
        result = super().to_internal_value(value)
        if not date_in_window(result):
            self.fail("date_out_of_range")
        return result


class BoundedDateField(serializers.DateField):
    """A YYYY-MM-DD date within the shared window (kitclinic.lib.bounds)."""

    default_error_messages = {"date_out_of_range": DATE_RANGE_MESSAGE}

    def to_internal_value(self, value: Any) -> dt.date:
        result = super().to_internal_value(value)
        if not date_in_window(result):
            self.fail("date_out_of_range")
        return result


class ConflictOut(ErrorOut):
    """The API's error shape with the session's state."""

    state = serializers.CharField(required=False, help_text="The session's state now.")


class EmptyIn(StrictSerializer):
    """No fields: an empty JSON object."""
