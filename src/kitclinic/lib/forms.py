"""The one way a page handles a form: shape checked by the form, rules by one service call, the
service's errors shown on the fields they name, and the same answer to an invalid POST everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# An invalid POST (a field's shape, or a rule the service refused) shows the form again with its
# errors under this status: the request was understood but not carried out (RFC 9110, 422).
INVALID_FORM_STATUS = 422


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form fields it names."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def form_page(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[forms.Form], object],
    *,
    template: str,
    context: dict[str, Any],
    done: str,
    success: Callable[[Any], HttpResponse],
) -> HttpResponse:
    """GET shows ``form``; POST validates its shape and calls ``save`` (one service call). When the
    service accepts, ``done`` is flashed and ``success(saved)`` answers with what ``save`` returned
    (a redirect, say to the record just made); otherwise the form
    is shown again with the errors on the fields they name, with status 422."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return success(saved)
    status = INVALID_FORM_STATUS if request.method == "POST" else 200
    return render(request, template, {"form": form, **context}, status=status)
