"""The FHIR R4 REST door (mounted at /fhir/, docs/fhir.md "REST"): the CapabilityStatement,
read and search-type of the resource types in ``kitclinic.interop.rest.RESOURCES``, and a
patient's ``$everything``. Authenticated as the API is (token or session), read only, every read
audited; errors are OperationOutcomes. Not in the OpenAPI schema (it describes /api/v1; FHIR
servers describe themselves at /fhir/metadata)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import Http404
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

import kitclinic
from kitclinic.accounts.api.base import ApiView
from kitclinic.interop import mapping, rest
from kitclinic.interop.api.serializers import (
    FhirContentNegotiation,
    FhirJsonRenderer,
    fhir_exception_handler,
)
from kitclinic.interop.export import fhir_base_url
from kitclinic.interop.selectors import fhir_everything, fhir_read, fhir_search


class FhirView(ApiView):
    renderer_classes = [FhirJsonRenderer]
    content_negotiation_class = FhirContentNegotiation
    http_method_names = ["get", "head"]
    schema = None  # not part of the /api/v1 OpenAPI description

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return fhir_exception_handler


def _pairs(request: Request) -> list[tuple[str, str]]:
    return [(name, value) for name, values in request.query_params.lists() for value in values]


def _now() -> str:
    return mapping.instant(timezone.now())


def _page_links(request: Request, search: rest.Search, total: int) -> list[tuple[str, str]]:
    kept = [(n, v) for n, v in _pairs(request) if n not in {"_count", "_offset"}]
    base = request.build_absolute_uri(request.path)

    def at(offset: int) -> str:
        return f"{base}?{urlencode([*kept, ('_count', search.count), ('_offset', offset)])}"

    links = [("self", at(search.offset))]
    if search.offset + search.count < total:
        links.append(("next", at(search.offset + search.count)))
    if search.offset > 0:
        links.append(("previous", at(max(0, search.offset - search.count))))
    return links


class CapabilityStatementRetrieveApi(FhirView):
    # The statement says what the server does, not whose data it holds: open to all, as FHIR
    # clients expect before they authenticate.
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        rest.refuse_parameters("metadata", _pairs(request))
        statement = rest.capability_statement(
            base_url=fhir_base_url(),
            date=_now(),
            software_version=kitclinic.__version__,
        )
        return Response(statement)


class FhirResourceRetrieveApi(FhirView):
    def get(self, request: Request, resource_type: str, resource_id: str) -> Response:
        rest.refuse_parameters(f"A read of {resource_type}", _pairs(request))
        return Response(fhir_read(self.actor(request), resource_type, resource_id))


class FhirResourceListApi(FhirView):
    def get(self, request: Request, resource_type: str) -> Response:
        search = rest.parse_search(resource_type, _pairs(request))
        page = fhir_search(self.actor(request), search)
        bundle = rest.searchset(
            base_url=fhir_base_url(),
            resources=page.resources,
            total=page.total,
            links=_page_links(request, search, page.total),
            timestamp=_now(),
        )
        return Response(bundle)


class PatientEverythingRetrieveApi(FhirView):
    def get(self, request: Request, resource_id: str) -> Response:
        rest.refuse_parameters("$everything", _pairs(request))
        actor = self.actor(request)
        key = rest.parse_id("Patient", resource_id)
        if key is None:
            raise Http404(f"No Patient with id {resource_id!r} here.")
        resources = fhir_everything(actor, key.pk)
        bundle = rest.searchset(
            base_url=fhir_base_url(),
            resources=resources,
            total=len(resources),
            links=[("self", request.build_absolute_uri())],
            timestamp=_now(),
        )
        return Response(bundle)
