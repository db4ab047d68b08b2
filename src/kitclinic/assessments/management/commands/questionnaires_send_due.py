"""Cron entry point: issue questionnaire links for every schedule due today (idempotent per day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kitclinic.assessments.services.schedules import schedules_send_due


class Command(BaseCommand):
    help = (
        "Issue self-report links for active schedules due on or before today and move their next "
        "date on. Safe to run several times a day: a schedule is sent once per due date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Treat this day (YYYY-MM-DD) as today.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD; got {options['date']!r}") from exc
        issued = schedules_send_due(today=today)
        self.stdout.write(f"{len(issued)} questionnaire link(s) issued.")
