from typing import Any

from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)


class FaviconRedirect(RedirectView):
    """Browsers and API tools ask for /favicon.ico whatever a page links; send them to the icon.
    Resolved per request: the hashed static name exists only after collectstatic."""

    permanent = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        return static("pages/favicon.svg")


urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/", include("kitclinic.api.urls")),
    path("api/v1/substances/", include("kitclinic.substances.api.urls")),
    path("api/v1/billing/", include("kitclinic.billing.api.urls")),
    path("api/v1/rems/", include("kitclinic.rems.api.urls")),
    path("api/v1/", include("kitclinic.assessments.api.urls")),
    path("api/v1/", include("kitclinic.infusions.api.urls")),
    path("api/v1/", include("kitclinic.payments.api.urls")),
    # FHIR R4 (docs/fhir.md): REST read and search, the bulk export; errors are OperationOutcomes
    path("fhir/", include("kitclinic.interop.api.urls")),
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
    path("", include("kitclinic.pages.urls")),
]

handler403 = "kitclinic.pages.views.permission_denied"
handler400 = "kitclinic.lib.web.errors.bad_request"
handler404 = "kitclinic.lib.web.errors.page_not_found"
handler500 = "kitclinic.lib.web.errors.server_error"
