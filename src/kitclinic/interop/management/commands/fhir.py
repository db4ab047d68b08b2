"""``kitclinic fhir export --organization SLUG (--mrn MRN | --all) --output FILE [--ndjson]``.

A thin wrapper around ``kitclinic.interop.export.fhir_export``; docs/fhir.md has the mapping.
Bad arguments exit 2 naming the argument.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kitclinic.interop.export import ExportError, ExportFailed, fhir_export
from kitclinic.operations.commandline import requested_by


class Command(BaseCommand):
    help = "HL7 FHIR R4 (JSON) out of kitclinic: `fhir export` (docs/fhir.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=CommandParser)
        export = sub.add_parser(
            "export",
            help=(
                "Write one patient (--mrn) or every patient (--all) of an organization as a FHIR "
                "Bundle of type collection, or as NDJSON (one file per resource type) with "
                "--ndjson. Records an export in the audit trail."
            ),
            called_from_command_line=getattr(parser, "called_from_command_line", None),
        )
        export.add_argument("--organization", required=True, help="The organization's slug.")
        who = export.add_mutually_exclusive_group(required=True)
        who.add_argument("--mrn", help="The patient's medical record number.")
        who.add_argument("--all", action="store_true", help="Every patient of the organization.")
        export.add_argument(
            "--output",
            required=True,
            type=Path,
            help="The Bundle file to write (with --ndjson: a new or empty folder).",
        )
        export.add_argument(
            "--ndjson", action="store_true", help="NDJSON, one file per resource type."
        )
        export.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the summary as JSON."
        )

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "export":
            self.export(**options)

    def export(
        self,
        *,
        organization: str,
        mrn: str | None,
        output: Path,
        ndjson: bool,
        as_json: bool,
        **options: Any,
    ) -> None:
        try:
            summary = fhir_export(
                organization_slug=organization,
                mrn=mrn,
                output=output,
                ndjson=ndjson,
                requested_by=requested_by(),
            )
        except ExportError as exc:
            raise CommandError(f"{exc.argument}: {exc}", returncode=2) from None
        except ExportFailed as exc:
            raise CommandError(f"export failed, nothing written: {exc}") from None
        except OSError as exc:
            raise CommandError(
                f"--output: cannot write {output}: {exc.strerror or exc}", returncode=2
            ) from None
        if as_json:
            self.stdout.write(json.dumps(summary.as_dict()))
            return
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.resources.items()))
        self.stdout.write(
            f"Exported {summary.patients} patient(s) to {summary.output}: {counts or 'nothing'}"
        )
