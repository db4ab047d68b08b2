"""`kitclinic devserver` (what `make run` starts): the web server and the task worker together,
both stopped by one Ctrl-C, and neither left running when the other ends."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.processes import free_port
from tests.support.databases import copy_of

KITCLINIC = [sys.executable, "-m", "kitclinic"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped by its parent) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


def _wait_for(predicate, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


# A child that, like the development server's autoreloader, runs the real work in a grandchild
# and records both pids.
PARENT_WITH_GRANDCHILD = textwrap.dedent(
    """
    import subprocess, sys, time
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    open(sys.argv[1], "w").write(f"{grandchild.pid}\\n")
    time.sleep(600)
    """
)

SUPERVISOR = textwrap.dedent(
    """
    import sys
    from kitclinic.operations.processes import Child, run_together
    py = sys.executable
    children = [
        Child("reloading server", (py, "-c", sys.argv[1], sys.argv[2])),
        Child("worker", (py, "-c", sys.argv[3])),
    ]
    sys.exit(run_together(children, log=sys.stdout, grace_s=5))
    """
)


def _start_supervisor(tmp_path: Path, worker_code: str) -> tuple[subprocess.Popen[str], Path]:
    pid_file = tmp_path / "grandchild.pid"
    proc = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, PARENT_WITH_GRANDCHILD, str(pid_file), worker_code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, pid_file


def _child_pids(output: str) -> list[int]:
    return [int(p) for p in re.findall(r"\(pid (\d+)\)", output)]


def test_one_ctrl_c_stops_every_child_and_grandchild(tmp_path: Path) -> None:
    proc, pid_file = _start_supervisor(tmp_path, "import time; time.sleep(600)")
    _wait_for(lambda: pid_file.exists() and pid_file.read_text().endswith("\n"), 20, "children")
    grandchild = int(pid_file.read_text())
    assert _alive(grandchild)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, output
    pids = _child_pids(output)
    assert len(pids) == 2, output
    for pid in [*pids, grandchild]:
        _wait_for(lambda pid=pid: not _alive(pid), 10, f"pid {pid} to end")
    assert "stopping reloading server, worker" in output


def test_when_one_child_ends_the_others_are_stopped_and_the_status_says_so(
    tmp_path: Path,
) -> None:
    proc, pid_file = _start_supervisor(tmp_path, "import time, sys; time.sleep(1); sys.exit(3)")
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 3, output
    assert "worker ended with status 3; stopping the others" in output
    grandchild = int(pid_file.read_text())
    for pid in [*_child_pids(output), grandchild]:
        _wait_for(lambda pid=pid: not _alive(pid), 10, f"pid {pid} to end")


@pytest.mark.parametrize("addrport", ["nonsense", "127.0.0.1:99999", "0", ":80", "1.2.3.4:"])
def test_a_bad_address_is_refused_with_the_argument_named(addrport: str) -> None:
    with pytest.raises(CommandError, match="addrport") as excinfo:
        call_command("devserver", addrport)
    assert excinfo.value.returncode == 2


@pytest.mark.slow
def test_the_demo_sends_a_questionnaire_email_and_escalates_an_alert(
    tmp_path: Path, demo_sqlite: Path
) -> None:
    """The whole system as `make run` starts it, on an embedded database of its own (a copy of
    the run's demo clinic, migrated and seeded by the console script): the worker sends a
    questionnaire link (console e-mail backend) and escalates the demo's open safety alert (the
    demo seeded with the escalation policy at 0 minutes, so it is due at once), the web server
    answers, and one SIGINT stops everything."""
    env = {
        **os.environ,
        "DATABASE_URL": copy_of(demo_sqlite, tmp_path / "demo.sqlite3"),
        "KITCLINIC_DEBUG": "1",
        "KITCLINIC_SECRET_KEY": "development-only-not-secret",
        "KITCLINIC_ALERT_ESCALATION_MINUTES": "0",
        "DJANGO_SETTINGS_MODULE": "kitclinic.config.settings",
    }
    run = {"env": env, "check": True, "capture_output": True, "text": True, "timeout": 300}
    issue_link = (
        "from kitclinic.accounts.actor import Actor; "
        "from kitclinic.accounts.models import StaffMembership; "
        "from kitclinic.assessments.services.links import link_issue; "
        "from kitclinic.patients.models import Patient; "
        "m = StaffMembership.objects.select_related('user')"
        ".filter(user__username='nurse').order_by('id')[0]; "
        "p = Patient.objects.filter(home_clinic=m.clinic).exclude(email='').order_by('-id')[0]; "
        "link_issue(actor=Actor(user=m.user, membership=m), patient=p, instrument='phq9')"
    )
    subprocess.run([*KITCLINIC, "shell", "-c", issue_link], **run)

    port = free_port()
    log_path = tmp_path / "devserver.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [*KITCLINIC, "devserver", f"127.0.0.1:{port}"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        def log_has(text: str) -> bool:
            return text in log_path.read_text()

        _wait_for(lambda: log_has("Subject: Questionnaire from"), 60, "the link e-mail")
        _wait_for(
            lambda: log_has("Subject: [kitclinic] Unacknowledged safety alert"),
            60,
            "the escalation e-mail",
        )

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                    return r.status == 200
            except (urllib.error.URLError, ConnectionError):
                return False

        _wait_for(answers, 30, "the web server")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=5) as r:
            assert r.headers["Content-Type"] == "image/svg+xml"
            assert r.read().startswith(b"<svg")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    output = log_path.read_text()
    assert proc.returncode == 0, output
    for pid in _child_pids(output):
        _wait_for(lambda pid=pid: not _alive(pid), 10, f"pid {pid} to end")
    with socket.socket() as s:
        # Nothing left listening: SO_REUSEADDR lets the bind pass over the closed connections
        # in TIME_WAIT, but not over a listening socket.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
