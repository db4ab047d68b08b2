"""The instrument library must stay importable without Django (functional core)."""

from __future__ import annotations

import json
import subprocess
import sys

CODE = (
    "import kitclinic.instruments, kitclinic.instruments.cli, sys, json; "
    "kitclinic.instruments.score('phq9', [0] * 9); "
    "print(json.dumps(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))))"
)


def test_importing_and_scoring_loads_no_django_module():
    completed = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(completed.stdout) == []


def test_the_check_itself_would_see_django():
    """Guard against a vacuous pass: the same probe reports django when it is imported."""
    code = "import django; " + CODE
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "django" in json.loads(completed.stdout)
