"""SQLite files made once per test run by the console script and copied for each test that runs
the system against a database of its own: a ``migrate`` takes about ten seconds, a copy a few
milliseconds. The pytest-xdist workers of one run share them: the first to ask builds a file
under a lock, the others wait for it and copy.

- ``migrated``: ``kitclinic migrate`` on an empty file, nothing else.
- ``demo``: a copy of ``migrated`` on which ``kitclinic seed_demo --patients 20`` ran, with the
  safety-alert escalation policy at 0 minutes, so that a task worker started on a copy escalates
  the demo's open alerts at once (the backup tests do not look at when an escalation falls due).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.processes import run_kitclinic

DEMO_PATIENTS = 20


def run_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every worker of this run sees: the run's own base folder (one level up from a
    pytest-xdist worker's)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(folder: Path, name: str, build: Callable[[Path], None]) -> Path:
    """``folder/name`` (a file or a folder), made by ``build(path)`` by the first process of the
    run to ask; a process that asks while another builds it waits for the lock and finds it
    made. Nothing half-built is ever seen under ``name``."""
    path = folder / name
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not path.exists():
                partial = folder / f"{name}.partial"
                shutil.rmtree(partial, ignore_errors=True)
                partial.unlink(missing_ok=True)
                build(partial)
                partial.rename(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so that a copy of the file alone is complete."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def migrated_sqlite(folder: Path) -> Path:
    def build(path: Path) -> None:
        run_kitclinic("migrate", "--noinput", "-v", "0", database_url=f"sqlite:///{path}")
        _checkpoint(path)

    return built_once(folder, "migrated.sqlite3", build)


def demo_sqlite(folder: Path) -> Path:
    def build(path: Path) -> None:
        shutil.copyfile(migrated_sqlite(folder), path)
        run_kitclinic(
            "seed_demo",
            "--patients",
            str(DEMO_PATIENTS),
            database_url=f"sqlite:///{path}",
            env={"KITCLINIC_ALERT_ESCALATION_MINUTES": "0"},
        )
        _checkpoint(path)

    return built_once(folder, "demo.sqlite3", build)


def copy_of(template: Path, path: Path) -> str:
    """The URL of a new database at ``path``, a copy of ``template``."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"
