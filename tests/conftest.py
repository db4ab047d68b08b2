"""Fixtures shared by every test folder: the personas' world (tests/support/personas.py), a patient
of it and one of another organization, logged-in clients per persona, and a check that a test
wrote no row. Plain helpers live in tests/support/."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from tests.support.clients import api_client, web_client
from tests.support.clock import afternoon
from tests.support.personas import World, build_world
from tests.support.rows import row_counts

# Hypothesis: the same examples on every machine and every run (derandomized), and no timing
# checks: how long a draw or an example takes depends on the machine's load, and performance is
# measured by the benchmarks, never by tests. `--hypothesis-profile=explore` searches at random.
settings.register_profile(
    "kitclinic",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("explore", parent=settings.get_profile("kitclinic"), derandomize=False)
settings.load_profile("kitclinic")


def _flush_in_maintenance() -> None:
    """Django's test flush (transactional tests) empties every table, signed records included:
    it runs in the database guards' maintenance mode (kitclinic.operations.guards), the one path
    the test set-up takes around them."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from kitclinic.operations.guards import maintenance_sql

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):  # type: ignore[no-untyped-def]
        vendor = self.connection.vendor
        statements = [*maintenance_sql(vendor, True), *sql_list, *maintenance_sql(vendor, False)]
        return original(self, statements)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]


_flush_in_maintenance()


@pytest.fixture(autouse=True)
def _second_factor_counts_as_passed(request, monkeypatch):  # type: ignore[no-untyped-def]
    """A log-in in a test needs no second-factor step (as if it were passed), so that every other
    test logs its personas in with a password or ``force_login``; tests marked ``second_factor``
    take the real step. Only the test suite does this: nothing in the project skips the step."""
    if request.node.get_closest_marker("second_factor") is None:
        monkeypatch.setattr("kitclinic.accounts.second_factor.step_at_login", lambda user: None)


@pytest.fixture
def afternoon_clock() -> Iterator[dt.datetime]:
    """The clock reads today 13:00 when the test starts and runs on from there
    (tests/support/clock.py): for a test that back-dates records and also asks for today."""
    with afternoon() as start:
        yield start


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def patient(world):
    from tests.factories import PatientFactory

    return PatientFactory(home_clinic=world.clinic, family_name="Rivera", given_name="Sam")


@pytest.fixture
def other_org_patient(world):
    from tests.factories import PatientFactory

    return PatientFactory(home_clinic=world.other_clinic, family_name="Outsider", given_name="Olga")


@pytest.fixture(scope="session")
def django_db_setup(  # type: ignore[no-untyped-def]
    django_test_environment, django_db_modify_db_settings, django_db_blocker, tmp_path_factory
):
    """pytest-django's test database, made as a copy of the run's migrated database rather than
    migrated again in each worker (tests/support/databases.py, ``test_database_from_template``)."""
    from tests.support import databases

    with django_db_blocker.unblock():
        drop = databases.test_database_from_template(databases.run_directory(tmp_path_factory))
    yield
    with django_db_blocker.unblock():
        drop()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file on which only ``kitclinic migrate`` ran, made once per run and shared by the
    workers (tests/support/databases.py): copy it, never write to it."""
    from tests.support import databases

    return databases.migrated_sqlite(databases.run_directory(tmp_path_factory))


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo clinic (``kitclinic seed_demo``) in a SQLite file, made once per run and shared
    by the workers (tests/support/databases.py): copy it, never write to it."""
    from tests.support import databases

    return databases.demo_sqlite(databases.run_directory(tmp_path_factory))


@pytest.fixture(scope="session")
def migrated_postgres(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A PostgreSQL database on which only ``kitclinic migrate`` ran, made once per run and
    shared by the workers: ``migrated_postgres.create()`` gives a new database, a copy of it.
    Skips the test when no PostgreSQL server answers."""
    from tests.processes import postgres_server_or_skip
    from tests.support import databases

    return databases.postgres_template(
        databases.run_directory(tmp_path_factory), postgres_server_or_skip()
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's PostgreSQL templates are dropped by the controlling process once every worker is
    done (or by the only process, without pytest-xdist)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    from tests.support import databases

    factory: pytest.TempPathFactory = session.config._tmp_path_factory  # type: ignore[attr-defined]
    databases.drop_postgres_templates(factory.getbasetemp())


@pytest.fixture
def login(world) -> Callable[..., Client]:
    """``login(persona, **client_kwargs)``: a browser-session client logged in as that persona
    (``"anonymous"``: not at all)."""
    return functools.partial(web_client, world)


@pytest.fixture
def client_for(world) -> Callable[..., APIClient]:
    """``client_for(persona, **client_kwargs)``: an API client authenticated as that persona
    (``"anonymous"``: without credentials)."""
    return functools.partial(api_client, world)


@pytest.fixture
def unchanged(db) -> Iterator[dict[str, int]]:
    """Assert, at the end of the test, that no row was written to any table."""
    before = row_counts()
    yield before
    assert row_counts() == before
