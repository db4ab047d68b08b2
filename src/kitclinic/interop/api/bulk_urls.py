"""URLs of the FHIR bulk export (docs/fhir.md "Bulk export"), listed first in the FHIR door's
URLs (``interop/api/urls.py``, namespace ``fhir``)."""

from django.urls import path

from kitclinic.interop.api import bulk

urlpatterns = [
    path("$export", bulk.BulkExportStartApi.as_view(), name="bulk-export"),
    path(
        "Patient/$export",
        bulk.PatientBulkExportStartApi.as_view(),
        name="bulk-export-patient",
    ),
    path(
        "bulk-status/<uuid:export_key>",
        bulk.BulkExportStatusApi.as_view(),
        name="bulk-status",
    ),
    path(
        "bulk-files/<uuid:export_key>/<str:resource_type>.ndjson",
        bulk.BulkExportFileRetrieveApi.as_view(),
        name="bulk-file",
    ),
]
