"""Bounded integer settings: a value outside the range stops start-up naming the variable and
the range, rather than reaching the code that uses it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kitclinic.config.env import ImproperlyConfiguredEnv, env_int


@pytest.mark.parametrize("value", ["0", "3651", "-5"])
def test_a_value_outside_the_bounds_is_refused_with_name_and_range(monkeypatch, value) -> None:
    monkeypatch.setenv("KITCLINIC_TEST_DAYS", value)
    with pytest.raises(ImproperlyConfiguredEnv, match=r"KITCLINIC_TEST_DAYS must be 1\.\.3650"):
        env_int("KITCLINIC_TEST_DAYS", 365, minimum=1, maximum=3650)


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("3650", 3650), ("", 365)])
def test_the_bounds_are_inclusive_and_empty_means_the_default(monkeypatch, value, expected):
    monkeypatch.setenv("KITCLINIC_TEST_DAYS", value)
    assert env_int("KITCLINIC_TEST_DAYS", 365, minimum=1, maximum=3650) == expected


def test_a_booking_horizon_out_of_range_stops_start_up() -> None:
    env = {
        **os.environ,
        "KITCLINIC_DEBUG": "1",
        "KITCLINIC_BOOKING_HORIZON_DAYS": "999999999",
        "DJANGO_SETTINGS_MODULE": "kitclinic.config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "KITCLINIC_BOOKING_HORIZON_DAYS must be 1..3650; got 999999999" in result.stderr
