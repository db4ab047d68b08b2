"""``/healthz`` of a real gunicorn server whose database is unreachable: 503 with two words, no
500, no error text, no cookie; and back to 200 when the database returns."""

from __future__ import annotations

import time

import pytest

from tests.processes import (
    Browser,
    Database,
    free_port,
    postgres_server_or_skip,
    production_env,
    start_gunicorn,
    wait_for_health,
)

pytestmark = pytest.mark.slow

DOWN = {"status": "error", "database": "unavailable"}


def _assert_down(url: str, *, secrets_not_shown: list[str]) -> None:
    browser = Browser()
    for cookie in ("", "sessionid=abcdefghijklmnopqrstuvwxyz012345; csrftoken=x"):
        headers = {"Cookie": cookie} if cookie else {}
        started = time.monotonic()
        answer = browser.get(url + "/healthz", headers=headers)
        elapsed = time.monotonic() - started
        assert answer.status == 503, answer.text[:500]
        assert answer.json() == DOWN
        assert answer.headers.get("Set-Cookie") is None
        assert elapsed < 5, f"the probe took {elapsed:.1f} s"
        for secret in secrets_not_shown:
            assert secret not in answer.text


@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
def test_healthz_answers_503_when_the_database_cannot_be_reached(engine, tmp_path):
    if engine == "postgresql":
        closed_port = free_port()  # nothing listens there once the probe socket is closed
        url = f"postgres://kitclinic:s3cret-password@127.0.0.1:{closed_port}/kitclinic"
        secrets = ["s3cret-password", str(closed_port), "Traceback"]
    else:
        url = f"sqlite:///{tmp_path / 'no-such-directory' / 'kitclinic.sqlite3'}"
        secrets = ["no-such-directory", "Traceback"]
    env = production_env(url)
    server = start_gunicorn("unreachable", env, tmp_path)
    try:
        wait_for_health(server, status=503)
        _assert_down(server.url, secrets_not_shown=[*secrets, env["KITCLINIC_SECRET_KEY"]])
        # The pages do need the database; the probe only reports it.
        assert Browser().get(server.url + "/login/").status == 500
    finally:
        server.stop()


def test_healthz_follows_postgresql_going_away_and_coming_back(tmp_path):
    """The server keeps its connections (KITCLINIC_DB_CONN_MAX_AGE): when the database ends them
    and refuses new ones the probe answers 503 at once, and 200 again when it is back."""
    database = Database(postgres_server_or_skip()).create()
    server = start_gunicorn("comes-back", production_env(database.url), tmp_path, workers=1)
    try:
        wait_for_health(server, status=200)
        assert Browser().get(server.url + "/healthz").json() == {"status": "ok", "database": "ok"}
        database.allow_connections(False)
        _assert_down(server.url, secrets_not_shown=[database.name])
        database.allow_connections(True)
        wait_for_health(server, status=200, timeout=10)
    finally:
        server.stop()
        database.drop()
