"""The REST API v1 (mounted at /api/v1/, namespace ``api``): the accounts and patients APIs and the
audit trail. Each operation is its own class; URLs that serve several methods join them with
``endpoint``. The other apps' APIs are mounted beside it in ``kitclinic.config.urls``."""

from django.urls import include, path

from kitclinic.api import audit

app_name = "api"

urlpatterns = [
    path("", include("kitclinic.accounts.api.urls")),
    path("", include("kitclinic.patients.api.urls")),
    path("audit-events/", audit.AuditEventListApi.as_view(), name="audit-event-list"),
]
