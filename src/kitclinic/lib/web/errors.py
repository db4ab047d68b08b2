"""Errors that no view handles: a query string with control characters (400), an unknown page
(404) and a server error (500). Under ``/api/`` every one of them is JSON in the API's error
shape (``{"detail": ..., "errors": {field: [...]}}``); under ``/fhir/`` a FHIR OperationOutcome
(``application/fhir+json``); elsewhere it is a page in the site's layout."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from kitclinic.lib.bounds import has_control_characters

FHIR_PREFIX = "/fhir/"
FHIR_JSON = "application/fhir+json"

# The OperationOutcome issue type of each error status (http://hl7.org/fhir/issue-type).
FHIR_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    413: "too-costly",
    415: "not-supported",
    429: "throttled",
    500: "exception",
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def is_fhir(request: HttpRequest) -> bool:
    return request.path.startswith(FHIR_PREFIX)


def api_error(status: int, detail: str, errors: dict[str, list[str]] | None = None) -> JsonResponse:
    body: dict[str, object] = {"detail": detail}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status)


def operation_outcome(
    status: int, diagnostics: str, errors: dict[str, list[str]] | None = None
) -> dict[str, object]:
    """A FHIR R4 OperationOutcome for an error of HTTP ``status``: one issue (severity error,
    the issue type of the status) saying what is wrong; ``errors`` adds one issue per field,
    naming it in ``expression``."""
    code = FHIR_ISSUE_CODES.get(status, "processing" if status < 500 else "exception")
    issues: list[dict[str, object]] = [
        {"severity": "error", "code": code, "diagnostics": diagnostics}
    ]
    for name, reasons in (errors or {}).items():
        issues += [
            {"severity": "error", "code": code, "diagnostics": f"{name}: {r}", "expression": [name]}
            for r in reasons
        ]
    return {"resourceType": "OperationOutcome", "issue": issues}


def fhir_error(
    status: int, diagnostics: str, errors: dict[str, list[str]] | None = None
) -> JsonResponse:
    return JsonResponse(
        operation_outcome(status, diagnostics, errors), status=status, content_type=FHIR_JSON
    )


def machine_error(
    request: HttpRequest, status: int, detail: str, errors: dict[str, list[str]] | None = None
) -> JsonResponse | None:
    """The error in the shape of the door the request came in by: the API's JSON under
    ``/api/``, an OperationOutcome under ``/fhir/``; None for a page."""
    if is_fhir(request):
        return fhir_error(status, detail, errors)
    if is_api(request):
        return api_error(status, detail, errors)
    return None


def bad_query_parameters(request: HttpRequest) -> dict[str, list[str]]:
    """Query parameters whose name or value holds a control character."""
    errors: dict[str, list[str]] = {}
    for name, values in request.GET.lists():
        if has_control_characters(name) or any(has_control_characters(v) for v in values):
            shown = "".join("?" if has_control_characters(ch) else ch for ch in name)
            errors[shown] = [
                "Control characters (such as NUL) are not allowed here; use plain text."
            ]
    return errors


class QueryStringGuardMiddleware:
    """Refuse a request whose query string carries control characters, naming the parameter."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        errors = bad_query_parameters(request)
        if errors:
            refused = machine_error(request, 400, "Invalid input.", errors)
            if refused is not None:
                return refused
            return render(request, "400.html", {"errors": errors}, status=400)
        return self.get_response(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django refuses before any view (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too
    many fields, a malformed header): 413 for a body too large, 400 otherwise."""
    too_big = isinstance(exception, RequestDataTooBig)
    status = 413 if too_big else 400
    detail = (
        f"The request body is larger than the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes "
        "accepted."
        if too_big
        else "The request could not be read."
    )
    refused = machine_error(request, status, detail)
    if refused is not None:
        return refused
    return render(request, "400.html", {"errors": {"request": [detail]}}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_fhir(request):
        return fhir_error(
            404,
            "Not found: no such resource type, interaction or resource here (see /fhir/metadata).",
        )
    if is_api(request):
        return api_error(404, "Not found.")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """No request context here (it may be what failed): the page is rendered plainly."""
    failed = machine_error(
        request, 500, "Server error: the request was not completed and nothing was saved."
    )
    if failed is not None:
        return failed
    return HttpResponse(loader.get_template("500.html").render(), status=500)
