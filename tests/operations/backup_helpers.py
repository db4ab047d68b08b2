"""Helpers for the backup and restore tests: a database's full dump and tampered archives."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from tests.processes import run_kitclinic


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
