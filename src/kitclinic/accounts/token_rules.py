"""The rules of API tokens, without Django: the token's form and hash, the scopes and the
methods each allows, the lifetime allowed, and whether a token may be used at a given moment.

A token is ``kit_`` followed by 43 URL-safe characters (32 random bytes from ``secrets``). Only
its SHA-256 is stored; a lookup hashes the presented token and finds the row by that digest. The
first 12 characters (``kit_`` and 8 random characters) are kept as a non-secret prefix so a
person can tell their tokens apart in a list; the 35 characters left still carry 208 random bits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

TOKEN_MARK = "kit_"
PREFIX_LENGTH = 12
SECRET_BYTES = 32
# last_used_at is written at most this often per token, so a busy integration does not turn
# every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# A refused token's use is audited at most this often per token (a retrying client would
# otherwise write an audit event per request).
REFUSAL_AUDIT_RESOLUTION = dt.timedelta(minutes=1)
# The Authorization schemes accepted: "Bearer" (RFC 6750) and "Token", which earlier clients send.
SCHEMES = ("bearer", "token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Scope(StrEnum):
    """What a token may do, on top of what its user's role allows (never more than the role)."""

    READ = "read"  # safe methods only: GET, HEAD, OPTIONS
    WRITE = "write"  # every method: reads and writes

    @property
    def label(self) -> str:
        return SCOPE_LABELS[self]


SCOPE_LABELS: dict[Scope, str] = {
    Scope.READ: "Read only (GET, HEAD, OPTIONS)",
    Scope.WRITE: "Read and write",
}


class Refusal(StrEnum):
    """Why a known token is refused now; each value's message is the API's 401 answer."""

    REVOKED = "revoked"
    EXPIRED = "expired"
    USER_INACTIVE = "user_inactive"
    NO_MEMBERSHIP = "no_membership"
    LOCKED = "locked"

    @property
    def message(self) -> str:
        return REFUSAL_MESSAGES[self]


REFUSAL_MESSAGES: dict[Refusal, str] = {
    Refusal.REVOKED: "This API token was revoked; create a new one.",
    Refusal.EXPIRED: "This API token has expired; create a new one.",
    Refusal.USER_INACTIVE: "The account of this API token is deactivated.",
    Refusal.NO_MEMBERSHIP: "The account of this API token has no active role at any clinic.",
    Refusal.LOCKED: (
        "The account is locked after repeated failed log-ins; its API tokens work again when "
        "the lock ends or an administrator lifts it."
    ),
}
UNKNOWN_MESSAGE = "Unknown API token: check that it was copied whole, or create a new one."
MALFORMED_MESSAGE = "Malformed Authorization header: send 'Authorization: Bearer <token>'."


@dataclass(frozen=True)
class NewToken:
    token: str  # shown once, never stored
    prefix: str
    digest: str


def token_digest(token: str) -> str:
    """SHA-256 of the token, hex (64 characters): what the database stores and looks up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_new() -> NewToken:
    token = TOKEN_MARK + secrets.token_urlsafe(SECRET_BYTES)
    return NewToken(token=token, prefix=token[:PREFIX_LENGTH], digest=token_digest(token))


def token_from_authorization(header: str) -> str | None:
    """The token in an ``Authorization`` value, or None when the header uses another scheme
    (a session request, say). A header of an accepted scheme but not one token raises
    ValueError."""
    parts = header.split()
    if not parts or parts[0].lower() not in SCHEMES:
        return None
    if len(parts) != 2:
        raise ValueError(MALFORMED_MESSAGE)
    return parts[1]


def scope_allows(scope: Scope | str, method: str) -> bool:
    """Whether a token of ``scope`` may make a request with this HTTP method."""
    if Scope(scope) is Scope.WRITE:
        return True
    return method.upper() in SAFE_METHODS


def scope_refusal_message(scope: Scope | str, method: str) -> str:
    return (
        f"This API token's scope is {Scope(scope).value!r}, which allows only GET, HEAD and "
        f"OPTIONS; {method.upper()} needs a token with scope 'write'."
    )


def token_refusal(
    *,
    now: dt.datetime,
    expires_at: dt.datetime,
    revoked_at: dt.datetime | None,
    user_active: bool,
    has_membership: bool,
    locked: bool,
) -> Refusal | None:
    """Why a token may not be used at ``now``, or None when it may. Checked in this order, so
    the answer names what the token's holder can act on first (a revoked token stays revoked
    whatever else holds). The token expires at ``expires_at`` itself."""
    if revoked_at is not None and revoked_at <= now:
        return Refusal.REVOKED
    if now >= expires_at:
        return Refusal.EXPIRED
    if not user_active:
        return Refusal.USER_INACTIVE
    if not has_membership:
        return Refusal.NO_MEMBERSHIP
    if locked:
        return Refusal.LOCKED
    return None


def token_state(
    *, now: dt.datetime, expires_at: dt.datetime, revoked_at: dt.datetime | None
) -> str:
    """The token's own state as the token list shows it: ``revoked``, ``expired`` or ``active``
    (the account's state is checked when the token is used, ``token_refusal``)."""
    if revoked_at is not None and revoked_at <= now:
        return "revoked"
    if now >= expires_at:
        return "expired"
    return "active"


def lifetime_errors(days: object, *, maximum: int) -> list[str]:
    """What is wrong with a requested lifetime in days (1..``maximum``): empty when allowed."""
    if isinstance(days, bool) or not isinstance(days, int):
        return [f"Must be a whole number of days, 1 to {maximum}."]
    if not 1 <= days <= maximum:
        return [f"Must be 1 to {maximum} days; got {days}."]
    return []


def expiry(now: dt.datetime, days: int) -> dt.datetime:
    return now + dt.timedelta(days=days)


def due(last: dt.datetime | None, now: dt.datetime, resolution: dt.timedelta) -> bool:
    """Whether a timestamp kept at ``resolution`` (last use, last audited refusal) is due for a
    write at ``now``."""
    return last is None or now - last >= resolution
