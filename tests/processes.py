"""Real processes for the tests that run the system as an operator would (deployment, backup and
restore, the development server): a PostgreSQL database of their own, gunicorn servers
and ``kitclinic db_worker`` processes with production settings, an HTTP client with a cookie jar
(the standard library's urllib), and an SMTP server that keeps what it receives.

Everything gets a fresh name or a free port, so these tests can run beside any other test, and
every process is started in its own process group so that teardown can stop all of it.
"""

from __future__ import annotations

import email
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import KNOWN_SETTINGS

BIN = Path(sys.executable).parent
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"


# --- PostgreSQL ------------------------------------------------------------------------------


def postgres_server() -> str:
    """``postgres://user@host:port`` of the PostgreSQL to create databases on: the test
    database's server when the suite runs on PostgreSQL, else the local one."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urllib.parse.urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"
    return DEFAULT_PG_SERVER


def postgres_server_or_skip() -> str:
    import psycopg

    server = postgres_server()
    try:
        with psycopg.connect(f"{server}/postgres", connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        pytest.skip(f"needs a PostgreSQL server to create databases on, {server} refused: {exc}")
    return server


@dataclass
class Database:
    """A database of its own on ``server``, dropped by ``drop`` (with any connection left)."""

    server: str
    name: str = field(default_factory=lambda: f"kitclinic_test_{secrets.token_hex(8)}")

    @property
    def url(self) -> str:
        return f"{self.server}/{self.name}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create(self, template: str | None = None) -> Database:
        """Create the database: empty, or a copy of the database ``template``."""
        copy_of = f' TEMPLATE "{template}"' if template else ""
        self._admin(f'CREATE DATABASE "{self.name}"{copy_of}')
        return self

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def allow_connections(self, allowed: bool) -> None:
        """Open or close the database to new connections; closing also ends the open ones, as
        when the database server goes away under running application servers."""
        self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            self._admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
            )


# --- the console script ----------------------------------------------------------------------


PROJECT_ROOT = Path(__file__).resolve().parents[1]
COMMAND_TIMEOUT_SECONDS = 300


def kitclinic_argv() -> list[str]:
    """The ``kitclinic`` console script of this virtualenv (``python -m kitclinic`` without one)."""
    script = Path(sys.executable).with_name("kitclinic")
    if script.exists():
        return [str(script)]
    found = shutil.which("kitclinic")
    return [found] if found else [sys.executable, "-m", "kitclinic"]


def run_kitclinic(
    *args: str, database_url: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``kitclinic ARGS`` against ``database_url`` with the production settings in debug mode
    (``env``: more variables)."""
    environment = dict(os.environ)
    # pytest-django's settings module; the console script's own instead
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.update(
        DATABASE_URL=database_url,
        KITCLINIC_DEBUG="1",
        KITCLINIC_TIME_ZONE="UTC",
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), environment.get("PYTHONPATH")])
        ),
        **(env or {}),
    )
    result = subprocess.run(
        [*kitclinic_argv(), *args],
        env=environment,
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


# --- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production server (README, "Configuration"), on plain HTTP at
    127.0.0.1. Nothing of the test run's own settings leaks in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KITCLINIC_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kitclinic.config.settings",
        DATABASE_URL=database_url,
        KITCLINIC_SECRET_KEY="deployment-test-" + secrets.token_urlsafe(48),
        KITCLINIC_ALLOWED_HOSTS="127.0.0.1",
        KITCLINIC_SSL_REDIRECT="0",
        KITCLINIC_SECURE_COOKIES="0",
        KITCLINIC_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def run_command(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    """Run ``kitclinic ...`` (or another command) to completion; its output, or fail with it."""
    done = subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout


def collect_static_command() -> list[str]:
    """``collectstatic`` into KITCLINIC_STATIC_ROOT with the manifest, which the production
    templates need to name static files, but without WhiteNoise's compression, which takes
    minutes; the servers read the same manifest."""
    code = (
        "import django\n"
        "from django.conf import settings\n"
        "settings.STORAGES = {**settings.STORAGES, 'staticfiles': {'BACKEND': "
        "'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'}}\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
    )
    return [sys.executable, "-c", code]


@dataclass
class Process:
    """A long-running process (gunicorn's arbiter, a worker) in its own process group."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM to the whole group, SIGKILL to whatever is left after ``timeout``."""
        if self.popen.poll() is not None:
            self._kill_group(signal.SIGKILL)  # children an exited leader left behind
            return
        self._kill_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill_group(signal.SIGKILL)
            self.popen.wait(5)

    def _kill_group(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass


def start_process(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> Process:
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            args,
            env=env,
            cwd=log_dir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(name=name, popen=popen, log=log)


@dataclass
class Server(Process):
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_gunicorn(
    name: str, env: dict[str, str], log_dir: Path, *, workers: int = 2, graceful_timeout: int = 20
) -> Server:
    port = free_port()
    args = [
        str(BIN / "gunicorn"),
        "-c",
        "python:kitclinic.config.gunicorn",  # as the README runs it
        "kitclinic.config.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        str(graceful_timeout),
    ]
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        # Every gunicorn of a user would share one control socket (~/.gunicorn/gunicorn.ctl).
        args.append("--no-control-socket")
    process = start_process(name, args, env, log_dir)
    return Server(name=name, popen=process.popen, log=process.log, port=port)


def start_db_worker(name: str, env: dict[str, str], log_dir: Path) -> Process:
    return start_process(
        name, [str(BIN / "kitclinic"), "db_worker", "--worker-id", name], env, log_dir
    )


def wait_for_health(server: Server, *, status: int = 200, timeout: float = 60) -> None:
    """Until ``/healthz`` answers ``status`` (any answer means a gunicorn worker is serving)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if server.popen.poll() is not None:
            pytest.fail(f"{server.name} exited {server.popen.returncode}:\n{server.log_tail()}")
        try:
            answer = Browser().get(server.url + "/healthz", timeout=5)
        except OSError as exc:
            last = repr(exc)
        else:
            if answer.status == status:
                return
            last = f"{answer.status} {answer.body[:200]!r}"
        time.sleep(0.1)
    pytest.fail(f"{server.name}: /healthz never answered {status} ({last}):\n{server.log_tail()}")


def wait_for_log(process: Process, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in process.log_tail(100_000):
            return
        if process.popen.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"{process.name} did not log {text!r}:\n{process.log_tail()}")


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx reaches the caller as it is


class Browser:
    """A browser's cookie jar over urllib. Cookies do not depend on the port, so, as behind a
    load balancer, the same jar sends its session to every server at 127.0.0.1."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def request(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Answer:
        """The server's answer, whatever its status; OSError (refused, reset, closed before an
        answer) when there is none."""
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with self._opener.open(req, timeout=timeout) as resp:
                return Answer(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Answer(exc.code, exc.headers, exc.read())
        except urllib.error.URLError as exc:
            reason = exc.reason
            raise reason if isinstance(reason, OSError) else ConnectionError(str(reason)) from exc
        except http.client.HTTPException as exc:  # e.g. RemoteDisconnected
            raise ConnectionError(repr(exc)) from exc

    def get(self, url: str, **kwargs: Any) -> Answer:
        return self.request("GET", url, **kwargs)

    def post_form(self, url: str, fields: dict[str, str], **kwargs: Any) -> Answer:
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", url, data=body, headers=headers, **kwargs)

    def post_json(self, url: str, payload: Any, **kwargs: Any) -> Answer:
        """A JSON POST with the session's CSRF token, as the pages' scripts send it."""
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": self.cookie("csrftoken") or "",
        }
        return self.request(
            "POST", url, data=json.dumps(payload).encode(), headers=headers, **kwargs
        )

    def log_in(self, base_url: str, username: str, password: str) -> Answer:
        """GET the log-in form, POST it back with its CSRF token: the answer to the POST."""
        form = self.get(base_url + "/login/")
        assert form.status == 200, form.text[:500]
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert match, "no CSRF token in the log-in form"
        fields = {"csrfmiddlewaretoken": match[1], "username": username, "password": password}
        return self.post_form(base_url + "/login/", fields)


# --- mail ------------------------------------------------------------------------------------


class _SmtpSession(socketserver.StreamRequestHandler):
    """The SMTP an SMTP client needs to deliver (RFC 5321: HELO/EHLO, MAIL, RCPT, DATA, QUIT);
    every message is kept as received."""

    server: MailSink

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        self._reply("220 127.0.0.1 ESMTP ready")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"HELO", b"EHLO"):
                self._reply("250 127.0.0.1")
            elif verb == b"DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                self.server.keep(self._read_data())
                self._reply("250 queued")
            elif verb == b"QUIT":
                self._reply("221 bye")
                return
            else:  # MAIL FROM, RCPT TO, RSET, NOOP
                self._reply("250 ok")

    def _read_data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


class MailSink(socketserver.ThreadingTCPServer):
    """An SMTP server on a free port of 127.0.0.1 that keeps every message it is given."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def keep(self, raw: bytes) -> None:
        with self._lock:
            self._messages.append(email.message_from_bytes(raw))

    @property
    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    def __enter__(self) -> MailSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def message_text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")
