"""The API token lifetime settings: a default longer than the maximum stops start-up, naming
the setting and the range."""

from __future__ import annotations

import os
import subprocess
import sys


def _start(**variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KITCLINIC_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "kitclinic.config.settings",
        **variables,
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.KITCLINIC_API_TOKEN_DAYS, settings.KITCLINIC_API_TOKEN_MAX_DAYS)"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_the_defaults_are_90_and_365_days():
    result = _start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["90", "365"]


def test_a_default_longer_than_the_maximum_stops_start_up():
    result = _start(KITCLINIC_API_TOKEN_MAX_DAYS="30", KITCLINIC_API_TOKEN_DAYS="90")
    assert result.returncode != 0
    assert "KITCLINIC_API_TOKEN_DAYS must be 1..30; got 90" in result.stderr


def test_both_lifetimes_can_be_set():
    result = _start(KITCLINIC_API_TOKEN_MAX_DAYS="60", KITCLINIC_API_TOKEN_DAYS="7")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["7", "60"]
