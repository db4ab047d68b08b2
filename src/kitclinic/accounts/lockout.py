"""Lockout after failed log-ins: an account after a few failures, an address after more.

django-axes counts failures per lockout parameter (``AXES_LOCKOUT_PARAMETERS``): here the user
name, and the client address alone. The browser's User-Agent is not part of any key, so a
password guesser cannot start a fresh count by changing it. An address has its own, higher
limit (``KITCLINIC_LOGIN_ADDRESS_FAILURE_LIMIT``) because a clinic's staff often share one
public address: one person's typos must not lock out every colleague, while one machine still
cannot spray guesses across accounts.

Axes compares one failure count with one limit, so the handler reports the address's failures
in the account limit's units (``lockout_count``): the count reaches the account limit exactly
when the address reaches its own limit."""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


def lockout_count(
    account_failures: int, address_failures: int, account_limit: int, address_limit: int
) -> int:
    """The failure count axes compares with ``account_limit``: the account's own failures, or the
    address's failures scaled so that ``address_limit`` of them count as ``account_limit``."""
    if address_failures >= address_limit:
        address_count = account_limit
    else:
        # Below its limit an address never locks, however many accounts it tried.
        address_count = min(address_failures * account_limit // address_limit, account_limit - 1)
    return max(account_failures, address_count)


def _failures(attempts: Any) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class AccountAndAddressLockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes ships no type information
    """Axes' database handler with a limit per account and another per address."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        account_attempts, address_attempts = self.get_user_attempts(request, credentials)
        return lockout_count(
            _failures(account_attempts),
            _failures(address_attempts),
            settings.AXES_FAILURE_LIMIT,
            settings.KITCLINIC_LOGIN_ADDRESS_FAILURE_LIMIT,
        )

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """A successful log-in clears that account's own failures only: the address keeps the
        failures it made against other accounts, so logging in to one's own account between
        guesses does not restart the address's count."""
        account_attempts = self.filter_user_attempts(request, credentials)[0]
        deleted, _ = account_attempts.delete()
        return int(deleted)
