"""What the FHIR REST door sends: FHIR JSON (``application/fhir+json``) of the resources the
export's mapping builds, and every error as an OperationOutcome. No DRF serializer: the resources
are ``fhir.resources`` models, validated when built; the query string is read by
``kitclinic.interop.rest``.

For the FHIR views only (``FhirView``): the renderer, the content negotiation (``_format`` and
``Accept``) and the exception handler. The ``/api/v1`` error shape is not touched.

The bulk export's kick-off (``interop/api/bulk.py``): its parameters (``_outputFormat``,
``_type``, ``_since``) and its ``Prefer`` header checked for shape, each refusal naming the
parameter."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.dateparse import parse_datetime
from fhir.resources.R4B.resource import Resource
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.interop import rest
from kitclinic.interop.export import EXPORT_TYPES
from kitclinic.lib.web.errors import operation_outcome

# What an Accept header may ask for and get FHIR JSON.
_ACCEPTED = frozenset({"*/*", "application/*", "application/json", rest.FHIR_JSON})


class FhirJsonRenderer(BaseRenderer):
    media_type = rest.FHIR_JSON
    format = "json"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if isinstance(data, Resource):
            return data.model_dump_json(exclude_none=True).encode("utf-8")
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class FhirContentNegotiation(DefaultContentNegotiation):
    """FHIR JSON for ``_format=json`` (or ``application/json``, ``application/fhir+json``) and
    for an Accept header that takes it; anything else is 406, naming what is served."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        chosen = (renderer, renderer.media_type)
        wanted = request.query_params.get(rest.FORMAT_PARAM)
        if wanted is not None:
            if wanted.strip().lower() in rest.FORMATS:
                return chosen
            raise exceptions.NotAcceptable(
                f"_format: {wanted!r} is not served; kitclinic serves FHIR JSON only "
                "(_format=json, application/json or application/fhir+json)."
            )
        accept = request.META.get("HTTP_ACCEPT", "").strip() or "*/*"
        for media in accept.split(","):
            if media.split(";")[0].strip().lower() in _ACCEPTED:
                return chosen
        raise exceptions.NotAcceptable(
            f"Accept: {accept[:100]!r} asks for no format kitclinic serves; it serves "
            "application/fhir+json (application/json is accepted too)."
        )


def _detail(detail: Any) -> str:
    """A DRF error detail (a string, a list or a dict of them) as one sentence."""
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_detail(value)}" for key, value in detail.items())
    if isinstance(detail, list | tuple):
        return " ".join(_detail(item) for item in detail)
    return str(detail)


def outcome_response(
    status: int, diagnostics: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(operation_outcome(status, diagnostics), status=status, headers=headers)


def fhir_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal of a FHIR view as an OperationOutcome; anything else is a server error,
    answered by the project's 500 handler (an OperationOutcome under /fhir/ too)."""
    if isinstance(exc, rest.SearchError):
        return outcome_response(400, str(exc))
    if isinstance(exc, BulkParameterError):
        return Response(operation_outcome(400, str(exc), {exc.parameter: [str(exc)]}), status=400)
    if isinstance(exc, Http404):
        return outcome_response(404, str(exc) or "Not found.")
    if isinstance(exc, PermissionDenied):
        return outcome_response(403, str(exc) or "You may not do this.")
    if isinstance(exc, DjangoValidationError):
        return outcome_response(400, " ".join(exc.messages))
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = str(exc.auth_header)  # type: ignore[attr-defined]  # set by APIView.handle_exception
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]  # Throttled
        return outcome_response(exc.status_code, _detail(exc.detail), headers)
    return None


# What the IG names NDJSON; the first is the one the files are served as.
OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
KICK_OFF_PARAMETERS = ("_outputFormat", "_type", "_since")


class BulkParameterError(Exception):
    """A kick-off the export refuses: ``parameter`` names the query parameter or header."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class KickOff:
    types: tuple[str, ...]
    since: dt.datetime | None


def _since(value: str) -> dt.datetime:
    # A "+" left unencoded in a query string arrives as a space.
    text = value.strip().replace(" ", "+")
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise BulkParameterError(
            "_since",
            f"_since must be a FHIR instant with its time zone, such as "
            f"2026-01-31T08:00:00Z; {value!r} is not.",
        )
    return parsed


def kick_off(query: Mapping[str, list[str]], prefer: str) -> KickOff:
    """The kick-off request's parameters, checked: ``query`` maps each parameter to its values,
    ``prefer`` is the ``Prefer`` header. Raises BulkParameterError naming the first refused."""
    if "respond-async" not in [p.strip().lower() for p in prefer.split(",")]:
        raise BulkParameterError(
            "Prefer", "A bulk export runs in the background: send the header Prefer: respond-async."
        )
    for name in query:
        if name not in KICK_OFF_PARAMETERS:
            raise BulkParameterError(
                name,
                f"{name} is not supported here; the parameters are "
                f"{', '.join(KICK_OFF_PARAMETERS)}.",
            )
    for fmt in query.get("_outputFormat", []):
        if fmt.strip() not in OUTPUT_FORMATS:
            raise BulkParameterError(
                "_outputFormat",
                f"_outputFormat {fmt!r} is not offered; use {', '.join(OUTPUT_FORMATS)}.",
            )
    types: list[str] = []
    for value in query.get("_type", []):
        for name in value.split(","):
            kind = name.strip()
            if kind not in EXPORT_TYPES:
                raise BulkParameterError(
                    "_type",
                    f"_type {kind!r} is not a resource type this server exports; it exports "
                    f"{', '.join(sorted(EXPORT_TYPES))}.",
                )
            types.append(kind)
    since_values = query.get("_since", [])
    if len(since_values) > 1:
        raise BulkParameterError("_since", "_since may be given once.")
    since = _since(since_values[0]) if since_values else None
    return KickOff(types=tuple(sorted(set(types))), since=since)
