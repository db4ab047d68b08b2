"""API token authentication that honours the log-in lockout.

A token is a second way into an account: while the account is locked after repeated failed
log-ins (django-axes, ``KITCLINIC_LOGIN_FAILURE_LIMIT`` within the lockout time), its tokens are
refused too (401), so a guessed-at account is closed at every door. A deactivated user's token
is refused by DRF's own check."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.db.models import Sum
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

LOCKED_MESSAGE = (
    "The account is locked after repeated failed log-ins; its API tokens work again when the "
    "lock ends or an administrator lifts it."
)


def account_locked(request: Any, username: str) -> bool:
    """The account itself is locked (its failures by user name within the cool-off time); a
    locked device (address and browser) does not lock the account's tokens."""
    attempts = AccessAttempt.objects.filter(username=username)
    cool_off = get_cool_off(request)
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
    return failures >= get_failure_limit(request, {"username": username})


class LockoutAwareTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, _token = result
        if account_locked(request._request, user.get_username()):
            raise AuthenticationFailed(LOCKED_MESSAGE)
        return result
