"""URLs of the accounts API (under /api/v1/, namespace ``api``): who am I, API tokens."""

from django.urls import path

from kitclinic.accounts.api import views
from kitclinic.lib.api.base import endpoint

urlpatterns = [
    path("me/", views.MeRetrieveApi.as_view(), name="me"),
    path(
        "api-tokens/",
        endpoint("ApiTokensApi", views.ApiTokenListApi, views.ApiTokenCreateApi).as_view(),
        name="api-token-list",
    ),
    path(
        "api-tokens/<int:token_id>/revoke/",
        views.ApiTokenRevokeApi.as_view(),
        name="api-token-revoke",
    ),
]
