from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/", include("kitclinic.api.urls")),
    path("api/v1/substances/", include("kitclinic.substances.api_urls")),
    path("api/v1/", include("kitclinic.assessments.api_urls")),
    path("api/v1/", include("kitclinic.infusions.api_urls")),
    path("", include("kitclinic.web.urls")),
]

handler403 = "kitclinic.web.views.permission_denied"
