"""The intake core is pure Python: importing it must not import Django (house style,
"functional core, Django shell")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_importing_the_intake_package_imports_no_django_module() -> None:
    code = (
        "import sys, kitclinic.intake, kitclinic.intake.eligibility; "
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == ""
    # The check itself works: the same probe sees Django when Django is imported.
    probe = code.replace("import sys,", "import sys, django,")
    seen = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert "django" in seen.stdout.split(",")
