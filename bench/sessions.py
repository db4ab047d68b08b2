"""Vitals from monitor integrations: 50 concurrent clients posting vitals over HTTP for 60 s.

``main()`` (called by ``bench/run.py sessions``) drops and recreates the PostgreSQL database
``kitclinic_bench_sessions``, migrates it and sets up one clinic with a nurse (API token), a
physician and one running infusion session per client, all through the services. It then starts
``kitclinic runserver --noreload`` on 127.0.0.1 (production settings, DEBUG off; Django's threaded
development server, the only HTTP server among the dependencies) in a subprocess and runs CLIENTS
threads, each with its own persistent stdlib ``http.client`` connection and its own session,
posting one slot after another with an ``Idempotency-Key``; a fraction of posts is sent twice
with the same key (a monitor retrying). After DURATION_S the server is stopped and a child process
counts the stored readings: every 201 must be exactly one row, every 200 a retry returning the
id of a 201, and no (session, slot) stored twice.

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
DURATION_S = 60.0
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
    from rest_framework.authtoken.models import Token

    from kitclinic.accounts.actor import Actor
    from kitclinic.accounts.models import Clinic, Organization, StaffMembership, User
    from kitclinic.infusions.models import Chair, InfusionOrder
    from kitclinic.infusions.services import courses, infusion, orders, scheduling, sessions
    from kitclinic.infusions.services.library import library_install_default
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
        sessions.session_check_in(
            actor=nurse,
            session=session,
            data=sessions.CheckInData(
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
        infusion.infusion_start(actor=nurse, session=session)
        ids.append(session.pk)
    token = Token.objects.create(user=nurse.user).key
    return {"sessions": ids, "token": token, "setup_s": round(time.perf_counter() - started, 1)}


def _verify(session_ids: list[int]) -> dict[str, Any]:
    from django.db.models import Count

    from kitclinic.infusions.models import VitalSign

    rows = VitalSign.objects.filter(session_id__in=session_ids, slot_minute__gt=0)
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
        print(json.dumps(_verify(json.loads(sys.stdin.read()))))


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


def _start_server(port: int) -> subprocess.Popen[bytes]:
    kitclinic = Path(sys.executable).with_name("kitclinic")
    server = subprocess.Popen(
        [str(kitclinic), "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        env=_env(DATABASE),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(5)


class Client(threading.Thread):
    """One monitor: its own session and connection, slots 1, 2, 3, ... until the deadline."""

    def __init__(self, n: int, port: int, token: str, session_id: int, deadline: float) -> None:
        super().__init__(daemon=True)
        self.n, self.port, self.token, self.session_id = n, port, token, session_id
        self.deadline = deadline
        self.rng = random.Random(SEED + n)
        self.latencies_ms: list[float] = []
        self.created: dict[str, int] = {}  # key -> reading id (201)
        self.replayed: list[tuple[str, int]] = []  # (key, id) of 200 answers
        self.other: list[tuple[int, str]] = []  # unexpected statuses
        self.resets = 0  # connections dropped before an answer (the post is sent again)

    def _post(self, conn: http.client.HTTPConnection, slot: int, key: str) -> tuple[int, Any]:
        body = json.dumps({"slot_minute": slot, **VITALS, "hr": 60 + slot % 40})
        headers = {
            "Authorization": f"Token {self.token}",
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
        slot = 0
        while time.monotonic() < self.deadline and slot < 30000:
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


def main() -> str:
    _recreate_database()
    setup = _run_child("setup", str(CLIENTS))
    port = _free_port()
    server = _start_server(port)
    try:
        deadline = time.monotonic() + DURATION_S
        clients = [
            Client(n, port, setup["token"], sid, deadline)
            for n, sid in enumerate(setup["sessions"])
        ]
        started = time.perf_counter()
        for c in clients:
            c.start()
        for c in clients:
            c.join(DURATION_S + 60)
        elapsed = time.perf_counter() - started
    finally:
        _stop_server(server)
    stored = _run_child("verify", stdin=json.dumps(setup["sessions"]))
    latencies = [ms for c in clients for ms in c.latencies_ms]
    created = {(c.n, key): rid for c in clients for key, rid in c.created.items()}
    replayed = [(c.n, key, rid) for c in clients for key, rid in c.replayed]
    other = [o for c in clients for o in c.other]
    accepted_ids = sorted(created.values())
    retries_ok = sum(1 for n, key, rid in replayed if created.get((n, key)) == rid)
    resets = sum(c.resets for c in clients)
    lost = len(set(accepted_ids) - set(stored["ids"]))
    extra = len(set(stored["ids"]) - set(accepted_ids))
    requests = len(latencies)
    ok = (
        stored["rows"] == len(accepted_ids)
        and lost == 0
        and extra == 0
        and stored["doubled"] == 0
        and retries_ok == len(replayed)
        and not other
    )
    rows = [
        ("Clients (threads, one persistent connection and one session each)", f"{CLIENTS}"),
        ("Duration", f"{elapsed:.1f} s"),
        ("Requests", f"{requests:,}"),
        ("Throughput", f"{requests / elapsed:,.0f} req/s"),
        (
            "Latency p50 / p95",
            f"{_percentile(latencies, 50):.1f} / {_percentile(latencies, 95):.1f} ms",
        ),
        ("Accepted readings (201)", f"{len(accepted_ids):,}"),
        (
            "Answers 200 to a repeated key (the same reading)",
            f"{retries_ok:,} of {len(replayed):,}",
        ),
        ("Rows stored", f"{stored['rows']:,}"),
        ("Lost / extra / duplicate rows", f"{lost} / {extra} / {stored['doubled']}"),
        ("Connections dropped before an answer (sent again, same key)", f"{resets}"),
        ("Other answers (4xx, 5xx)", f"{len(other)}"),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    sample = f" First: {other[0]}" if other else ""
    verdict = (
        "Every accepted reading is stored exactly once."
        if ok
        else f"**Check failed**: see the rows above.{sample}"
    )
    return f"""## Vitals from monitor integrations (`POST /api/v1/sessions/<id>/vitals/`)

{CLIENTS} clients post vitals concurrently for {DURATION_S:.0f} s over HTTP on 127.0.0.1, each to its
own running session, one slot after another with an `Idempotency-Key`; {RETRY_FRACTION:.0%} of the
posts are sent a second time with the same key. Server: `kitclinic runserver --noreload` (Django's
threaded server, production settings with DEBUG off) on PostgreSQL (`{DATABASE}`, recreated per run;
{setup["setup_s"]} s to migrate and set up {CLIENTS} sessions through the services). Each reading is
one transaction: session row lock, threshold check, insert, audit event. Token authentication.

| measure | value |
|---|---|
{table}

{verdict} Latency is per request as the client sees it. The server is one process: Django's
threaded development server runs the {CLIENTS} connections' requests under one interpreter lock,
so the throughput is about one reading's work (roughly 20 ms of Python: authentication, session
lock, threshold check, insert, audit) at a time, and with {CLIENTS} clients each waits for the
others (p50 ≈ clients ÷ throughput). Several worker processes behind a production WSGI server
would raise the throughput; the checks (one row per accepted reading) do not depend on it."""


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] in ("setup", "verify"):
        _child(sys.argv[1])
    else:
        print(main())
