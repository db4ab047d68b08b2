"""FHIR Bulk Data export (Bulk Data Access IG v2, system and patient level; docs/fhir.md):

- kick-off ``GET /fhir/$export`` or ``GET /fhir/Patient/$export`` with ``Prefer: respond-async``:
  202 and the status URL in ``Content-Location``;
- status ``GET`` on that URL: 202 with ``X-Progress`` while it runs, 200 and the manifest when
  done, 500 and an OperationOutcome when it failed; ``DELETE``: cancel, files deleted, 202;
- download ``GET`` of a manifest's file URL: the NDJSON, audited as a read.

Authenticated as the API is (token or session), for a role that may export
(``fhir.bulk_export``); another organization's export is a 404. Every error is an
OperationOutcome naming what is wrong (a refused parameter in ``issue.expression``). Kept out
of the OpenAPI description of /api/v1/ (its shapes are the IG's, not the API's).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.http import FileResponse
from django.urls import reverse
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from kitclinic.accounts.api.base import ApiView
from kitclinic.accounts.roles import Action
from kitclinic.interop.access import access_bulk_export, access_bulk_file
from kitclinic.interop.api.serializers import (
    BulkParameterError,
    FhirContentNegotiation,
    FhirJsonRenderer,
    fhir_exception_handler,
    kick_off,
    outcome_response,
)
from kitclinic.interop.mapping import instant
from kitclinic.interop.models import REQUEST_URL_MAX_LENGTH, BulkExport, BulkExportStatus
from kitclinic.interop.services.bulk import ExportBusy, bulk_export_cancel, bulk_export_start
from kitclinic.lib.api.base import endpoint

# How long a client should wait before asking the status again, in seconds.
RETRY_AFTER = 5


def _information(text: str) -> dict[str, Any]:
    """An OperationOutcome that reports, not refuses (an accepted kick-off, a cancel)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational", "diagnostics": text}],
    }


class NdjsonRenderer(BaseRenderer):
    """A download asked for as NDJSON whose answer is an error: the OperationOutcome on one
    line."""

    media_type = "application/fhir+ndjson"
    format = "ndjson"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return (json.dumps(data) + "\n").encode() if data is not None else b""


class BulkApiView(ApiView):
    """The FHIR door's renderer, content negotiation and OperationOutcome errors
    (``interop/api/serializers.py``), with DELETE (a cancel) besides GET."""

    renderer_classes = [FhirJsonRenderer]
    content_negotiation_class: type[DefaultContentNegotiation] = FhirContentNegotiation
    schema = None  # not part of the /api/v1 OpenAPI description

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return fhir_exception_handler


def _status_url(request: Request, export: BulkExport) -> str:
    return request.build_absolute_uri(
        reverse("fhir:bulk-status", kwargs={"export_key": export.key})
    )


class _KickOff(BulkApiView):
    level = "system"

    def get(self, request: Request) -> Response:
        actor = self.actor(request)
        # The role first: a kick-off it may not make is a 403 whatever its parameters.
        actor.require(Action.FHIR_BULK_EXPORT)
        asked = kick_off(
            {name: request.query_params.getlist(name) for name in request.query_params},
            request.headers.get("Prefer", ""),
        )
        url = request.build_absolute_uri()
        if len(url) > REQUEST_URL_MAX_LENGTH:
            raise BulkParameterError("_type", "The request URL is longer than accepted.")
        try:
            export = bulk_export_start(
                actor=actor,
                level=self.level,
                types=asked.types,
                since=asked.since,
                request_url=url,
            )
        except ExportBusy as busy:
            return outcome_response(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"{busy} Wait for it, or cancel it: {_status_url(request, busy.running)}",
                headers={"Retry-After": str(RETRY_AFTER)},
            )
        return Response(
            _information("Export accepted: ask the URL in Content-Location for its status."),
            status=status.HTTP_202_ACCEPTED,
            headers={"Content-Location": _status_url(request, export)},
        )


class BulkExportStartApi(_KickOff):
    level = "system"


class PatientBulkExportStartApi(_KickOff):
    level = "patient"


def manifest(request: Request, export: BulkExport) -> dict[str, Any]:
    """The IG's completion manifest of a completed export."""
    assert export.transaction_time is not None
    return {
        "transactionTime": instant(export.transaction_time),
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": f.resource_type,
                "url": request.build_absolute_uri(
                    reverse(
                        "fhir:bulk-file",
                        kwargs={"export_key": export.key, "resource_type": f.resource_type},
                    )
                ),
                "count": f.count,
            }
            for f in export.files.all()
        ],
        "error": [],
    }


class BulkExportRetrieveApi(BulkApiView):
    def get(self, request: Request, export_key: uuid.UUID) -> Response:
        export = access_bulk_export(self.actor(request), export_key)
        if export.status == BulkExportStatus.COMPLETED:
            return Response(manifest(request, export), content_type="application/json")
        if export.status == BulkExportStatus.FAILED:
            return outcome_response(status.HTTP_500_INTERNAL_SERVER_ERROR, export.error)
        progress = (
            f"{export.patients_done} of {export.patients_total} patients"
            if export.status == BulkExportStatus.IN_PROGRESS
            else "waiting to start"
        )
        return Response(
            None,
            status=status.HTTP_202_ACCEPTED,
            headers={"X-Progress": progress, "Retry-After": str(RETRY_AFTER)},
        )


class BulkExportCancelApi(BulkApiView):
    def delete(self, request: Request, export_key: uuid.UUID) -> Response:
        actor = self.actor(request)
        bulk_export_cancel(actor=actor, export=access_bulk_export(actor, export_key))
        return Response(
            _information("Export cancelled; its files are deleted."),
            status=status.HTTP_202_ACCEPTED,
        )


BulkExportStatusApi = endpoint("BulkExportStatusApi", BulkExportRetrieveApi, BulkExportCancelApi)


class BulkExportFileRetrieveApi(BulkApiView):
    # NDJSON as the IG asks for it (Accept: application/fhir+ndjson), or whatever the rest of
    # the door serves.
    renderer_classes = [NdjsonRenderer, FhirJsonRenderer]
    content_negotiation_class = DefaultContentNegotiation

    def get(self, request: Request, export_key: uuid.UUID, resource_type: str) -> FileResponse:
        found, path = access_bulk_file(self.actor(request), export_key, resource_type)
        return FileResponse(
            path.open("rb"),
            content_type="application/fhir+ndjson",
            filename=f"{found.resource_type}.ndjson",
        )
