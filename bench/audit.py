"""The audit hash chain's cost per write, on PostgreSQL.

``main()`` (``bench/run.py audit``) recreates the database ``kitclinic_bench_audit``,
migrates it and, in a child process, writes N audit events one per transaction (as the services
do: one change, one event, one commit) two ways in one run, interleaved in rounds so that drift
of the machine affects both alike:

- baseline: the event row inserted alone (``AuditEvent(...).save()``, no chain: what an audit
  write cost before the chain);
- chained: ``audit_record`` (lock the organization's chain head, hash the content with the
  previous hash, insert, move the head).

It also times ``kitclinic audit verify`` over every event written. Figures: median µs per write
and the ratio chained / baseline.

Child: ``python bench/audit.py measure DATABASE``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from benchdb import django_setup, ensure_database, run_child

DATABASE = "kitclinic_bench_audit"
ROUNDS = 10
PER_ROUND = 200


def _measure(database: str) -> dict[str, float]:
    django_setup(database)
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from kitclinic.accounts.actor import Actor
    from kitclinic.accounts.models import Clinic, Organization, StaffMembership, User
    from kitclinic.audit import integrity
    from kitclinic.audit.models import AuditAction, AuditEvent
    from kitclinic.audit.services import audit_record

    org, _ = Organization.objects.get_or_create(
        slug="bench-audit", defaults={"name": "Bench audit"}
    )
    # the baseline's rows belong to another organization: outside the measured chain
    other, _ = Organization.objects.get_or_create(
        slug="bench-audit-baseline", defaults={"name": "Bench audit baseline"}
    )
    clinic, _ = Clinic.objects.get_or_create(organization=org, name="Bench clinic")
    user, _ = User.objects.get_or_create(username="bench-audit-nurse")
    membership, _ = StaffMembership.objects.get_or_create(
        user=user, clinic=clinic, defaults={"role": "nurse"}
    )
    actor = Actor(user=user, membership=membership)
    changes = {"weight_kg": [None, "82.40"], "state": ["scheduled", "checked_in"]}

    def baseline() -> None:
        with transaction.atomic():
            AuditEvent(
                occurred_at=timezone.now(),
                organization_id=other.pk,
                actor=user,
                actor_role="nurse",
                action=AuditAction.UPDATE,
                object_type="infusions.checkin",
                object_id="1",
                changes=changes,
            ).save()

    def chained() -> None:
        with transaction.atomic():
            audit_record(actor=actor, action=AuditAction.UPDATE, changes=changes)

    per_write: dict[str, list[float]] = {"baseline": [], "chained": []}
    for _ in range(ROUNDS):
        for name, write in (("baseline", baseline), ("chained", chained)):
            start = time.perf_counter()
            for _ in range(PER_ROUND):
                write()
            per_write[name].append((time.perf_counter() - start) / PER_ROUND * 1e6)
    chain_events = AuditEvent.objects.filter(organization=org).exclude(hash="").count()
    start = time.perf_counter()
    reports = integrity.verify(org)
    verify_s = time.perf_counter() - start
    return {
        "baseline_us": statistics.median(per_write["baseline"]),
        "chained_us": statistics.median(per_write["chained"]),
        "verify_s": verify_s,
        "verified_events": sum(r.events for r in reports),
        "intact": all(r.intact for r in reports),
        "chain_events": chain_events,
    }


def _fresh_database() -> None:
    import psycopg

    from benchdb import PG_SERVER

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
    ensure_database(DATABASE)


def main() -> str:
    _fresh_database()
    result = run_child(__file__, "measure", DATABASE)
    ratio = result["chained_us"] / result["baseline_us"]
    if not result["intact"]:
        raise RuntimeError("the benchmark's chain does not verify")
    return (
        "## Audit hash chain (`bench/audit.py`)\n\n"
        f"PostgreSQL, one audit event per transaction, {ROUNDS} interleaved rounds of {PER_ROUND} "
        "writes each way; median of the rounds' mean µs per write.\n\n"
        "| write | µs per event | ratio |\n|---|---:|---:|\n"
        f"| baseline: the event row alone (no chain) | {result['baseline_us']:.0f} | 1x |\n"
        f"| chained: `audit_record` (head lock, SHA-256, insert, head update) | "
        f"{result['chained_us']:.0f} | **{ratio:.2f}x** |\n\n"
        f"`audit verify` read and checked {result['verified_events']:,} events in "
        f"{result['verify_s']:.2f} s ({result['verified_events'] / result['verify_s']:,.0f} events/s)."
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "measure":
        print(json.dumps(_measure(sys.argv[2])))
    else:
        print(main())
