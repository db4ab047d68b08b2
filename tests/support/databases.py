"""Databases made once per test run by the console script and copied for each test that runs
the system against a database of its own: a ``migrate`` takes about ten seconds, a copy a
fraction of one. The pytest-xdist workers of one run share them: the first to ask builds one
under a lock, the others wait for it and copy.

- ``migrated``: a SQLite file on which ``kitclinic migrate`` ran, nothing else.
- ``migrated-<app>-<migration>``: a SQLite file on which ``kitclinic migrate <app> <migration>``
  ran (that migration and its ancestors only), for a data migration that cannot be run again on
  today's schema (tests/support/migrations.py).
- ``demo``: a copy of ``migrated`` on which ``kitclinic seed_demo --patients 20`` ran, with the
  safety-alert escalation policy at 0 minutes, so that a task worker started on a copy escalates
  the demo's open alerts at once (the backup tests do not look at when an escalation falls due).
- the PostgreSQL templates: a database on which ``kitclinic migrate`` ran (and one per
  ``<app> <migration>`` asked for), copied by ``CREATE DATABASE ... TEMPLATE``; the run's
  controlling process drops them at the end (``drop_postgres_templates``, from
  tests/conftest.py).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.processes import Database, run_kitclinic

DEMO_PATIENTS = 20
POSTGRES_TEMPLATE = "postgres-template"


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
    with _locked(folder, name):
        if not path.exists():
            partial = folder / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.unlink(missing_ok=True)
            build(partial)
            partial.rename(path)
    return path


@contextmanager
def _locked(folder: Path, name: str) -> Iterator[None]:
    """``name``'s lock, held by one process of the run at a time."""
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so that a copy of the file alone is complete."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def migrated_sqlite(folder: Path, target: tuple[str, str] | None = None) -> Path:
    """``kitclinic migrate`` on a new SQLite file: every migration, or with ``target`` (app
    label, migration name) only that migration and the ones it depends on."""

    def build(path: Path) -> None:
        run_kitclinic(
            "migrate", *(target or ()), "--noinput", "-v", "0", database_url=f"sqlite:///{path}"
        )
        _checkpoint(path)

    name = "migrated" if target is None else "-".join(("migrated", *target))
    return built_once(folder, f"{name}.sqlite3", build)


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


@dataclass(frozen=True)
class PostgresTemplate:
    """One of the run's migrated PostgreSQL databases, to copy (``record``: the file in the
    run's folder that names it, whose lock its copies take)."""

    folder: Path
    server: str
    name: str
    record: str = POSTGRES_TEMPLATE

    def create(self, name: str | None = None) -> Database:
        """A new database on the server, a copy of the template. One copy at a time: PostgreSQL
        copies a template only while no one else is connected to it."""
        database = Database(self.server) if name is None else Database(self.server, name=name)
        with _locked(self.folder, self.record):
            return database.create(template=self.name)


def postgres_template(
    folder: Path, server: str, target: tuple[str, str] | None = None
) -> PostgresTemplate:
    """``kitclinic migrate`` on a new PostgreSQL database: every migration, or with ``target``
    (app label, migration name) only that migration and the ones it depends on."""

    def build(path: Path) -> None:
        database = Database(server, name=f"kitclinic_template_{secrets.token_hex(8)}").create()
        try:
            run_kitclinic(
                "migrate", *(target or ()), "--noinput", "-v", "0", database_url=database.url
            )
        except BaseException:
            database.drop()
            raise
        path.write_text(f"{server}\n{database.name}\n")

    record = POSTGRES_TEMPLATE if target is None else "-".join((POSTGRES_TEMPLATE, *target))
    server_of_record, name = built_once(folder, record, build).read_text().split()
    return PostgresTemplate(folder, server_of_record, name, record)


def drop_postgres_templates(folder: Path) -> None:
    """Drop the run's PostgreSQL templates, those it made."""
    for record in folder.glob(f"{POSTGRES_TEMPLATE}*"):
        if record.suffix not in (".lock", ".partial"):
            server, name = record.read_text().split()
            Database(server, name=name).drop()


def test_database_from_template(folder: Path) -> Callable[[], None]:
    """Point Django's ``default`` connection at a new test database that is a copy of the run's
    migrated one (``migrated_sqlite`` or the PostgreSQL template), instead of migrating a test
    database in every pytest-xdist worker: one ``migrate`` per run serves every worker and every
    test that copies the migrated database. Returns the function that drops the copy.

    The copy holds what ``migrate`` leaves: every table, trigger and index, the content types
    and permissions (``post_migrate``), and the rows the data migrations write."""
    from django.conf import settings
    from django.db import connections

    connection = connections["default"]
    original_name = connection.settings_dict["NAME"]
    test_name = connection.creation._get_test_db_name()
    if connection.vendor == "sqlite":
        template = migrated_sqlite(folder)
        _point_at(connection, settings, test_name)
        if not connection.is_in_memory_db():
            Path(test_name).unlink(missing_ok=True)
        connection.ensure_connection()
        source = sqlite3.connect(template)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        from tests.processes import postgres_server

        template_db = postgres_template(folder, postgres_server())
        Database(template_db.server, name=test_name).drop()  # one left by an aborted run
        template_db.create(name=test_name)
        _point_at(connection, settings, test_name)
    else:  # pragma: no cover - the project runs on SQLite and PostgreSQL only
        raise RuntimeError(f"no test database template for {connection.vendor}")

    def drop() -> None:
        connection.creation.destroy_test_db(original_name, verbosity=0)

    return drop


def _point_at(connection: Any, settings: Any, name: str) -> None:
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name
