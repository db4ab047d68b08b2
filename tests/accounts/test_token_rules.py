"""The pure rules of API tokens (kitclinic.accounts.token_rules): form and hash, scopes, lifetime
and when a token may be used."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.accounts import token_rules as r
from kitclinic.accounts.token_rules import Refusal, Scope

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=30)


def usable(**overrides: object) -> Refusal | None:
    facts: dict[str, object] = {
        "now": NOW,
        "expires_at": LATER,
        "revoked_at": None,
        "user_active": True,
        "has_membership": True,
        "locked": False,
    }
    facts.update(overrides)
    return r.token_refusal(**facts)  # type: ignore[arg-type]


def test_a_new_token_is_long_random_and_only_its_hash_and_prefix_are_kept():
    first, second = r.token_new(), r.token_new()
    assert first.token != second.token
    assert first.token.startswith("kit_") and len(first.token) == 4 + 43
    assert first.prefix == first.token[:12]
    # The digest is SHA-256 of the whole token (checked with hashlib directly).
    assert first.digest == hashlib.sha256(first.token.encode()).hexdigest()
    assert first.token not in first.digest and len(first.digest) == 64


def test_a_usable_token_has_no_refusal():
    assert usable() is None


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"revoked_at": NOW - dt.timedelta(seconds=1)}, Refusal.REVOKED),
        ({"revoked_at": NOW}, Refusal.REVOKED),
        ({"expires_at": NOW}, Refusal.EXPIRED),
        ({"expires_at": NOW - dt.timedelta(days=1)}, Refusal.EXPIRED),
        ({"user_active": False}, Refusal.USER_INACTIVE),
        ({"has_membership": False}, Refusal.NO_MEMBERSHIP),
        ({"locked": True}, Refusal.LOCKED),
    ],
)
def test_each_condition_refuses_with_its_own_reason(overrides, refusal):
    assert usable(**overrides) is refusal
    assert refusal.message


def test_a_revoked_token_is_reported_revoked_whatever_else_holds():
    assert (
        usable(
            revoked_at=NOW,
            expires_at=NOW,
            user_active=False,
            has_membership=False,
            locked=True,
        )
        is Refusal.REVOKED
    )
    assert usable(expires_at=NOW, user_active=False, locked=True) is Refusal.EXPIRED


def test_a_token_is_usable_up_to_the_instant_before_its_expiry():
    assert usable(now=LATER - dt.timedelta(microseconds=1)) is None
    assert usable(now=LATER) is Refusal.EXPIRED


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "get"])
def test_read_scope_allows_safe_methods(method):
    assert r.scope_allows(Scope.READ, method)
    assert r.scope_allows(Scope.WRITE, method)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "post"])
def test_only_write_scope_allows_unsafe_methods(method):
    assert not r.scope_allows("read", method)
    assert r.scope_allows("write", method)
    message = r.scope_refusal_message("read", method)
    assert "'read'" in message and "'write'" in message and method.upper() in message


def test_an_unknown_scope_is_an_error_not_a_permission():
    with pytest.raises(ValueError):
        r.scope_allows("admin", "GET")


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer kit_abc", "kit_abc"),
        ("bearer kit_abc", "kit_abc"),
        ("Token kit_abc", "kit_abc"),
        ("Basic dXNlcjpwdw==", None),
        ("", None),
    ],
)
def test_authorization_header_schemes(header, token):
    assert r.token_from_authorization(header) == token


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Token  "])
def test_a_bearer_header_without_exactly_one_token_is_malformed(header):
    with pytest.raises(ValueError, match="Bearer <token>"):
        r.token_from_authorization(header)


@pytest.mark.parametrize(
    ("days", "ok"), [(1, True), (365, True), (0, False), (366, False), (-5, False)]
)
def test_lifetime_is_one_day_to_the_maximum(days, ok):
    errors = r.lifetime_errors(days, maximum=365)
    assert (errors == []) is ok
    if not ok:
        assert "1 to 365" in errors[0]


@pytest.mark.parametrize("days", ["30", 30.0, True, None])
def test_lifetime_must_be_a_whole_number(days):
    assert r.lifetime_errors(days, maximum=365) == ["Must be a whole number of days, 1 to 365."]


def test_expiry_is_the_lifetime_after_creation():
    assert r.expiry(NOW, 90) == NOW + dt.timedelta(days=90)


@given(seconds=st.integers(min_value=0, max_value=600))
def test_a_timestamp_is_due_once_per_resolution(seconds):
    last = NOW
    now = NOW + dt.timedelta(seconds=seconds)
    assert r.due(last, now, r.LAST_USED_RESOLUTION) is (seconds >= 60)
    assert r.due(None, now, r.LAST_USED_RESOLUTION)


@pytest.mark.parametrize(
    ("revoked_at", "expires_at", "state"),
    [
        (None, LATER, "active"),
        (None, NOW, "expired"),  # expires at that instant
        (NOW, LATER, "revoked"),
        (NOW, NOW, "revoked"),  # revoked wins over expired
        (LATER, LATER, "active"),  # a revocation in the future has not happened yet
    ],
)
def test_token_state_is_what_the_token_list_shows(revoked_at, expires_at, state):
    assert r.token_state(now=NOW, expires_at=expires_at, revoked_at=revoked_at) == state
