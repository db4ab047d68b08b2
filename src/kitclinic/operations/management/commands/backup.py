"""``kitclinic backup FILE [--force] [--json]``: the whole database into one portable archive.

A thin wrapper around ``kitclinic.operations.backup.backup_create``; docs/backup.md describes the
archive and the recommended schedule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from kitclinic.operations.archive import ArchiveError
from kitclinic.operations.backup import Summary, backup_create
from kitclinic.operations.commandline import requested_by, short_size


class Command(BaseCommand):
    help = (
        "Write every table of the database, read in one consistent snapshot, to one portable "
        "archive FILE (a zip of JSON Lines with a manifest). Records an export in the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive to write (must not exist).")
        parser.add_argument(
            "--force", action="store_true", help="Replace FILE if it already exists."
        )
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="Print the summary as one JSON object.",
        )

    def handle(self, *args: Any, file: Path, force: bool, as_json: bool, **options: Any) -> None:
        try:
            summary = backup_create(path=file, requested_by=requested_by(), force=force)
        except ArchiveError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except DatabaseError as exc:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(f"backup failed, database error: {first_line}") from None
        except OSError as exc:
            raise CommandError(f"backup failed writing {file}: {exc.strerror or exc}") from None
        self.stdout.write(_render(summary, as_json=as_json))


def _render(summary: Summary, *, as_json: bool) -> str:
    if as_json:
        return json.dumps(summary.as_dict())
    return (
        f"Backed up {len(summary.tables)} tables, {summary.rows} rows, from {summary.source_vendor}"
        f" to {summary.file} ({short_size(summary.size_bytes)})\n"
        f"content SHA-256 {summary.content_sha256}"
    )
