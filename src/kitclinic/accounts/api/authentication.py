"""API token authentication: kitclinic's own tokens (``kitclinic.accounts.models.ApiToken``),
sent as ``Authorization: Bearer <token>`` (or ``Token <token>``, as earlier clients do).

A token is refused (401, a JSON ``detail`` saying why) when it is unknown, revoked or expired,
when its user is deactivated or holds no active role at any clinic, and while the account is
locked after repeated failed log-ins (django-axes, ``KITCLINIC_LOGIN_FAILURE_LIMIT`` within the
lockout time): a token is a second way into an account, so a guessed-at account is closed at
every door. A read-only token making a write is 403, naming the scope (``TokenScopeAllows``).
The rules themselves are in ``kitclinic.accounts.token_rules``."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.db.models import Sum
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from kitclinic.accounts import token_rules
from kitclinic.accounts.actor import client_address
from kitclinic.accounts.models import ApiToken
from kitclinic.accounts.token_rules import Refusal
from kitclinic.accounts.tokens import (
    api_token_for_authentication,
    api_token_refusal_record,
    api_token_touch,
)

LOCKED_MESSAGE = Refusal.LOCKED.message


def account_locked(request: Any, username: str) -> bool:
    """The account itself is locked (its failures by user name within the cool-off time); a
    locked device (address and browser) does not lock the account's tokens."""
    attempts = AccessAttempt.objects.filter(username=username)
    cool_off = get_cool_off(request)
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    failures = int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)
    limit: int = get_failure_limit(request, {"username": username})
    return failures >= limit


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        try:
            raw = token_rules.token_from_authorization(request.META.get("HTTP_AUTHORIZATION", ""))
        except ValueError as exc:
            raise AuthenticationFailed(str(exc)) from None
        if raw is None:
            return None  # no token: the session may authenticate
        token = api_token_for_authentication(raw)
        if token is None:
            raise AuthenticationFailed(token_rules.UNKNOWN_MESSAGE)
        user = token.user
        now = timezone.now()
        refusal = token_rules.token_refusal(
            now=now,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            user_active=user.is_active,
            has_membership=token.has_membership,
            locked=account_locked(request._request, user.get_username()),
        )
        if refusal is not None:
            api_token_refusal_record(
                token=token, refusal=refusal, client_address=client_address(request._request)
            )
            raise AuthenticationFailed(refusal.message)
        api_token_touch(token, now)
        return user, token

    def authenticate_header(self, request: Any) -> str:
        # Makes an unauthenticated request 401 (with this challenge) rather than 403.
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # drf-spectacular's registering __init_subclass__ is unannotated
    """The token in the OpenAPI schema (and the docs' "Authorize" dialog)."""

    target_class = "kitclinic.accounts.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (kit_…); the scheme 'Token' is accepted too.",
        }


# The name the API views and settings have used for the token authentication.
LockoutAwareTokenAuthentication = ApiTokenAuthentication


class TokenScopeAllows(BasePermission):
    """A request authenticated by a token may use only the methods of the token's scope. A
    session request is not limited here (its role decides, as for every request)."""

    message = "This API token's scope does not allow this request."

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        if token_rules.scope_allows(token.scope, request.method):
            return True
        self.message = token_rules.scope_refusal_message(token.scope, request.method)
        return False
