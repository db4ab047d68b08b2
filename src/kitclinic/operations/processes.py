"""Run several long-lived commands as one: the development web server and the task worker.

``kitclinic devserver`` (what ``make run`` starts) needs both, or questionnaire e-mails,
reminders and safety-alert escalations never leave the queue. Each child runs in its own process
group, so stopping it also stops what it started (the development server's autoreloader runs
the real server as a grandchild). One Ctrl-C or SIGTERM stops all of them; if one child ends on
its own, the others are stopped too, so the system never runs half-up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

POLL_SECONDS = 0.2
STOP_GRACE_SECONDS = 10.0


class LogStream(Protocol):
    """Where progress lines go: a text stream, or a management command's ``self.stdout``."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


@dataclass(frozen=True)
class Child:
    """A command to keep running; ``name`` labels it in messages."""

    name: str
    argv: tuple[str, ...]


def _stop(processes: dict[str, subprocess.Popen[bytes]], grace_s: float) -> None:
    """SIGTERM each running child's group, wait up to ``grace_s``, then SIGKILL what is left."""
    for proc in processes.values():
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for proc in processes.values():
        remaining = max(0.0, deadline - time.monotonic())
        try:
            proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
    # The group may outlive its leader (a grandchild still shutting down): make sure it is gone.
    for proc in processes.values():
        _signal_group(proc, signal.SIGKILL)


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_together(
    children: Sequence[Child],
    *,
    log: LogStream,
    env: dict[str, str] | None = None,
    grace_s: float = STOP_GRACE_SECONDS,
) -> int:
    """Start every child, return when the first one ends or on SIGINT/SIGTERM; stop the rest.

    Returns 0 after a requested stop (Ctrl-C), otherwise the exit status of the child that ended
    first (1 if it ended with status 0: a server is not supposed to end by itself).
    """
    stop_requested: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        stop_requested.append(signum)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for child in children:
            processes[child.name] = subprocess.Popen(
                list(child.argv), env=env, start_new_session=True
            )
            log.write(f"started {child.name} (pid {processes[child.name].pid})\n")
            log.flush()
        while True:
            if stop_requested:
                log.write("stopping " + ", ".join(processes) + "\n")
                code = 0
                break
            ended = [(name, p.returncode) for name, p in processes.items() if p.poll() is not None]
            if ended:
                name, status = ended[0]
                log.write(f"{name} ended with status {status}; stopping the others\n")
                code = status or 1
                break
            time.sleep(POLL_SECONDS)
        log.flush()
        return code
    finally:
        # Also when starting a child failed or this process is being torn down.
        _stop(processes, grace_s)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
