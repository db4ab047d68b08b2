"""Show or publish an organization's qualifying ICD-10-CM codes per indication.

``kitclinic eligibility_codes show --organization-id N [--indication X]`` prints the list in force
for each indication (its version, entries and sources; version 1 is the built-in default).

``kitclinic eligibility_codes publish --username U --clinic-id N --indication X --reason TEXT
(--entries-file FILE | --default)`` publishes the next version as that physician (audited).
FILE (``-`` for standard input) holds a JSON list of ``{"code", "label", "source"}`` objects;
``--default`` publishes the built-in default list again, to go back to it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kitclinic.accounts.actor import actor_for_username
from kitclinic.accounts.models import Organization
from kitclinic.intake.diagnoses import DEFAULT_CODE_LISTS
from kitclinic.intake.eligibility import Indication
from kitclinic.patients.selectors import code_list_versions, code_lists_in_force
from kitclinic.patients.services import indication_code_list_publish

OPTION_OF_FIELD = {
    "indication": "--indication",
    "reason": "--reason",
    "entries": "--entries-file",
}
INDICATIONS = [i.value for i in Indication]


class Command(BaseCommand):
    help = "Show or publish the ICD-10-CM codes that qualify for each indication."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="Print the lists in force.")
        show.add_argument("--organization-id", type=int, required=True)
        show.add_argument("--indication", choices=INDICATIONS)
        publish = sub.add_parser("publish", help="Publish the next version of one list.")
        publish.add_argument("--username", required=True, help="The publishing physician.")
        publish.add_argument("--clinic-id", type=int, required=True, help="Their clinic's id.")
        publish.add_argument("--indication", required=True, choices=INDICATIONS)
        publish.add_argument("--reason", required=True, help="Why this version is published.")
        source = publish.add_mutually_exclusive_group(required=True)
        source.add_argument("--entries-file", help="JSON list of {code, label, source}; - = stdin.")
        source.add_argument(
            "--default", action="store_true", help="Publish the built-in default list again."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            self._show(options["organization_id"], options.get("indication"))
        else:
            self._publish(options)

    def _show(self, organization_id: int, indication: str | None) -> None:
        if not Organization.objects.filter(pk=organization_id).exists():
            raise CommandError(f"--organization-id: no organization {organization_id}.")
        in_force = code_lists_in_force(organization_id)
        for each in Indication:
            if indication and each.value != indication:
                continue
            code_list = in_force[each]
            history = code_list_versions(organization_id, each)
            if history:
                row = history[0]
                origin = (
                    f"published {row.published_at:%Y-%m-%d %H:%M} by {row.published_by}: "
                    f"{row.reason}"
                )
            else:
                origin = "built-in default"
            self.stdout.write(f"{each.value} v{code_list.version} ({origin})")
            for entry in code_list.entries:
                self.stdout.write(f"  {entry.text}  [source: {entry.source}]")

    def _publish(self, options: dict[str, Any]) -> None:
        actor = actor_for_username(options["username"], clinic_id=options["clinic_id"])
        if actor is None:
            raise CommandError(
                f"--username/--clinic-id: {options['username']!r} has no active role at "
                f"clinic {options['clinic_id']}."
            )
        if options["default"]:
            entries: Any = DEFAULT_CODE_LISTS[Indication(options["indication"])].as_json()
        else:
            entries = self._read_entries(options["entries_file"], options.get("stdin"))
        try:
            row = indication_code_list_publish(
                actor=actor,
                indication=options["indication"],
                entries=entries,
                reason=options["reason"],
            )
        except PermissionDenied as exc:
            raise CommandError(f"--username: {exc}") from None
        except ValidationError as exc:
            problems = [
                f"{OPTION_OF_FIELD.get(field, field)}: {' '.join(messages)}"
                for field, messages in exc.message_dict.items()
            ]
            raise CommandError("\n".join(problems)) from None
        self.stdout.write(
            f"Published {row.indication} qualifying diagnoses v{row.version} "
            f"({len(row.entries)} entries); it is in force for new eligibility decisions."
        )

    def _read_entries(self, path: str, stdin: Any) -> Any:
        try:
            if path == "-":
                text = (stdin or sys.stdin).read()
            else:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
        except OSError as exc:
            raise CommandError(f"--entries-file: cannot read {path}: {exc.strerror}.") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"--entries-file: not JSON ({exc.msg}, line {exc.lineno})."
            ) from None
