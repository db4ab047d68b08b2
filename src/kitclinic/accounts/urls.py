from django.urls import path

from kitclinic.accounts.views import api_tokens, second_factor

urlpatterns = [
    path("account/api-tokens/", api_tokens.api_tokens, name="api-tokens"),
    path(
        "account/api-tokens/<int:token_id>/revoke/",
        api_tokens.api_token_revoke_view,
        name="api-token-revoke",
    ),
    path("login/code/", second_factor.second_factor_code, name="second-factor-code"),
    path("account/second-factor/", second_factor.second_factor_page, name="second-factor"),
    path(
        "account/second-factor/reset/",
        second_factor.second_factor_reset_view,
        name="second-factor-reset",
    ),
]
