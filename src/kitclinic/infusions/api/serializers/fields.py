"""Fields and shapes every infusion serializer shares: amounts, item answers, optional reasons,
dates within the shared window, and the 409 body."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kitclinic.lib.api.base import (
    ErrorOut,
    StrictCharField,
    StrictSerializer,
)
from kitclinic.lib.bounds import DATE_RANGE_MESSAGE, date_in_window

# Amounts in, as JSON numbers or numeric strings; the services check the ranges and steps.
AMOUNT = {"max_digits": 12, "decimal_places": 4}


def amount_field(help_text: str, **kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(**AMOUNT, help_text=help_text, **kwargs)


@extend_schema_field({"type": "integer", "nullable": True})
class AnswerField(serializers.Field):
    """One item answer: a JSON integer, or null for an item the scale lets the patient skip."""

    def to_internal_value(self, data: object) -> int | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("Each answer must be an integer or null.")
        return data

    def to_representation(self, value: object) -> object:
        return value


def optional_reason_field(help_text: str) -> StrictCharField:
    """A free-text reason a step needs only in some cases (the service says when)."""
    return StrictCharField(
        max_length=300, required=False, allow_blank=True, default="", help_text=help_text
    )


def answers_field(help_text: str, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=AnswerField(allow_null=True), allow_empty=True, help_text=help_text, **kwargs
    )


class _InDateWindow:
    """A date or time field refusing values outside the shared window (:mod:`kitclinic.lib.bounds`)."""

    default_error_messages = {"date_out_of_range": DATE_RANGE_MESSAGE}

    def to_internal_value(self, value: Any) -> Any:
        result = super().to_internal_value(value)  # type: ignore[misc]  # a mixin: super() is the DRF field it is combined with
        if not date_in_window(result):
            self.fail("date_out_of_range")  # type: ignore[attr-defined]  # fail comes from the DRF field this mixin is combined with
        return result


class BoundedDateTimeField(_InDateWindow, serializers.DateTimeField):
    """An ISO 8601 time within the shared window."""


class BoundedDateField(_InDateWindow, serializers.DateField):
    """A YYYY-MM-DD date within the shared window."""


class ConflictOut(ErrorOut):
    """The API's error shape with the session's state."""

    state = serializers.CharField(required=False, help_text="The session's state now.")


class EmptyIn(StrictSerializer):
    """No fields: an empty JSON object."""
