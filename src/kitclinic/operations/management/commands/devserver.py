"""``kitclinic devserver [ADDRESS:PORT]``: the development web server and a task worker together.

What ``make run`` starts, so the demo sends its questionnaire e-mails (console backend in
development) and escalates unacknowledged safety alerts. Ctrl-C stops both. Production runs
gunicorn and ``kitclinic db_worker`` as separate services instead (README, "Running in
production").
"""

from __future__ import annotations

import re
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kitclinic.operations.processes import Child, run_together

ADDRESS_PORT = re.compile(r"^(?:(?P<host>[\w.:\[\]-]+):)?(?P<port>\d{1,5})$")


class Command(BaseCommand):
    help = "Run the development web server and a background task worker; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport",
            nargs="?",
            default="127.0.0.1:8000",
            help="ADDRESS:PORT or PORT to serve on (default 127.0.0.1:8000).",
        )

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        match = ADDRESS_PORT.match(addrport)
        if not match or not 1 <= int(match["port"]) <= 65535:
            raise CommandError(
                f"addrport: {addrport!r} is not ADDRESS:PORT or PORT (a port is 1-65535).",
                returncode=2,
            )
        manage = [sys.executable, "-m", "kitclinic"]
        children = [
            Child("web server", (*manage, "runserver", addrport)),
            Child("task worker", (*manage, "db_worker", "--interval", "1")),
        ]
        self.stdout.write(
            f"Serving on http://{addrport if match['host'] else '127.0.0.1:' + addrport} "
            "with a background task worker. Press Ctrl-C to stop both."
        )
        code = run_together(children, log=self.stdout)
        if code:
            raise CommandError(f"stopped: a process ended with status {code}", returncode=code)
