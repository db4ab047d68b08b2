"""``kitclinic audit verify [--organization SLUG] [--expect-head ID:HASH]`` and
``kitclinic audit head [--organization SLUG]``.

verify exits 0 when every chain is intact (and holds the exported head given), 1 naming the first
broken event otherwise, 2 on a usage error. head prints one JSON line per chain (organization,
last event id, hash, length, time): keep it outside the database (cron, daily; docs/security.md).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kitclinic.accounts.models import Organization
from kitclinic.audit import integrity
from kitclinic.audit.chain import contains_head


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, or print its head to keep outside the database."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser("verify", help="exit 0 if the chain is intact, 1 if not")
        verify.add_argument("--organization", metavar="SLUG")
        verify.add_argument(
            "--expect-head",
            metavar="ID:HASH",
            help="a head printed earlier by `audit head`: it must still be in the chain",
        )
        head = sub.add_parser("head", help="print each chain's head as JSON lines")
        head.add_argument("--organization", metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = None
        if options.get("organization"):
            organization = (
                Organization.objects.filter(slug=options["organization"])
                .values_list("pk", flat=True)
                .first()
            )
            if organization is None:
                raise CommandError(
                    f"--organization: no organization with slug {options['organization']!r}."
                )
        if options["verb"] == "head":
            self._head(organization)
        else:
            self._verify(organization, options.get("expect_head"))

    def _head(self, organization: int | None) -> None:
        now = timezone.now().isoformat()
        for head in integrity.heads(organization):
            self.stdout.write(
                json.dumps(
                    {
                        "chain": head.chain,
                        "last_event_id": head.last_event_id,
                        "hash": head.last_hash,
                        "length": head.length,
                        "printed_at": now,
                    }
                )
            )

    def _verify(self, organization: int | None, expect_head: str | None) -> None:
        expected = None
        if expect_head:
            event_id, _, digest = expect_head.partition(":")
            if not event_id.isdigit() or len(digest) != 64:
                raise CommandError("--expect-head: give ID:HASH as printed by `audit head`.")
            expected = (int(event_id), digest)
        broken = False
        for report in integrity.verify(organization):
            if report.intact:
                self.stdout.write(
                    f"chain {report.chain}: intact, {report.events} events, head "
                    f"{report.head_id} {report.head_hash[:16]}…"
                )
            else:
                broken = True
                self.stdout.write(
                    f"chain {report.chain}: BROKEN at event {report.broken_at}: {report.problem}"
                )
        if expected is not None:
            chain_keys = integrity.chains(organization)
            found = any(contains_head(integrity.chain_events(key), *expected) for key in chain_keys)
            if not found:
                broken = True
                self.stdout.write(
                    f"the exported head {expected[0]}:{expected[1][:16]}… is not in the chain: "
                    "the trail was rewritten after it was exported"
                )
        if broken:
            sys.exit(1)
