"""Give a staff user a role at a clinic: ``kitclinic staff_grant --username U --clinic-id N
--role ROLE [--create-user --password-stdin]``. Audited, without an actor."""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kitclinic.accounts.roles import Role
from kitclinic.accounts.services import membership_grant

OPTION_OF_FIELD = {
    "username": "--username",
    "clinic_id": "--clinic-id",
    "role": "--role",
    "password": "--password-stdin",
}


class Command(BaseCommand):
    help = "Give a staff user a role at a clinic (replacing the role held there, if any)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="The staff user's login name.")
        parser.add_argument("--clinic-id", type=int, required=True, help="The clinic's id.")
        parser.add_argument(
            "--role", required=True, help=f"One of: {', '.join(r.value for r in Role)}."
        )
        parser.add_argument(
            "--create-user", action="store_true", help="Create the user (needs --password-stdin)."
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the new user's password from the first line of standard input.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        if options["password_stdin"]:
            if not options["create_user"]:
                raise CommandError("--password-stdin only applies with --create-user.")
            password = (options.get("stdin") or sys.stdin).readline().rstrip("\r\n")
        elif options["create_user"]:
            raise CommandError("--create-user needs --password-stdin.")
        try:
            membership = membership_grant(
                username=options["username"],
                clinic_id=options["clinic_id"],
                role=options["role"],
                create_user=options["create_user"],
                password=password,
            )
        except ValidationError as exc:
            problems = [
                f"{OPTION_OF_FIELD.get(field, field)}: {' '.join(messages)}"
                for field, messages in exc.message_dict.items()
            ]
            raise CommandError("\n".join(problems)) from None
        self.stdout.write(
            f"{membership.user.username} is {membership.role} at {membership.clinic.name} "
            f"(clinic {membership.clinic_id})."
        )
