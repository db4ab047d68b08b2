"""The Python lock files: every package the project installs is pinned to one version with
hashes, and the pins satisfy what pyproject.toml and requirements/*.in ask for, so `make install`
gives the same packages on every machine. (`make lock` regenerates them; this test says when
that was forgotten after a dependency changed.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"
OPENTIVA_LOCK = ROOT / "requirements" / "opentiva.txt"
# Python 3.11 on Linux, the platform the project is installed on.
ENVIRONMENT = {**default_environment(), "python_full_version": "3.11.7", "python_version": "3.11"}


def _pins(path: Path) -> dict[str, list[tuple[str, str, list[str]]]]:
    """name -> [(version, marker, hashes)] for each requirement block of a hashed lock file."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    pins: dict[str, list[tuple[str, str, list[str]]]] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(
            r"^([A-Za-z0-9._-]+)==([^\s;]+)\s*(?:;\s*([^-][^\n]*?))?\s*((?:--hash=\S+\s*)*)$", line
        )
        assert m, f"{path.name}: not a pinned requirement with hashes: {line[:80]!r}"
        name, version, marker, hashes = m.groups()
        pins.setdefault(canonicalize_name(name), []).append(
            (version, (marker or "").strip(), re.findall(r"--hash=sha256:([0-9a-f]{64})", hashes))
        )
    return pins


def _version_here(pins: dict[str, list[tuple[str, str, list[str]]]], name: str) -> str | None:
    from packaging.markers import Marker

    for version, marker, _ in pins.get(canonicalize_name(name), []):
        if not marker or Marker(marker).evaluate(ENVIRONMENT):
            return version
    return None


def _direct_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["dev"]
    build_in = (ROOT / "requirements" / "build.in").read_text().splitlines()
    listed += [line for line in build_in if line.strip() and not line.startswith("#")]
    return [Requirement(r) for r in listed]


def test_every_pin_has_at_least_one_sha256_hash() -> None:
    for lock in (LOCK, OPENTIVA_LOCK):
        for name, versions in _pins(lock).items():
            for version, _, hashes in versions:
                assert hashes, f"{lock.name}: {name}=={version} has no --hash"


@pytest.mark.parametrize("requirement", _direct_requirements(), ids=str)
def test_every_direct_dependency_is_pinned_within_its_range(requirement: Requirement) -> None:
    pins = _pins(LOCK)
    version = _version_here(pins, requirement.name)
    assert version is not None, (
        f"{requirement.name} is not in requirements/lock.txt: run `make lock`"
    )
    assert requirement.specifier.contains(version, prereleases=True), (
        f"requirements/lock.txt pins {requirement.name}=={version}, outside "
        f"{requirement.specifier}: run `make lock`"
    )


def test_opentiva_is_pinned_to_the_version_the_cross_check_was_written_for() -> None:
    pins = _pins(OPENTIVA_LOCK)
    assert list(pins) == ["opentiva"]
    assert _version_here(pins, "opentiva") == "1.1.2"


def test_the_makefile_installs_the_locks_with_hash_checking() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "--require-hashes --no-deps --no-build-isolation -r $(OPENTIVA_LOCK)" in makefile
    assert re.search(r"^\$\(STAMP\): \$\(LOCK\)", makefile, re.M)
    assert "npm ci" in makefile and "npm install" not in makefile
