"""``kitclinic fhir export --organization SLUG (--mrn MRN | --all) --output FILE [--ndjson]``.

A thin wrapper around ``kitclinic.interop.export.fhir_export``; docs/fhir.md has the mapping.
Bad arguments exit 2 naming the argument.

``kitclinic fhir import FILE --organization SLUG --username U [--clinic-id N] [--json]`` reads a
Bundle (collection, transaction or searchset) or NDJSON file as that staff member through
``kitclinic.interop.services.fhir_import`` and prints what it created, updated and skipped. All or
nothing: a refused resource exits 2 naming its entry and path, and nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kitclinic.accounts.actor import Actor, actor_for_username
from kitclinic.accounts.models import Organization
from kitclinic.interop.export import ExportError, ExportFailed, fhir_export
from kitclinic.interop.reading import ImportRefused, read_entries
from kitclinic.interop.services import fhir_import
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

        imp = sub.add_parser(
            "import",
            help=(
                "Read a FHIR Bundle (collection, transaction, searchset) or NDJSON file into the "
                "organization as a staff member, all or nothing. Audited."
            ),
            called_from_command_line=getattr(parser, "called_from_command_line", None),
        )
        imp.add_argument("file", type=Path, help="A FHIR R4 JSON Bundle or NDJSON file.")
        imp.add_argument("--organization", required=True, help="The organization's slug.")
        imp.add_argument("--username", required=True, help="The staff member who imports.")
        imp.add_argument("--clinic-id", type=int, help="Their clinic (default: their first).")
        imp.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the summary as JSON."
        )

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "export":
            self.export(**options)
        elif subcommand == "import":
            self.import_(**options)

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

    def _importer(self, organization: str, username: str, clinic_id: int | None) -> Actor:
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"--organization: no organization {organization!r}.", returncode=2)
        actor = actor_for_username(username, organization_id=org.pk, clinic_id=clinic_id)
        if actor is None:
            where = f"clinic {clinic_id}" if clinic_id is not None else "any clinic"
            raise CommandError(
                f"--username: {username!r} has no active role at {where} of {org.slug}.",
                returncode=2,
            )
        return actor

    def import_(
        self,
        *,
        file: Path,
        organization: str,
        username: str,
        clinic_id: int | None,
        as_json: bool,
        **options: Any,
    ) -> None:
        actor = self._importer(organization, username, clinic_id)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"FILE: cannot read {file}: {exc}", returncode=2) from None
        try:
            summary = fhir_import(actor=actor, entries=read_entries(text))
        except ImportRefused as exc:
            raise CommandError(f"{exc} Nothing was imported.", returncode=2) from None
        except PermissionDenied as exc:
            raise CommandError(f"--username: {exc} Nothing was imported.", returncode=2) from None
        result = summary.as_json()
        if as_json:
            self.stdout.write(json.dumps(result, indent=2))
            return
        created = ", ".join(f"{n} {t}" for t, n in result["created"].items()) or "nothing"
        updated = ", ".join(f"{n} {t}" for t, n in result["updated"].items()) or "nothing"
        self.stdout.write(f"Created: {created}. Updated: {updated}.")
        for item in result["skipped"]:
            self.stdout.write(
                f"Skipped entry {item['entry']} ({item['resourceType']}): {item['reason']}"
            )
