"""Lockout keys: an account after AXES_FAILURE_LIMIT failures, an address after
KITCLINIC_LOGIN_ADDRESS_FAILURE_LIMIT failures across accounts, whatever its User-Agent."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

import kitclinic.config.settings as production
from kitclinic.accounts.lockout import lockout_count
from tests.support.personas import PASSWORD

WRONG = "wrong-password-123"


def _login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password})


def _locked(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 429


def test_the_production_keys_leave_the_user_agent_out():
    assert production.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert production.AXES_HANDLER == "kitclinic.accounts.lockout.AccountAndAddressLockoutHandler"
    assert production.KITCLINIC_LOGIN_ADDRESS_FAILURE_LIMIT == 20


@given(
    account=st.integers(0, 100),
    address=st.integers(0, 100),
    account_limit=st.integers(1, 20),
    address_limit=st.integers(1, 100),
)
def test_the_count_reaches_the_account_limit_exactly_when_either_limit_is_reached(
    account: int, address: int, account_limit: int, address_limit: int
):
    count = lockout_count(account, address, account_limit, address_limit)
    locked = count >= account_limit
    assert locked == (account >= account_limit or address >= address_limit)
    assert count >= account


@pytest.mark.django_db
def test_changing_the_user_agent_does_not_restart_an_account_s_count(world):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        browser = Client(HTTP_USER_AGENT=f"Browser/{attempt}")
        assert not _locked(_login(browser, "nurse", WRONG))
    # The failure that reaches the limit locks the account.
    assert _locked(_login(Client(HTTP_USER_AGENT="Browser/last"), "nurse", WRONG))
    fresh = Client(HTTP_USER_AGENT="Another/1.0")
    assert _locked(_login(fresh, "nurse", PASSWORD))
    assert "_auth_user_id" not in fresh.session


@pytest.mark.django_db
def test_an_address_spraying_accounts_is_locked_whatever_user_agent_it_claims(world):
    limit = settings.KITCLINIC_LOGIN_ADDRESS_FAILURE_LIMIT
    usernames = [f"nobody-{n}" for n in range(limit)]  # never the same account twice
    for n, username in enumerate(usernames[:-1]):
        assert not _locked(_login(Client(HTTP_USER_AGENT=f"Spray/{n}"), username, WRONG))
    # The last failure the address may make locks it.
    assert _locked(_login(Client(HTTP_USER_AGENT="Spray/last"), usernames[-1], WRONG))
    # Now even a colleague's right password from that address, in a new browser, is refused...
    colleague = Client(HTTP_USER_AGENT="Colleague/1.0")
    assert _locked(_login(colleague, "physician", PASSWORD))
    # ...while the same account from another address logs in.
    elsewhere = Client(HTTP_USER_AGENT="Colleague/1.0", REMOTE_ADDR="203.0.113.9")
    assert _login(elsewhere, "physician", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_colleagues_typos_at_a_shared_address_below_its_limit_lock_no_one_else(world):
    # Each of three colleagues mistypes (below the account limit) from the clinic's one address.
    for username in ("nurse", "front_desk", "clinic_admin"):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert not _locked(_login(Client(), username, WRONG))
    response = _login(Client(), "physician", PASSWORD)
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_successful_log_in_clears_only_its_own_account_s_failures(world):
    from axes.models import AccessAttempt

    for _ in range(3):
        _login(Client(), "nurse", WRONG)
        _login(Client(), "physician", WRONG)
    assert _login(Client(), "physician", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="physician").exists()
    # The address keeps the failures it made against the other account.
    assert AccessAttempt.objects.filter(username="nurse").get().failures_since_start == 3


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        ("10.0.0.5", "", 0, "10.0.0.5"),
        ("10.0.0.5", "198.51.100.7", 0, "10.0.0.5"),  # no proxy: the header is the client's word
        ("10.0.0.5", "198.51.100.7", 1, "198.51.100.7"),
        ("10.0.0.5", "1.2.3.4, 198.51.100.7", 1, "198.51.100.7"),  # the left entry is forged
        ("10.0.0.5", "198.51.100.7, 10.0.0.9", 2, "198.51.100.7"),
        ("10.0.0.5", "198.51.100.7", 2, "10.0.0.5"),  # too short: did not pass both proxies
        ("10.0.0.5", "not-an-address", 1, "10.0.0.5"),
        ("10.0.0.5", " 2001:db8::1 ", 1, "2001:db8::1"),
    ],
)
def test_the_client_address_behind_trusted_proxies(remote, forwarded, proxies, expected):
    from kitclinic.accounts.actor import forwarded_client_address

    assert forwarded_client_address(remote, forwarded, proxies) == expected


@pytest.mark.django_db
def test_behind_a_proxy_the_lockout_keys_the_forwarded_address(world, settings):
    settings.KITCLINIC_TRUSTED_PROXIES = 1
    limit = settings.KITCLINIC_LOGIN_ADDRESS_FAILURE_LIMIT
    spraying = {"HTTP_X_FORWARDED_FOR": "198.51.100.7", "REMOTE_ADDR": "10.0.0.1"}
    for n in range(limit):
        _login(Client(**spraying), f"nobody-{n}", WRONG)
    # The proxy's own address is shared by everyone: a colleague elsewhere still logs in.
    colleague = Client(HTTP_X_FORWARDED_FOR="203.0.113.4", REMOTE_ADDR="10.0.0.1")
    assert _login(colleague, "physician", PASSWORD).status_code == 302
    # A forged left-hand entry does not move the sprayer to a fresh address.
    forged = Client(HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.7", REMOTE_ADDR="10.0.0.1")
    assert _locked(_login(forged, "nurse", PASSWORD))
