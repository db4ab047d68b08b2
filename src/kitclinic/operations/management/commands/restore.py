"""``kitclinic restore FILE [--verify-only] [--json]``: load a backup archive into an empty,
migrated database of either engine, all or nothing.

A thin wrapper around ``kitclinic.operations.restore.restore_load``; every refusal (damaged
archive, other schema, database not empty) is one line and exit status 2, with nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from kitclinic.operations.archive import ArchiveError, archive_verify
from kitclinic.operations.backup import Summary
from kitclinic.operations.commandline import requested_by, short_size
from kitclinic.operations.restore import restore_load


class Command(BaseCommand):
    help = (
        "Load the backup archive FILE into this database, which must be new: migrated "
        "(`kitclinic migrate`) and otherwise empty. The archive is verified first; the load is "
        "one transaction, committed only when every table's row count matches the manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive written by `kitclinic backup`.")
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="Only check the archive against its manifest; do not open the database.",
        )
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="Print the summary as one JSON object.",
        )

    def handle(
        self, *args: Any, file: Path, verify_only: bool, as_json: bool, **options: Any
    ) -> None:
        try:
            if verify_only:
                manifest = archive_verify(file)
                self.stdout.write(
                    json.dumps(manifest.raw | {"file": str(file.resolve())})
                    if as_json
                    else f"{file}: intact; backup of {manifest.created_at} by kitclinic "
                    f"{manifest.kitclinic_version} on {manifest.source_vendor}, "
                    f"{len(manifest.tables)} tables, {manifest.rows} rows\n"
                    f"content SHA-256 {manifest.content_sha256}"
                )
                return
            summary = restore_load(path=file, requested_by=requested_by())
        except ArchiveError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except DatabaseError as exc:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(f"restore failed, database error: {first_line}") from None
        except OSError as exc:
            raise CommandError(f"restore failed reading {file}: {exc.strerror or exc}") from None
        self.stdout.write(_render(summary, as_json=as_json))


def _render(summary: Summary, *, as_json: bool) -> str:
    if as_json:
        return json.dumps(summary.as_dict())
    return (
        f"Restored {len(summary.tables)} tables, {summary.rows} rows, into "
        f"{summary.target_vendor} from {summary.file} ({short_size(summary.size_bytes)}): "
        f"backup of {summary.created_at} by kitclinic {summary.kitclinic_version} on "
        f"{summary.source_vendor}; row counts match the manifest\n"
        f"content SHA-256 {summary.content_sha256}"
    )
