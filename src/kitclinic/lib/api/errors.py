"""JSON errors for the API: every error names the failing field (or "detail") and the reason.

One shape for every error response: ``{"detail": "...", "errors": {field: [reason, ...]}}``
(``errors`` only for invalid input). A nested field is named by its path, e.g. ``answers.3``
or ``items.0.code``, so ``errors`` is always a flat object of lists of strings."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def flat_errors(value: Any, path: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail (dicts of lists, lists of dicts for list items) as
    ``{dotted.path: [reason, ...]}``; reasons without a field are under ``detail``."""
    out: dict[str, list[str]] = {}

    def add(key: str, reasons: list[str]) -> None:
        out.setdefault(key or "detail", []).extend(reasons)

    if isinstance(value, dict):
        for key, child in value.items():
            for name, reasons in flat_errors(child, f"{path}.{key}" if path else str(key)).items():
                add(name, reasons)
    elif isinstance(value, list | tuple):
        reasons = [str(item) for item in value if not isinstance(item, dict | list | tuple)]
        if reasons:
            add(path, reasons)
        for index, item in enumerate(value):
            if isinstance(item, dict | list | tuple) and item:
                for name, nested in flat_errors(
                    item, f"{path}.{index}" if path else str(index)
                ).items():
                    add(name, nested)
    else:
        add(path, [str(value)])
    return out


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "errors": flat_errors(response.data)}
    return response
