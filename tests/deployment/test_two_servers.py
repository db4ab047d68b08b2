"""Two application servers and two task workers on one PostgreSQL database, as behind a load
balancer (docs/deployment.md): a log-in on one server holds on the other, a write on one is read
on the other, every background task runs exactly once with both workers taking some, and a
server stopped with SIGTERM under load loses no acknowledged write.

Real processes: ``gunicorn kitclinic.config.wsgi`` with production settings, ``kitclinic
db_worker``, an SMTP server for the questionnaire mails; the database is created for this test
as a copy of the run's migrated one (on the test run's PostgreSQL server, or the local one when
the suite runs on SQLite) and dropped after it. One test in four steps, in order: setting up costs far more than the steps, and
pytest-xdist would give each of several tests its own copy.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from kitclinic.audit.models import AuditEvent
from kitclinic.demo.people import DEMO_PASSWORD
from kitclinic.patients.models import Patient
from tests.processes import (
    BIN,
    Browser,
    Database,
    MailSink,
    Process,
    Server,
    collect_static_command,
    message_text,
    production_env,
    run_command,
    start_db_worker,
    start_gunicorn,
    start_process,
    wait_for_health,
    wait_for_log,
)

pytestmark = pytest.mark.slow

USERNAME = "frontdesk"  # seed_demo's front desk: registers patients and issues links
DISPLAY_NAME = "Casey Morgan"
LINKS = 40  # two tasks each: the questionnaire mail and its reminder
WRITES_UNDER_STOP = 150
CLIENT_THREADS = 6
GUNICORN_WORKERS = 2  # per server
TASK_TABLE = DBTaskResult._meta.db_table


@dataclass
class Cluster:
    database: Database
    env: dict[str, str]
    mail: MailSink
    servers: dict[str, Server]
    workers: list[Process]
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def logged_in(self, server: str = "A") -> Browser:
        browser = Browser()
        answer = browser.log_in(self.servers[server].url, USERNAME, DEMO_PASSWORD)
        assert answer.status == 302, answer.text[:500]
        return browser


def _new_patient(mrn: str, **fields: str) -> dict[str, object]:
    return {
        "mrn": mrn,
        "family_name": "Deployment",
        "given_name": "Test",
        "date_of_birth": "1980-01-01",
        "sex_at_birth": "female",
        # every test patient is the same made-up person: registration would ask to confirm
        "confirm_not_duplicate": True,
        **fields,
    }


@pytest.fixture
def cluster(tmp_path: Path, migrated_postgres) -> Iterator[Cluster]:  # type: ignore[no-untyped-def]
    database = migrated_postgres.create(name=f"kitclinic_two_{secrets.token_hex(12)}")
    started: list[Process] = []
    # Teardown in reverse: the processes stop while the mail server still answers them.
    with MailSink() as mail:
        try:
            yield _start_cluster(database, mail, tmp_path, started)
        finally:
            for process in started:
                process.stop()
            database.drop()


def _start_cluster(
    database: Database, mail: MailSink, tmp: Path, started: list[Process]
) -> Cluster:
    env = production_env(
        database.url,
        KITCLINIC_STATIC_ROOT=str(tmp / "static"),
        KITCLINIC_EMAIL_HOST="127.0.0.1",
        KITCLINIC_EMAIL_PORT=str(mail.port),
        KITCLINIC_EMAIL_USE_TLS="0",
        KITCLINIC_SITE_URL="https://clinic.example.org",
        # The reminder falls due at once, so that each link makes two runnable tasks.
        KITCLINIC_REMINDER_AFTER_HOURS="0",
    )
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    static = start_process("collectstatic", collect_static_command(), env, tmp)
    started.append(static)
    run_command([str(BIN / "kitclinic"), "seed_demo", "--patients", "0"], env)
    assert static.popen.wait(300) == 0, static.log_tail()
    timings["seed and collect static"] = time.monotonic() - t0

    t0 = time.monotonic()
    servers = {
        name: start_gunicorn(name, env, tmp, workers=GUNICORN_WORKERS) for name in ("A", "B")
    }
    started.extend(servers.values())
    for server in servers.values():
        wait_for_health(server)
    timings["two servers up (/healthz 200)"] = time.monotonic() - t0

    t0 = time.monotonic()
    workers = [start_db_worker(f"worker-{n}", env, tmp) for n in (1, 2)]
    started.extend(workers)
    for worker in workers:
        wait_for_log(worker, "Starting worker")
    timings["two workers up"] = time.monotonic() - t0
    return Cluster(database, env, mail, servers, workers, timings)


def _log_in_on_one_server_holds_on_the_other(cluster: Cluster) -> None:
    a, b = cluster.servers["A"].url, cluster.servers["B"].url
    browser = Browser()
    assert browser.get(b + "/").status == 302  # not logged in: to the log-in page

    answer = browser.log_in(a, USERNAME, DEMO_PASSWORD)
    assert answer.status == 302, answer.text[:500]
    assert answer.headers["Location"] == "/"
    assert browser.cookie("sessionid")

    dashboard = browser.get(b + "/")
    assert dashboard.status == 200
    assert DISPLAY_NAME in dashboard.text
    assert browser.get(b + "/api/v1/me/").json()["user"]["username"] == USERNAME

    # Logging out on B ends the session on A too: one session table for every server.
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', dashboard.text)
    assert csrf
    assert browser.post_form(b + "/logout/", {"csrfmiddlewaretoken": csrf[1]}).status == 302
    assert browser.get(a + "/").status == 302


def _patient_registered_on_one_server_is_read_on_the_other(cluster: Cluster) -> None:
    browser = cluster.logged_in("A")
    a, b = cluster.servers["A"].url, cluster.servers["B"].url
    mrn = f"TWO-{secrets.token_hex(4)}"

    created = browser.post_json(a + "/api/v1/patients/", _new_patient(mrn))
    assert created.status == 201, created.text[:500]
    patient_id = created.json()["id"]

    chart = browser.get(f"{b}/api/v1/patients/{patient_id}/")
    assert chart.status == 200, chart.text[:500]
    assert chart.json()["mrn"] == mrn
    found = browser.get(f"{b}/api/v1/patients/?q={mrn}").json()
    assert [p["id"] for p in found["results"]] == [patient_id]


def _each_task_runs_once_and_both_workers_share_them(cluster: Cluster) -> None:
    """Links are issued through both servers; each enqueues its mail and (due at once) its
    reminder. Every task row ends SUCCESSFUL, claimed by one worker, with one mail each."""
    browser = cluster.logged_in("A")
    servers = itertools.cycle([cluster.servers["A"].url, cluster.servers["B"].url])
    patients = []
    for n in range(4):
        mrn = f"MAIL-{n}-{secrets.token_hex(4)}"
        fields = {"email": f"patient{n}@example.org"}
        answer = browser.post_json(next(servers) + "/api/v1/patients/", _new_patient(mrn, **fields))
        assert answer.status == 201, answer.text[:500]
        patients.append(answer.json()["id"])

    tokens: dict[int, str] = {}  # link id -> token
    # The workers are held while the links are issued, so that both then compete for one backlog
    # (tasks trickling in one at a time may all go to whichever worker polls first).
    for worker in cluster.workers:
        os.killpg(worker.pid, signal.SIGSTOP)
    try:
        for n in range(LINKS):
            url = (
                f"{next(servers)}/api/v1/patients/{patients[n % len(patients)]}/self-report-links/"
            )
            answer = browser.post_json(url, {"instrument": "phq9"})
            assert answer.status == 201, answer.text[:500]
            tokens[answer.json()["id"]] = answer.json()["token"]
    finally:
        for worker in cluster.workers:
            os.killpg(worker.pid, signal.SIGCONT)

    link_ids = sorted(tokens)
    query = (
        "SELECT task_path, (args_kwargs->'args'->>0)::bigint, status, worker_ids, return_value, "
        f"started_at, finished_at FROM {TASK_TABLE} "
        "WHERE task_path LIKE 'kitclinic.assessments.tasks.link_%%' "
        "AND (args_kwargs->'args'->>0)::bigint = ANY(%s)"
    )
    deadline = time.monotonic() + 120
    while True:
        rows = cluster.database.rows(query, (link_ids,))
        if len(rows) == 2 * LINKS and all(r[2] in ("SUCCESSFUL", "FAILED") for r in rows):
            break
        if time.monotonic() > deadline:
            statuses = Counter(r[2] for r in rows)
            logs = "\n".join(w.log_tail(1500) for w in cluster.workers)
            pytest.fail(f"tasks not done after 120 s: {statuses}\n{logs}")
        time.sleep(0.2)

    kinds = Counter((r[0].rsplit(".", 1)[1], r[1]) for r in rows)
    assert set(kinds.values()) == {1}, "a link has more than one task of a kind"
    assert {r[2] for r in rows} == {"SUCCESSFUL"}
    assert all(len(r[3]) == 1 for r in rows), "a task was claimed more than once"
    assert all(r[4] is True for r in rows), "a task found nothing to send"
    by_worker = Counter(r[3][0] for r in rows)
    assert set(by_worker) == {"worker-1", "worker-2"}, by_worker

    # One questionnaire mail and one reminder per link, none twice.
    time.sleep(0.5)  # a mail is delivered before its task is marked done; nothing more may come
    mails = cluster.mail.messages
    assert len(mails) == 2 * LINKS, f"{len(mails)} mails for {2 * LINKS} tasks"
    sent = Counter()
    for message in mails:
        token = re.search(
            r"https://clinic\.example\.org/r/([A-Za-z0-9_-]+)/", message_text(message)
        )
        assert token, message_text(message)
        kind = "reminder" if message["Subject"].startswith("Reminder: ") else "first"
        sent[(kind, token[1])] += 1
    expected = {(kind, token): 1 for token in tokens.values() for kind in ("first", "reminder")}
    assert dict(sent) == expected

    first_start = min(r[5] for r in rows)
    last_finish = max(r[6] for r in rows)
    seconds = (last_finish - first_start).total_seconds()
    cluster.notes.append(
        f"{len(rows)} tasks, {dict(by_worker)}, {seconds:.2f} s from the first task's start to "
        "the last one's finish"
    )


def _one_connection_per_process(cluster: Cluster) -> None:
    """Each gunicorn worker and each task worker keeps one connection open between requests
    (KITCLINIC_DB_CONN_MAX_AGE), never more: what max_connections must cover."""
    ((count,),) = cluster.database.rows(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    processes = len(cluster.servers) * GUNICORN_WORKERS + len(cluster.workers)
    assert 0 < count <= processes, f"{count} connections from {processes} processes"
    cluster.notes.append(f"{count} database connections from {processes} processes")


@dataclass
class Outcome:
    mrn: str
    status: int | None = None  # the answer that ended the write
    server: str = ""  # the server that gave it
    retried: bool = False  # sent to the other server after the first gave no answer
    sent_at: float = 0.0
    answered_at: float = 0.0
    first_server: str = ""
    body: str = ""


class LoadBalancer:
    """Round robin over the servers still up; a server that gives no answer (refused, reset,
    closed before answering) is taken out and the request sent to the next, as a load balancer
    with passive health checks does. Writes carry a fresh MRN, so resending one that the first
    server did store answers "MRN already used" instead of storing it twice."""

    def __init__(self, servers: dict[str, Server], browser: Browser) -> None:
        self.up = dict(servers)
        self.browser = browser
        self._lock = threading.Lock()
        self._turn = itertools.count()

    def _pick(self, exclude: set[str]) -> str | None:
        with self._lock:
            names = [name for name in self.up if name not in exclude]
            return names[next(self._turn) % len(names)] if names else None

    def register(self, outcome: Outcome) -> Outcome:
        tried: set[str] = set()
        while (name := self._pick(tried)) is not None:
            tried.add(name)
            if not outcome.first_server:
                outcome.first_server, outcome.sent_at = name, time.monotonic()
            url = self.up[name].url + "/api/v1/patients/"
            try:
                answer = self.browser.post_json(url, _new_patient(outcome.mrn))
            except OSError:
                with self._lock:
                    self.up.pop(name, None)
                outcome.retried = True
                continue
            outcome.status, outcome.server, outcome.body = answer.status, name, answer.text[:300]
            outcome.answered_at = time.monotonic()
            return outcome
        outcome.body = "no server answered"
        return outcome


def _stopping_a_server_under_load_loses_no_acknowledged_write(cluster: Cluster) -> None:
    """Registrations go round robin to A and B from several clients; once A has acknowledged
    some, A gets SIGTERM (gunicorn's graceful stop) while more are on their way to it."""
    a = cluster.servers["A"]
    balancer = LoadBalancer(cluster.servers, cluster.logged_in("B"))
    prefix = f"STOP-{secrets.token_hex(3)}"
    outcomes = [Outcome(mrn=f"{prefix}-{n:04d}") for n in range(WRITES_UNDER_STOP)]
    queue = iter(outcomes)
    queue_lock = threading.Lock()

    def client() -> None:
        while True:
            with queue_lock:
                outcome = next(queue, None)
            if outcome is None:
                return
            balancer.register(outcome)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    while sum(o.server == "A" and o.status == 201 for o in outcomes) < 20:
        assert any(t.is_alive() for t in threads), "the load ended before the stop"
        time.sleep(0.005)
    stop_at = time.monotonic()
    os.kill(a.pid, signal.SIGTERM)  # to gunicorn's arbiter only, as systemd or a deploy would
    assert a.popen.wait(30) == 0, a.log_tail()  # a graceful exit
    cluster.timings["A's graceful stop under load"] = time.monotonic() - stop_at
    for thread in threads:
        thread.join(120)

    patients = cluster.database.rows(
        f"SELECT mrn, count(*) FROM {Patient._meta.db_table} WHERE mrn LIKE %s GROUP BY mrn",
        (prefix + "-%",),
    )
    stored = dict(patients)
    created_audit = Counter(
        mrn
        for (mrn,) in cluster.database.rows(
            f"SELECT p.mrn FROM {AuditEvent._meta.db_table} e "
            f"JOIN {Patient._meta.db_table} p ON p.id = e.patient_id "
            "WHERE e.action = 'create' AND e.object_type = 'patients.patient' AND p.mrn LIKE %s",
            (prefix + "-%",),
        )
    )
    acknowledged = [o for o in outcomes if o.status == 201]
    # A resend of a write that A stored before its answer was lost: the MRN is taken.
    found_stored = [o for o in outcomes if o.retried and o.status == 400 and "already" in o.body]
    in_flight = [
        o for o in outcomes if o.first_server == "A" and o.sent_at < stop_at < o.answered_at
    ]
    cluster.notes.append(
        f"{len(outcomes)} registrations: {len(acknowledged)} acknowledged "
        f"({sum(o.server == 'A' for o in acknowledged)} by A, "
        f"{sum(o.server == 'A' and o.answered_at > stop_at for o in acknowledged)} of them after "
        f"its SIGTERM), {sum(o.retried for o in outcomes)} resent to B, "
        f"{len(found_stored)} found stored on resend; {len(in_flight)} on their way to A at the stop"
    )

    failed = [o for o in outcomes if o.status != 201 and o not in found_stored]
    assert not failed, [(o.mrn, o.status, o.body) for o in failed[:5]]
    # Graceful: what A took in it answered; what it did not answer it did not store.
    assert not found_stored, [o.mrn for o in found_stored]
    assert in_flight, "no request was on its way to A when it stopped"
    assert any(o.retried for o in outcomes), "A refused nothing after its stop"
    # Every acknowledged write, and every write a resend found stored, is there exactly once.
    assert set(stored) == {o.mrn for o in outcomes}
    assert set(stored.values()) == {1}
    assert dict(created_audit) == {o.mrn: 1 for o in outcomes}
    assert cluster.servers["B"].popen.poll() is None
    wait_for_health(cluster.servers["B"])


def test_two_servers_and_two_workers_share_one_database(cluster: Cluster) -> None:
    _log_in_on_one_server_holds_on_the_other(cluster)
    _patient_registered_on_one_server_is_read_on_the_other(cluster)
    _each_task_runs_once_and_both_workers_share_them(cluster)
    _one_connection_per_process(cluster)
    _stopping_a_server_under_load_loses_no_acknowledged_write(cluster)
    timings = [f"{what}: {seconds:.2f} s" for what, seconds in cluster.timings.items()]
    print("\n" + "\n".join([*timings, *cluster.notes]))
