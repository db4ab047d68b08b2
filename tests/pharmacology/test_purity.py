"""The engine is a pure core: importing it (and its CLI) loads no Django and no other app."""

from __future__ import annotations

import subprocess
import sys

CHECK = (
    "import kitclinic.pharmacology, kitclinic.pharmacology.cli.main, sys; "
    "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.') "
    "or (m.startswith('kitclinic.') and not m.startswith('kitclinic.pharmacology'))); "
    "print(','.join(bad))"
)


def test_importing_the_engine_and_cli_imports_no_django_or_other_app() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
