"""The outcome engine and its command line must run without Django (functional core)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_engine_and_cli_loads_no_django():
    code = (
        "import kitclinic.outcome_stats, kitclinic.outcome_stats.cli, sys; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
