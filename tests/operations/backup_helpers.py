"""Helpers for the backup and restore tests: the console script in a subprocess, scratch
PostgreSQL databases and tampered archives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMMAND_TIMEOUT_SECONDS = 300


def kitclinic_argv() -> list[str]:
    """The ``kitclinic`` console script of this virtualenv (``python -m kitclinic`` without one)."""
    script = Path(sys.executable).with_name("kitclinic")
    if script.exists():
        return [str(script)]
    found = shutil.which("kitclinic")
    return [found] if found else [sys.executable, "-m", "kitclinic"]


def run_kitclinic(
    *args: str, database_url: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``kitclinic ARGS`` against ``database_url`` with the production settings in debug mode."""
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # pytest-django's; the console script's own instead
    env.update(
        DATABASE_URL=database_url,
        KITCLINIC_DEBUG="1",
        KITCLINIC_TIME_ZONE="UTC",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
    )
    result = subprocess.run(
        [*kitclinic_argv(), *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"kitclinic {' '.join(args)} exited {result.returncode}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
    return result


def dump_database(database_url: str, *, probe: bool = False) -> dict[str, Any]:
    """tests/operations/dump.py run against ``database_url``."""
    code = f"from tests.operations.dump import main; main(probe={probe})"
    result = run_kitclinic("shell", "--no-imports", "-c", code, database_url=database_url)
    return json.loads(result.stdout)


def rezip(
    source: Path,
    target: Path,
    *,
    manifest: dict[str, Any] | None = None,
    members: dict[str, bytes] | None = None,
) -> None:
    """A copy of the archive ``source`` with the manifest and/or some members replaced: a
    well-formed zip (valid CRC-32s) whose content was altered after the backup."""
    members = members or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename == "manifest.json" and manifest is not None:
                new.writestr(info.filename, json.dumps(manifest, indent=2))
            elif info.filename in members:
                new.writestr(info.filename, members[info.filename])
            else:
                new.writestr(info.filename, old.read(info.filename))


def read_manifest(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def read_member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)
