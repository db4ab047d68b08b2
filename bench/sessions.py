"""Vitals from monitor integrations: 50 concurrent clients posting vitals over HTTP, the same
load against Django's development server and against gunicorn, in one run.

``main()`` (called by ``bench/run.py sessions``) drops and recreates the PostgreSQL database
``kitclinic_bench_sessions``, migrates it and sets up one clinic with a nurse (API token), a
physician and one running infusion session per client, all through the services. It then serves
the project on 127.0.0.1 (production settings, DEBUG off) with each server of SERVERS in turn,
in a subprocess: ``kitclinic runserver --noreload`` (the baseline: one process, a thread per
connection) and ``gunicorn kitclinic.config.wsgi`` with a few sync workers. For each it runs
CLIENTS threads, each with its own stdlib ``http.client`` connection and its own session,
posting one slot after another with an ``Idempotency-Key`` for DURATION_S; a fraction of posts
is sent twice with the same key (a monitor retrying). Each server gets its own range of slots.
After each run the server is stopped and a child process counts the stored readings of that
range: every 201 must be exactly one row, every 200 a retry returning the id of a 201, and no
(session, slot) stored twice.

Children: ``python bench/sessions.py setup|verify DATABASE`` (Django set up against it).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

PG_SERVER = os.environ.get("KITCLINIC_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = "kitclinic_bench_sessions"
CLIENTS = 50
DURATION_S = 30.0  # per server
SLOT_SPAN = 10000  # slots per server run (slot_minute is a small integer: 3 runs fit)
CORES = os.cpu_count() or 1
RETRY_FRACTION = 0.1  # posts repeated once with the same Idempotency-Key
SEED = 20261127
NURSE = "bench-nurse"
ROOT = Path(__file__).resolve().parent.parent
VITALS = {"sbp": 124, "dbp": 78, "hr": 72, "rr": 14, "spo2": 98}


def _env(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"{PG_SERVER}/{database}",
            "DJANGO_SETTINGS_MODULE": "kitclinic.config.settings",
            "KITCLINIC_SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
            "KITCLINIC_DEBUG": "0",
            "KITCLINIC_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "KITCLINIC_SSL_REDIRECT": "0",
            "KITCLINIC_SECURE_COOKIES": "0",
            "KITCLINIC_LOG_LEVEL": "ERROR",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }
    )
    return env


# --------------------------------------------------------------------------------------------
# Child side: Django set up against the benchmark database.
# --------------------------------------------------------------------------------------------


def _django() -> None:
    import django

    django.setup()


def _setup(clients: int) -> dict[str, Any]:
    """Migrate; one clinic, a nurse with a token, and ``clients`` running sessions."""
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone

    from kitclinic.accounts.actor import Actor
    from kitclinic.accounts.models import Clinic, Organization, StaffMembership, User
    from kitclinic.accounts.tokens import api_token_create
    from kitclinic.infusions.models import Chair, InfusionOrder
    from kitclinic.infusions.services import courses, orders, scheduling
    from kitclinic.infusions.services.infusion import pump
    from kitclinic.infusions.services.library import library_install_default
    from kitclinic.infusions.services.sessions.check_in import CheckInData, session_check_in
    from kitclinic.intake import contraindications
    from kitclinic.patients import services as patients

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    org = Organization.objects.create(name="Bench sessions", slug="bench-sessions")
    clinic = Clinic.objects.create(organization=org, name="Bench clinic")
    actors: dict[str, Actor] = {}
    for username, role in (
        (NURSE, "nurse"),
        ("bench-physician", "physician"),
        ("bench-rn2", "nurse"),
    ):
        user = User.objects.create_user(username=username, password=None)
        actors[username] = Actor(
            user=user,
            membership=StaffMembership.objects.create(user=user, clinic=clinic, role=role),
        )
    nurse, physician, second = actors[NURSE], actors["bench-physician"], actors["bench-rn2"]
    library_install_default(organization_id=org.pk)
    today = timezone.localdate()
    ids = []
    for n in range(clients):
        patient = patients.patient_register(
            actor=nurse,
            data=patients.Demographics(
                mrn=f"B-{n:04d}",
                family_name=f"Bench{n:04d}",
                given_name="Pat",
                date_of_birth=dt.date(1970 + n % 30, 1 + n % 12, 1 + n % 28),
                sex_at_birth="male",
            ),
        )
        patients.diagnosis_add(
            actor=nurse, patient=patient, icd10_code="F33.2", description="MDD", is_primary=True
        )
        patients.episode_update(
            actor=nurse,
            patient=patient,
            onset_date=dt.date(2024, 1, 10),
            severity="severe_without_psychosis",
        )
        for name, klass, weeks in (("Sertraline", "ssri", 8), ("Venlafaxine XR", "snri", 10)):
            patients.trial_add(
                actor=nurse,
                patient=patient,
                treatment_name=name,
                treatment_class=klass,
                dose_text="full dose",
                weeks=weeks,
                adequate=True,
                outcome="no_response",
            )
        patients.screen_record(
            actor=nurse,
            patient=patient,
            answers={item.code: False for item in contraindications.CATALOGUE},
        )
        patients.eligibility_decide(
            actor=physician, patient=patient, indication="depression", outcome="eligible"
        )
        course = courses.course_plan(actor=physician, patient=patient, indication="depression")
        chair = Chair.objects.create(clinic=clinic, name=f"Chair {n + 1}")
        starts = dt.datetime.combine(today, dt.time(8, 0), tzinfo=timezone.get_current_timezone())
        session = scheduling.appointment_book(
            actor=nurse, course=course, chair=chair, starts_at=starts
        ).session
        session_check_in(
            actor=nurse,
            session=session,
            data=CheckInData(
                identity_confirmed=True,
                consent_on_file=True,
                consent_date=today,
                fasting_confirmed=True,
                escort_confirmed=True,
                weight_kg=Decimal("70"),
                pregnancy_status="not_applicable",
                rating_answers=[1, 1, 2, 2, 1, 2, 2, 2, 0],
                **VITALS,
            ),
        )
        orders.order_place(
            actor=physician,
            session=session,
            dose="0.5",
            duration_min="40",
            concentration_mg_per_ml="1",
        )
        order = InfusionOrder.objects.get(session=session)
        orders.order_double_check(
            actor=second,
            session=session,
            rate_ml_per_h=order.rate_ml_per_h,
            vtbi_ml=order.volume_ml,
        )
        pump.infusion_start(actor=nurse, session=session)
        ids.append(session.pk)
    _, token = api_token_create(user=nurse.user, name="bench monitors", scope="write")
    return {"sessions": ids, "token": token, "setup_s": round(time.perf_counter() - started, 1)}


def _verify(session_ids: list[int], lo: int, hi: int) -> dict[str, Any]:
    from django.db.models import Count

    from kitclinic.infusions.models import VitalSign

    rows = VitalSign.objects.filter(
        session_id__in=session_ids, slot_minute__gte=lo, slot_minute__lte=hi
    )
    doubled = (
        rows.values("session_id", "slot_minute").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    return {
        "rows": rows.count(),
        "ids": sorted(rows.values_list("id", flat=True)),
        "doubled": doubled,
    }


def _child(command: str) -> None:
    _django()
    if command == "setup":
        print(json.dumps(_setup(int(sys.argv[3]))))
    elif command == "verify":
        query = json.loads(sys.stdin.read())
        print(json.dumps(_verify(query["sessions"], query["lo"], query["hi"])))


# --------------------------------------------------------------------------------------------
# Parent side: database, server, clients.
# --------------------------------------------------------------------------------------------


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def _run_child(command: str, *args: str, stdin: str = "") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, command, DATABASE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(DATABASE),
        timeout=900,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _servers() -> list[tuple[str, list[str]]]:
    """(label, command with {port}): the development server, then gunicorn with as many sync
    workers as cores and with 2 x cores + 1 (gunicorn's suggested starting point)."""
    bin_dir = Path(sys.executable).parent
    runserver = [str(bin_dir / "kitclinic"), "runserver", "--noreload", "--skip-checks"]
    servers = [("runserver", [*runserver, "127.0.0.1:{port}"])]
    for workers in sorted({CORES, 2 * CORES + 1}):
        servers.append(
            (
                f"gunicorn -w {workers}",
                [
                    str(bin_dir / "gunicorn"),
                    "kitclinic.config.wsgi",
                    "--workers",
                    str(workers),
                    "--bind",
                    "127.0.0.1:{port}",
                    "--graceful-timeout",
                    "10",
                ],
            )
        )
    return servers


def _start_server(command: list[str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [part.format(port=port) for part in command],
        env=_env(DATABASE),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                time.sleep(1.0)  # let gunicorn's workers finish booting
                return server
        except OSError:
            time.sleep(0.2)
    _stop_server(server)
    raise RuntimeError(f"the server did not start: {command[0]}")


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(5)


class Client(threading.Thread):
    """One monitor: its own session and connection, slots 1, 2, 3, ... until the deadline."""

    def __init__(
        self, n: int, port: int, token: str, session_id: int, deadline: float, slot_base: int
    ) -> None:
        super().__init__(daemon=True)
        self.n, self.port, self.token, self.session_id = n, port, token, session_id
        self.deadline, self.slot_base = deadline, slot_base
        self.rng = random.Random(SEED + n)
        self.latencies_ms: list[float] = []
        self.created: dict[str, int] = {}  # key -> reading id (201)
        self.replayed: list[tuple[str, int]] = []  # (key, id) of 200 answers
        self.other: list[tuple[int, str]] = []  # unexpected statuses
        self.resets = 0  # connections dropped before an answer (the post is sent again)

    def _post(self, conn: http.client.HTTPConnection, slot: int, key: str) -> tuple[int, Any]:
        body = json.dumps({"slot_minute": slot, **VITALS, "hr": 60 + slot % 40})
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }
        started = time.perf_counter()
        conn.request("POST", f"/api/v1/sessions/{self.session_id}/vitals/", body, headers)
        response = conn.getresponse()
        data = response.read()
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        return response.status, data

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        slot = self.slot_base
        while time.monotonic() < self.deadline and slot < self.slot_base + SLOT_SPAN - 1:
            slot += 1
            key = f"m{self.n}-s{slot}"
            sends = 2 if self.rng.random() < RETRY_FRACTION else 1
            attempts = 0
            while sends > 0 and attempts < 5:
                attempts += 1
                try:
                    status, data = self._post(conn, slot, key)
                except (OSError, http.client.HTTPException):
                    # what a monitor does after a dropped connection: send again, same key
                    self.resets += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    continue
                sends -= 1
                if status == 201:
                    self.created[key] = json.loads(data)["id"]
                elif status == 200:
                    self.replayed.append((key, json.loads(data)["id"]))
                else:
                    self.other.append((status, data[:200].decode(errors="replace")))
        conn.close()


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _measure(command: list[str], setup: dict[str, Any], slot_base: int) -> dict[str, Any]:
    """One server under the load: figures and the exactly-once checks of its slot range."""
    port = _free_port()
    server = _start_server(command, port)
    try:
        deadline = time.monotonic() + DURATION_S
        clients = [
            Client(n, port, setup["token"], sid, deadline, slot_base)
            for n, sid in enumerate(setup["sessions"])
        ]
        started = time.perf_counter()
        for c in clients:
            c.start()
        for c in clients:
            c.join(DURATION_S + 60)
        elapsed = time.perf_counter() - started
        load = os.getloadavg()[0]
    finally:
        _stop_server(server)
    query = {"sessions": setup["sessions"], "lo": slot_base + 1, "hi": slot_base + SLOT_SPAN}
    stored = _run_child("verify", stdin=json.dumps(query))
    latencies = [ms for c in clients for ms in c.latencies_ms]
    created = {(c.n, key): rid for c in clients for key, rid in c.created.items()}
    replayed = [(c.n, key, rid) for c in clients for key, rid in c.replayed]
    other = [o for c in clients for o in c.other]
    accepted_ids = set(created.values())
    lost = len(accepted_ids - set(stored["ids"]))
    extra = len(set(stored["ids"]) - accepted_ids)
    retries_ok = sum(1 for n, key, rid in replayed if created.get((n, key)) == rid)
    ok = (
        stored["rows"] == len(accepted_ids) == len(created)
        and lost == extra == stored["doubled"] == 0
        and retries_ok == len(replayed)
        and not other
    )
    return {
        "elapsed": elapsed,
        "requests": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50": _percentile(latencies, 50),
        "p95": _percentile(latencies, 95),
        "accepted": len(accepted_ids),
        "replayed": len(replayed),
        "retries_ok": retries_ok,
        "rows": stored["rows"],
        "lost": lost,
        "extra": extra,
        "doubled": stored["doubled"],
        "resets": sum(c.resets for c in clients),
        "other": other,
        "load": load,
        "ok": ok,
    }


def main() -> str:
    _recreate_database()
    setup = _run_child("setup", str(CLIENTS))
    servers = _servers()
    load_before = os.getloadavg()[0]
    runs = [
        (label, _measure(command, setup, k * SLOT_SPAN))
        for k, (label, command) in enumerate(servers)
    ]
    base = runs[0][1]

    def ratio(value: float, reference: float) -> str:
        return f"{value / reference:.2f}×" if reference else "–"

    rows: list[tuple[str, ...]] = [
        ("Duration", *(f"{r['elapsed']:.1f} s" for _, r in runs)),
        ("Requests", *(f"{r['requests']:,}" for _, r in runs)),
        (
            "Throughput (× runserver)",
            *(f"{r['rate']:,.0f} req/s ({ratio(r['rate'], base['rate'])})" for _, r in runs),
        ),
        (
            "Latency p50 (× runserver)",
            *(f"{r['p50']:.1f} ms ({ratio(r['p50'], base['p50'])})" for _, r in runs),
        ),
        (
            "Latency p95 (× runserver)",
            *(f"{r['p95']:.1f} ms ({ratio(r['p95'], base['p95'])})" for _, r in runs),
        ),
        ("Accepted readings (201)", *(f"{r['accepted']:,}" for _, r in runs)),
        (
            "Answers 200 to a repeated key (the same reading)",
            *(f"{r['retries_ok']:,} of {r['replayed']:,}" for _, r in runs),
        ),
        ("Rows stored", *(f"{r['rows']:,}" for _, r in runs)),
        (
            "Lost / extra / duplicate rows",
            *(f"{r['lost']} / {r['extra']} / {r['doubled']}" for _, r in runs),
        ),
        (
            "Connections dropped before an answer (sent again, same key)",
            *(f"{r['resets']}" for _, r in runs),
        ),
        ("Other answers (4xx, 5xx)", *(f"{len(r['other'])}" for _, r in runs)),
        ("Load average (1 min) at the end", *(f"{r['load']:.2f}" for _, r in runs)),
        ("Exactly once", *("yes" if r["ok"] else "**no**" for _, r in runs)),
    ]
    header = "| measure | " + " | ".join(f"`{label}`" for label, _ in runs) + " |"
    rule = "|---|" + "---|" * len(runs)
    table = "\n".join([header, rule, *("| " + " | ".join(row) + " |" for row in rows)])
    failed = [(label, r) for label, r in runs if not r["ok"]]
    if failed:
        label, r = failed[0]
        sample = f" First other answer: {r['other'][0]}" if r["other"] else ""
        verdict = f"**Check failed** for `{label}`: see its column.{sample}"
    else:
        verdict = "With every server, every accepted reading is stored exactly once."
    best_label, best = max(runs[1:], key=lambda item: item[1]["rate"])
    more = ""
    if best_label != runs[-1][0]:
        more = (
            f" More workers did not help on this machine: clients, PostgreSQL and the workers "
            f"share its {CORES} cores."
        )
    return f"""## Vitals from monitor integrations (`POST /api/v1/sessions/<id>/vitals/`)

{CLIENTS} clients post vitals concurrently over HTTP on 127.0.0.1, each to its own running
session, one slot after another with an `Idempotency-Key`; {RETRY_FRACTION:.0%} of the posts are
sent a second time with the same key. The same load runs for {DURATION_S:.0f} s against each
server in turn, production settings with DEBUG off, on PostgreSQL (`{DATABASE}`, recreated per
run; {setup["setup_s"]} s to migrate and set up {CLIENTS} sessions through the services):
`kitclinic runserver --noreload` (Django's threaded development server, one process; the
baseline) and `gunicorn kitclinic.config.wsgi --workers N` (sync workers) with N = cores
({CORES}) and 2 × cores + 1. Each reading is one transaction: session row lock, one read of the
slot, the key and the baseline, threshold check, insert, audit event. Token authentication.
Clients, server and PostgreSQL share the machine's {CORES} cores (load average
{load_before:.2f} before the first run).

{table}

{verdict}

Latency is per request as the client sees it; ratios are against the development server in the
same run. The development server runs every connection's request in one process under one
interpreter lock; gunicorn's sync workers are separate processes, one request at a time each,
closing the connection after each answer (the client opens a new one). Best here: `{best_label}`, {ratio(best["rate"], base["rate"])} the throughput and
{ratio(best["p50"], base["p50"])} the median latency of the development server.{more} With
{CLIENTS} clients posting without a pause each waits for the others (p50 ≈ clients ÷
throughput); a real monitor posts one reading every few minutes."""


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] in ("setup", "verify"):
        _child(sys.argv[1])
    else:
        print(main())
