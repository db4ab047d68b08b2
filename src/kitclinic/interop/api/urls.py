"""The FHIR REST door's URLs (mounted at /fhir/ by kitclinic.config.urls, namespace ``fhir``).
FHIR names its addresses without a trailing slash: /fhir/Patient/p-12, /fhir/Observation?...
The resource types are those of ``kitclinic.interop.rest.RESOURCES``; any other is a 404."""

from django.urls import path, register_converter

from kitclinic.interop import rest
from kitclinic.interop.api import bulk_urls, views


class ResourceTypeConverter:
    """A resource type the REST door serves (``rest.SUPPORTED``)."""

    regex = "|".join(rest.SUPPORTED)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ResourceTypeConverter, "fhirtype")

app_name = "fhir"

urlpatterns = [
    path("metadata", views.CapabilityStatementRetrieveApi.as_view(), name="metadata"),
    path(
        "Patient/<str:resource_id>/$everything",
        views.PatientEverythingRetrieveApi.as_view(),
        name="patient-everything",
    ),
    # Bulk data ($export, interop/api/bulk.py), before the generic routes below, which would
    # otherwise read "Patient/$export" as a read of a Patient with the id "$export".
    *bulk_urls.urlpatterns,
    path("<fhirtype:resource_type>", views.FhirResourceListApi.as_view(), name="search"),
    path(
        "<fhirtype:resource_type>/<str:resource_id>",
        views.FhirResourceRetrieveApi.as_view(),
        name="read",
    ),
]
