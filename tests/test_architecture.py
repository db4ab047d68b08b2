"""The code's shape as README and docs/architecture.md describe it: the folder map, one API shape
per app, and the import layers (import-linter contracts in pyproject.toml)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "kitclinic"
APPS = [
    "accounts",
    "assessments",
    "audit",
    "billing",
    "consent",
    "infusions",
    "interop",
    "operations",
    "outcomes",
    "patients",
    "payments",
    "rems",
    "substances",
]


def _packages() -> set[str]:
    return {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def test_readme_map_lists_every_package_and_only_those():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Architecture") :]
    listed = set(re.findall(r"^\| `(\w+)/` \|", section, flags=re.MULTILINE))
    assert listed == _packages()


def test_every_app_keeps_its_api_in_one_package():
    for app in APPS:
        folder = SRC / app
        for stray in ("api.py", "api_urls.py", "serializers.py"):
            assert not (folder / stray).exists(), f"{app}/{stray}: the API lives in {app}/api/"
        api = folder / "api"
        if api.exists():
            for part in ("serializers", "views", "urls"):
                assert (api / f"{part}.py").exists() or (api / part).is_dir(), f"{app}/api/{part}"
        if (folder / "views.py").exists() or (folder / "views").is_dir():
            assert (folder / "urls.py").exists(), f"{app} has pages but no urls.py"


def test_demo_data_lives_only_in_the_demo_package():
    strays = [p for p in SRC.rglob("*demo*.py") if SRC / "demo" not in p.parents]
    assert strays == []


def test_imports_keep_the_layers():
    """pyproject.toml's import-linter contracts: layers, pure cores without Django, demo apart."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:]


ROOMS = {
    # every app's rooms
    "models", "services", "selectors", "access", "views", "forms", "api", "urls", "templates",
    # Django's own
    "apps", "migrations", "management", "templatetags", "static", "tasks", "signals",
    "middleware", "context_processors",
    # the same meaning in every app
    "charts", "reports", "states",
}  # fmt: skip


def test_every_module_of_an_app_is_a_room_or_listed_in_the_architecture():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| `(\w+)/(\w+)(?:\.py|/)` \|", doc, flags=re.MULTILINE)
    listed = {f"{app}/{name}" for app, name in rows if app in APPS}
    found = set()
    for app in APPS:
        for entry in (SRC / app).iterdir():
            name = entry.name.removesuffix(".py")
            if entry.name.startswith("__") or name in ROOMS:
                continue
            if entry.suffix == ".py" or (entry / "__init__.py").exists():
                found.add(f"{app}/{name}")
    assert found == listed


# API operation classes are named <Thing><Verb>Api; the verbs in use (add one when an operation
# needs a new one): List and Retrieve read, the others write.
API_VERBS = (
    "List Retrieve Create Update PartialUpdate Record Write Acknowledge Revoke Issue Book Cancel "
    "Correct Plan Transition Approve Place Preview SendBack Withdraw DoubleCheck Change Waste Discard "
    "CheckIn Discharge NoShow Pause Resume Sign Start Stop"
).split()


def test_api_classes_are_named_thing_then_verb():
    names = set()
    for path in SRC.rglob("*.py"):
        names |= set(re.findall(r"^class (\w+Api)\b", path.read_text(), flags=re.MULTILINE))
    pattern = re.compile(r"^[A-Z][A-Za-z]*?(" + "|".join(API_VERBS) + r")Api$")
    assert names and [n for n in sorted(names) if not pattern.match(n)] == []
