"""Print the API token of a staff user (created on first use), for an integration to send as
``Authorization: Token <key>``. What the token may do is the user's clinic roles, nothing more."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token

from kitclinic.accounts.models import User


class Command(BaseCommand):
    help = "Print the API token of a user, creating it if the user has none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="The staff user's login name.")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {username!r}.") from None
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
