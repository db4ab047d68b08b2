"""The dosing core must stay importable and runnable without Django (functional core)."""

from __future__ import annotations

import json
import subprocess
import sys

CODE = (
    "import kitclinic.dosing, kitclinic.dosing.cli, sys, json, io, contextlib; "
    "buf = io.StringIO(); "
    "ctx = contextlib.redirect_stdout(buf); ctx.__enter__(); "
    "rc = kitclinic.dosing.cli.main(['check', '--indication', 'depression', '--weight-kg', '70', "
    "'--dose-mg-per-kg', '0.5', '--duration-min', '40', '--concentration-mg-per-ml', '1']); "
    "ctx.__exit__(None, None, None); "
    "print(json.dumps([rc, sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))]))"
)


def test_importing_and_checking_loads_no_django_module():
    completed = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(completed.stdout) == [0, []]


def test_the_probe_would_see_django():
    """Guard against a vacuous pass: the same probe reports django when it is imported."""
    completed = subprocess.run(
        [sys.executable, "-c", "import django; " + CODE],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "django" in json.loads(completed.stdout)[1]
