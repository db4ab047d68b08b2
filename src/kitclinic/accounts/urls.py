from django.urls import path

from kitclinic.accounts import second_factor_views, views

urlpatterns = [
    path("account/api-tokens/", views.api_tokens, name="api-tokens"),
    path(
        "account/api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api-token-revoke",
    ),
    path("login/code/", second_factor_views.second_factor_code, name="second-factor-code"),
    path("account/second-factor/", second_factor_views.second_factor_page, name="second-factor"),
    path(
        "account/second-factor/reset/",
        second_factor_views.second_factor_reset_view,
        name="second-factor-reset",
    ),
]
