"""Collecting a service's input errors field by field, so that one refusal names every field that
is wrong (``{"field": ["message", ...]}``) and nothing is written."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class Errors(dict[str, list[str]]):
    """The messages of each field found wrong so far."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        """Raise them all at once as a ValidationError naming the fields; nothing if none."""
        if self:
            raise ValidationError(dict(self))
