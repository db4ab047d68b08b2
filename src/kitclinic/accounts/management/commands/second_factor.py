"""``kitclinic second_factor``: the second factor from the command line, for an operator.

    kitclinic second_factor reset --username U --reason "phone lost, identity checked"
    kitclinic second_factor require-all --organization SLUG (--on | --off)

``reset`` removes a user's authenticator and recovery codes when no clinic admin can (audited as
a system action); ``require-all`` asks a second factor of every member of staff of an
organization, not only of physicians and clinic admins (audited). Exit 2 on bad input."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kitclinic.accounts.models import Organization, User
from kitclinic.accounts.second_factor import second_factor_reset_by_operator
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record


class Command(BaseCommand):
    help = "Reset a user's second factor, or require one of all staff of an organization."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        reset = sub.add_parser("reset", help="Remove a user's authenticator and recovery codes.")
        reset.add_argument("--username", required=True)
        reset.add_argument("--reason", required=True)
        require = sub.add_parser("require-all", help="Second factor for all staff (or not).")
        require.add_argument("--organization", required=True, help="The organization's slug.")
        which = require.add_mutually_exclusive_group(required=True)
        which.add_argument("--on", action="store_true")
        which.add_argument("--off", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["operation"] == "reset":
            self._reset(options["username"], options["reason"])
        else:
            self._require_all(options["organization"], bool(options["on"]))

    def _reset(self, username: str, reason: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--username: no user {username!r}.", returncode=2)
        try:
            had = second_factor_reset_by_operator(user=user, reason=reason)
        except ValidationError:
            raise CommandError(
                "--reason: give the reason (e.g. phone lost, identity checked).", returncode=2
            ) from None
        self.stdout.write(
            f"Second factor of {username} reset"
            + ("." if had else " (none was set up).")
            + " They set up a new authenticator app at their next log-in if their role needs one."
        )

    def _require_all(self, slug: str, on: bool) -> None:
        with transaction.atomic():
            organization = Organization.objects.select_for_update().filter(slug=slug).first()
            if organization is None:
                raise CommandError(f"--organization: no organization {slug!r}.", returncode=2)
            before = organization.second_factor_for_all_staff
            organization.second_factor_for_all_staff = on
            organization.save(update_fields=["second_factor_for_all_staff"])
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                obj=organization,
                organization_id=organization.pk,
                changes={"second_factor_for_all_staff": [before, on]},
                detail="set from the command line",
            )
        self.stdout.write(
            f"{organization.name}: second factor "
            + ("required of all staff." if on else "required of physicians and clinic admins only.")
        )
