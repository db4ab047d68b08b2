"""Lists at 100,000 patients: the patient list and the audit trail, on PostgreSQL.

``main()`` (``bench/run.py lists``) recreates the database ``kitclinic_bench_lists``, migrates
it and, in a child process, bulk-inserts 100,000 patients and 300,000 audit events of one
organization, then times what a list page reads (``kitclinic.lib.listing``: the count and the
page) for the first page, a deep page (the last) and pages sorted by another column, each the
median of several runs, three ways in the same run:

- this schema: ``kitclinic.lib.listing`` (count, the page's ids, those rows) on the indexes of
  the current schema (each sort order ends with the id);
- baseline A: the same indexes, the rows read with OFFSET in one query (the lists before);
- baseline B: ``kitclinic.lib.listing`` on the indexes the lists had before (patients: name
  prefix with pattern operators, date of birth; audit: organization and time without the id).

Figures: milliseconds per page read, the ratios baseline / this schema and deep / first page.

Child: ``python bench/lists.py measure DATABASE``.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from typing import Any

from benchdb import django_setup, ensure_database, run_child

DATABASE = "kitclinic_bench_lists"
PATIENTS = 100_000
AUDIT_EVENTS = 300_000
BATCH = 5_000
REPEAT = 9

# Indexes this schema adds for the lists, and the ones they replaced (the baseline).
NEW_INDEXES = [
    "patient_name_order",
    "patient_mrn_order",
    "patient_dob_order",
    "patient_created_order",
    "audit_org_time_id",
    "audit_org_action",
]
OLD_INDEXES = [
    "CREATE INDEX patient_dob ON patients_patient (organization_id, date_of_birth)",
    "CREATE INDEX audit_org_time ON audit_auditevent (organization_id, occurred_at DESC)",
]


def _seed() -> dict[str, Any]:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from kitclinic.accounts.models import Clinic, Organization, StaffMembership, User
    from kitclinic.audit.models import AuditAction, AuditEvent
    from kitclinic.demo import people as demo
    from kitclinic.intake import identity
    from kitclinic.patients.models import Patient

    rng = random.Random(13)
    org = Organization.objects.create(slug="bench-lists", name="Bench lists")
    clinic = Clinic.objects.create(organization=org, name="Bench clinic")
    user = User.objects.create(username="bench-lists-admin", is_synthetic=True)
    StaffMembership.objects.create(user=user, clinic=clinic, role="clinic_admin")
    today = dt.date(2026, 12, 7)
    start = time.perf_counter()
    for first in range(0, PATIENTS, BATCH):
        rows = []
        for number in range(first, min(first + BATCH, PATIENTS)):
            family, given = rng.choice(demo.FAMILY_NAMES), rng.choice(demo.GIVEN_NAMES)
            phone = f"555{number:07d}"
            rows.append(
                Patient(
                    organization=org,
                    home_clinic=clinic,
                    mrn=f"L-{number:07d}",
                    family_name=family,
                    given_name=given,
                    family_name_key=family.lower(),
                    given_name_key=given.lower(),
                    name_match_key=identity.name_key(family, given),
                    phone=phone,
                    phone_key=identity.phone_key(phone),
                    date_of_birth=today - dt.timedelta(days=rng.randint(19 * 365, 78 * 365)),
                    sex_at_birth="unknown",
                    is_synthetic=True,
                )
            )
        Patient.objects.bulk_create(rows, batch_size=BATCH)
    patients_s = time.perf_counter() - start
    ids = list(Patient.objects.filter(organization=org).values_list("pk", flat=True))
    actions = [AuditAction.VIEW, AuditAction.UPDATE, AuditAction.CREATE, AuditAction.SEARCH]
    now = timezone.now()
    start = time.perf_counter()
    for first in range(0, AUDIT_EVENTS, BATCH):
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    occurred_at=now - dt.timedelta(seconds=3 * (AUDIT_EVENTS - n)),
                    organization=org,
                    clinic=clinic,
                    actor=user,
                    actor_role="nurse",
                    action=actions[n % 4],
                    patient_id=ids[n % len(ids)],
                    object_type="patients.patient",
                    object_id=str(ids[n % len(ids)]),
                )
                for n in range(first, min(first + BATCH, AUDIT_EVENTS))
            ],
            batch_size=BATCH,
        )
    audit_s = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE patients_patient")
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    return {"patients_s": patients_s, "audit_s": audit_s, "org": org.pk, "user": user.pk}


def _cases() -> list[tuple[str, str, dict[str, str]]]:
    last_patients = -(-PATIENTS // 50)
    last_audit = -(-AUDIT_EVENTS // 50)
    return [
        ("patients", "first page (by name)", {}),
        (
            "patients",
            f"deep page ({last_patients:,}, the last, by name)",
            {"page": str(last_patients)},
        ),
        ("patients", "sorted: date of birth, newest first", {"sort": "-date_of_birth"}),
        ("patients", "sorted: MRN, page 1,000", {"sort": "mrn", "page": "1000"}),
        ("audit", "first page (newest first)", {}),
        ("audit", f"deep page ({last_audit:,}, the oldest)", {"page": str(last_audit)}),
        ("audit", "sorted: action, page 100", {"sort": "action", "page": "100"}),
    ]


def _one_query_page(qs: Any, spec: Any, params: dict[str, str]) -> list[Any]:
    """The page read the way a list read it before: the count, then the rows with OFFSET."""
    ordered = qs.order_by(*spec.ordering(params.get("sort") or spec.default_sort))
    ordered.count()
    start = (int(params.get("page", "1")) - 1) * 50
    return list(ordered[start : start + 50])


def _time_cases(actor: Any, *, one_query: bool = False) -> dict[str, float]:
    from kitclinic.pages.audit_trail import AUDIT_LIST, AuditFilter, audit_events_for, audit_page
    from kitclinic.patients.selectors import PATIENT_LIST, patient_list_page, patient_matches

    out = {}
    for lst, label, params in _cases():
        runs = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            if one_query:
                qs, spec = (
                    (patient_matches(actor, ""), PATIENT_LIST)
                    if lst == "patients"
                    else (audit_events_for(actor, AuditFilter()), AUDIT_LIST)
                )
                rows = _one_query_page(qs, spec, params)
            elif lst == "patients":
                rows = patient_list_page(actor, "", params).rows
            else:
                rows = audit_page(actor, AuditFilter(), params).rows
            runs.append((time.perf_counter() - start) * 1000)
            assert len(rows) == 50, (lst, label)
        out[f"{lst}: {label}"] = statistics.median(runs)
    return out


def _measure(database: str) -> dict[str, Any]:
    django_setup(database)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    seeded = _seed()
    from kitclinic.accounts.actor import Actor
    from kitclinic.accounts.models import StaffMembership

    membership = StaffMembership.objects.select_related("user", "clinic").get(
        user_id=seeded["user"]
    )
    actor = Actor(user=membership.user, membership=membership)
    _time_cases(actor)  # warm the caches once
    indexed = _time_cases(actor)
    one_query = _time_cases(actor, one_query=True)
    with connection.cursor() as cursor:
        for name in NEW_INDEXES:
            cursor.execute(f'DROP INDEX "{name}"')
        for statement in OLD_INDEXES:
            cursor.execute(statement)
        cursor.execute("ANALYZE patients_patient")
        cursor.execute("ANALYZE audit_auditevent")
    _time_cases(actor)
    baseline = _time_cases(actor)
    return {**seeded, "indexed": indexed, "one_query": one_query, "baseline": baseline}


def _fresh_database() -> None:
    import psycopg

    from benchdb import PG_SERVER

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
    ensure_database(DATABASE)


def main() -> str:
    _fresh_database()
    result = run_child(__file__, "measure", DATABASE)
    indexed, one_query, baseline = result["indexed"], result["one_query"], result["baseline"]
    rows = [
        f"| {name} | {indexed[name]:.1f} | {one_query[name]:.1f} | "
        f"**{one_query[name] / indexed[name]:.1f}x** | {baseline[name]:.1f} | "
        f"**{baseline[name] / indexed[name]:.1f}x** |"
        for name in indexed
    ]
    first_p = indexed["patients: first page (by name)"]
    deep_p = next(v for k, v in indexed.items() if k.startswith("patients: deep"))
    first_a = indexed["audit: first page (newest first)"]
    deep_a = next(v for k, v in indexed.items() if k.startswith("audit: deep"))
    return (
        "## Lists at 100,000 patients (`bench/lists.py`)\n\n"
        f"PostgreSQL, one organization with {PATIENTS:,} patients and {AUDIT_EVENTS:,} audit "
        f"events (bulk-inserted in {result['patients_s']:.0f} s and {result['audit_s']:.0f} s). "
        "One page read = what a list page asks the database for 50 rows, median of "
        f"{REPEAT} runs after a warm-up, three ways in the same run:\n\n"
        "- **this schema**: `kitclinic.lib.listing` (the count, the page's ids from the sort "
        "order's index, then those rows with their related rows) on the indexes of this schema, "
        "each sort order ending with the id;\n"
        "- **baseline A, one query**: the same indexes, the rows read with OFFSET in one query "
        "(what the lists did before);\n"
        "- **baseline B, indexes before**: `kitclinic.lib.listing` on the indexes the lists had "
        "before (patients: name prefix with pattern operators, date of birth; audit: "
        "organization and time, no id).\n\n"
        "| page | this schema, ms | A: one query, ms | A / this | B: indexes before, ms "
        "| B / this |\n|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n\n"
        f"Deep page / first page with this schema: patients {deep_p / first_p:.1f}x, audit "
        f"trail {deep_a / first_a:.1f}x (an offset still walks the index entries before the "
        "page; the count of every list is part of each figure)."
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "measure":
        print(json.dumps(_measure(sys.argv[2])))
    else:
        print(main())
