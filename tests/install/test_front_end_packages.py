"""The front-end packages: `npm ci` (the Makefile's install step) installs exactly
package-lock.json, so every package package.json names must be in the lock, development ones
included; and axe-core, which only the browser tests use, is a development package the site never
serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parents[2]


def _read(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((ROOT / name).read_text())


def test_every_package_json_dependency_is_locked_for_npm_ci() -> None:
    package, lock = _read("package.json"), _read("package-lock.json")
    root = lock["packages"][""]
    for group in ("dependencies", "devDependencies"):
        assert root.get(group, {}) == package.get(group, {}), group
        for name in package.get(group, {}):
            entry = lock["packages"].get(f"node_modules/{name}")
            assert entry and entry.get("integrity", "").startswith("sha512-"), name


def test_make_install_runs_npm_ci_with_the_development_packages() -> None:
    makefile = (ROOT / "Makefile").read_text()
    npm = re.findall(r"^\t(npm .*)$", makefile, flags=re.M)
    assert npm and all(line.startswith("npm ci") for line in npm), npm
    assert not any(re.search(r"--(omit|only)[= ]|--production", line) for line in npm), npm


def test_axe_core_is_a_development_package_the_site_does_not_serve() -> None:
    package = _read("package.json")
    assert "axe-core" in package["devDependencies"]
    assert "axe-core" not in package.get("dependencies", {})
    assert not any("axe-core" in Path(folder).parts for _, folder in settings.STATICFILES_DIRS)
    assert finders.find("axe.min.js") is None
    assert finders.find("vendor/axe-core/axe.min.js") is None
