"""API tokens from the command line, for an operator setting up an integration:

    kitclinic api_token create --username U --name NAME [--days N] [--scope read|write]
    kitclinic api_token list [--username U] [--all]
    kitclinic api_token revoke --id N [--reason TEXT]

``create`` prints the token once, on a line of its own (it is stored only as a hash); the
integration sends it as ``Authorization: Bearer <token>``. What a token may do is its scope,
within its user's clinic roles. Creating and revoking are audited, without an actor."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kitclinic.accounts.models import ApiToken, User
from kitclinic.accounts.token_rules import Scope
from kitclinic.accounts.tokens import api_token_create, api_token_revoke

OPTION_OF_FIELD = {
    "user": "--username",
    "name": "--name",
    "scope": "--scope",
    "days": "--days",
    "token": "--id",
    "reason": "--reason",
}


def _problems(exc: ValidationError) -> CommandError:
    return CommandError(
        "\n".join(
            f"{OPTION_OF_FIELD.get(field, field)}: {' '.join(messages)}"
            for field, messages in exc.message_dict.items()
        )
    )


def _status(token: ApiToken, now: Any) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= now else "active"


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True, metavar="create|list|revoke")
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--username", required=True, help="The staff user's login name.")
        create.add_argument("--name", required=True, help="What the token is for.")
        create.add_argument(
            "--days",
            type=int,
            default=None,
            help=(
                "Lifetime in days (default KITCLINIC_API_TOKEN_DAYS, at most "
                "KITCLINIC_API_TOKEN_MAX_DAYS)."
            ),
        )
        create.add_argument(
            "--scope",
            default=Scope.READ.value,
            help="read (GET only, the default) or write (reads and writes).",
        )
        listing = sub.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("--username", help="Only this user's tokens.")
        listing.add_argument(
            "--all", action="store_true", help="Include revoked and expired tokens."
        )
        revoke = sub.add_parser("revoke", help="Revoke a token at once.")
        revoke.add_argument("--id", type=int, required=True, help="The token's id (see list).")
        revoke.add_argument("--reason", default="", help="Why it is revoked.")

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        getattr(self, f"_{operation}")(**options)

    def _create(self, *, username: str, name: str, days: int | None, scope: str, **_: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--username: no user {username!r}.")
        try:
            token, secret = api_token_create(user=user, name=name, scope=scope, days=days)
        except ValidationError as exc:
            raise _problems(exc) from None
        self.stderr.write(
            f"Token {token.id} for {user.username} ({token.scope}), expires "
            f"{token.expires_at.isoformat(timespec='seconds')}. It is shown only now:"
        )
        self.stdout.write(secret)

    def _list(self, *, username: str | None, all: bool, **_: Any) -> None:
        now = timezone.now()
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "id")
        if username is not None:
            if not User.objects.filter(username=username).exists():
                raise CommandError(f"--username: no user {username!r}.")
            tokens = tokens.filter(user__username=username)
        if not all:
            tokens = tokens.filter(revoked_at__isnull=True, expires_at__gt=now)
        for t in tokens:
            used = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "never"
            self.stdout.write(
                f"{t.id}\t{t.user.username}\t{t.prefix}…\t{t.scope}\t{_status(t, now)}\t"
                f"expires {t.expires_at.isoformat(timespec='seconds')}\tlast used {used}\t{t.name}"
            )

    def _revoke(self, *, id: int, reason: str, **_: Any) -> None:
        token = ApiToken.objects.filter(pk=id).first()
        if token is None:
            raise CommandError(f"--id: no API token {id}.")
        try:
            token = api_token_revoke(token=token, reason=reason)
        except ValidationError as exc:
            raise _problems(exc) from None
        self.stdout.write(f"Revoked token {token.id} ({token.prefix}…) of {token.user.username}.")
