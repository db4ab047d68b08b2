"""Web latency: patient search, chart and patient API at 1,000 and 100,000 patients (PostgreSQL).

``main()`` (called by ``bench/run.py web``) makes sure the databases ``kitclinic_bench_small``
(1,000 patients) and ``kitclinic_bench`` (100,000) exist, are migrated and hold the synthetic data
(loaded once with ``bulk_create``; later runs reuse it), then measures each page in a fresh
process with Django's test ``Client``: the whole Django stack (middleware, session, views,
templates, ORM, PostgreSQL on loopback) without an HTTP server or network in front.

Each child process is ``python bench/web.py load|measure DATABASE PATIENTS``; the parent only
talks to PostgreSQL to create the databases, so the two sizes never share a connection or cache.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from typing import Any

from benchdb import django_setup, ensure_database, run_child

DATASETS = [("kitclinic_bench_small", 1_000), ("kitclinic_bench", 100_000)]
SEED = 20261127
REQUESTS = 200  # measured requests per page, after WARMUP unmeasured ones
WARMUP = 20
TARGET_MS = 100.0
BATCH = 5_000
ORG_SLUG = "bench"
NURSE = "bench-nurse"
PHYSICIAN = "bench-physician"

PAGES = [
    ("search", "Patient search page `/patients/?q=`"),
    ("chart", "Patient chart page `/patients/<id>/`"),
    ("api-search", "API search `/api/v1/patients/?q=`"),
    ("api-detail", "API patient `/api/v1/patients/<id>/`"),
]
QUERY_KINDS = ["name prefix", "family, given", "MRN", "date of birth"]

# Beyond the demo's common names, invented syllable names so that a prefix matches a realistic
# share of a large clinic's patients rather than 2 % each.
_SYLLABLES_A = [
    "Ab",
    "Bel",
    "Car",
    "Dor",
    "El",
    "Fen",
    "Gar",
    "Hol",
    "Ing",
    "Jan",
    "Kel",
    "Lor",
    "Mar",
    "Nor",
    "Os",
    "Pel",
    "Quin",
    "Ros",
    "Sal",
    "Tor",
    "Ul",
    "Van",
    "Wes",
    "Yor",
]
_SYLLABLES_B = [
    "ton",
    "ley",
    "man",
    "berg",
    "ford",
    "wood",
    "ski",
    "ez",
    "son",
    "ard",
    "ini",
    "ova",
    "ek",
    "ham",
    "dal",
]


# --------------------------------------------------------------------------------------------
# Child side: Django set up against one database.
# --------------------------------------------------------------------------------------------


def _load(patients: int) -> str:
    """Migrate, then load ``patients`` synthetic patients unless they are already there."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from kitclinic.accounts.models import Clinic, Organization, StaffMembership, User
    from kitclinic.demo import people as demo
    from kitclinic.intake import contraindications
    from kitclinic.patients.models import (
        ELIGIBILITY_OUTCOMES,
        ContraindicationScreen,
        Diagnosis,
        EligibilityDecision,
        Patient,
        TreatmentTrial,
    )

    call_command("migrate", verbosity=0, interactive=False)
    org = Organization.objects.filter(slug=ORG_SLUG).first()
    if org is not None and Patient.objects.filter(organization=org).count() == patients:
        return f"reused {patients} patients"

    started = time.perf_counter()
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()
    invented = [a + b.lower() for a in _SYLLABLES_A for b in _SYLLABLES_B]
    catalogue = [item.code for item in contraindications.CATALOGUE]
    list_version = contraindications.DEFAULT_CONTRAINDICATION_LIST_VERSION
    with transaction.atomic():
        if org is not None:
            raise SystemExit(
                f"database holds a partial bench organization; drop it and run again "
                f"(dropdb -h 127.0.0.1 -U postgres {connection.settings_dict['NAME']})"
            )
        org = Organization.objects.create(
            name="Bench Clinics (synthetic)", slug=ORG_SLUG, is_synthetic=True
        )
        clinic = Clinic.objects.create(
            organization=org, name="Bench Infusion Center", is_synthetic=True
        )
        staff = {}
        for username, role in ((NURSE, "nurse"), (PHYSICIAN, "physician")):
            user = User(username=username, display_name=username, is_synthetic=True)
            user.set_unusable_password()
            user.save()
            StaffMembership.objects.create(user=user, clinic=clinic, role=role)
            staff[role] = user
        nurse, physician = staff["nurse"], staff["physician"]

        for start in range(1, patients + 1, BATCH):
            numbers = range(start, min(start + BATCH, patients + 1))
            rows = []
            for number in numbers:
                family = rng.choice(demo.FAMILY_NAMES if rng.random() < 0.5 else invented)
                given = rng.choice(demo.GIVEN_NAMES)
                depressed = rng.random() < 0.8
                rows.append(
                    Patient(
                        organization=org,
                        home_clinic=clinic,
                        mrn=f"BENCH-{number:06d}",
                        family_name=family,
                        given_name=given,
                        family_name_key=family.lower(),
                        given_name_key=given.lower(),
                        date_of_birth=today - dt.timedelta(days=rng.randint(19 * 365, 78 * 365)),
                        sex_at_birth=rng.choice(["female", "male", "intersex", "unknown"]),
                        phone=f"555-01{rng.randint(0, 99):02d}",
                        episode_onset_date=(
                            today - dt.timedelta(days=rng.randint(60, 2000)) if depressed else None
                        ),
                        episode_severity=(
                            rng.choice(["mild", "moderate", "severe_without_psychosis"])
                            if depressed
                            else ""
                        ),
                        is_synthetic=True,
                    )
                )
            created = Patient.objects.bulk_create(rows, batch_size=BATCH)
            diagnoses, trials, screens = [], [], []
            for patient in created:
                for k, (code, text, _) in enumerate(rng.sample(demo.DIAGNOSES, rng.randint(1, 2))):
                    diagnoses.append(
                        Diagnosis(
                            patient=patient,
                            icd10_code=code,
                            description=text,
                            is_primary=k == 0,
                            recorded_by=nurse,
                            recorded_at=now,
                        )
                    )
                for name, klass, dose in rng.sample(demo.ANTIDEPRESSANTS, rng.randint(0, 5)):
                    weeks = rng.choice([3, 6, 8, 10, 12])
                    trials.append(
                        TreatmentTrial(
                            patient=patient,
                            treatment_name=name,
                            treatment_class=klass,
                            dose_text=dose,
                            weeks=weeks,
                            adequate=weeks >= 6,
                            outcome=rng.choice(
                                ["no_response", "partial_response", "intolerance", "response"]
                            ),
                            current_episode=rng.random() < 0.85,
                            recorded_by=nurse,
                            recorded_at=now,
                        )
                    )
                if rng.random() < 0.6:
                    answers = {code: rng.random() < 0.03 for code in catalogue}
                    screens.append(
                        ContraindicationScreen(
                            patient=patient,
                            answers=answers,
                            list_version=list_version,
                            recorded_by=nurse,
                            recorded_at=now,
                        )
                    )
            Diagnosis.objects.bulk_create(diagnoses, batch_size=BATCH)
            TreatmentTrial.objects.bulk_create(trials, batch_size=BATCH)
            ContraindicationScreen.objects.bulk_create(screens, batch_size=BATCH)
            decisions = []
            for screen in screens:
                if rng.random() < 0.6:
                    outcome = rng.choice(ELIGIBILITY_OUTCOMES)
                    decisions.append(
                        EligibilityDecision(
                            patient_id=screen.patient_id,
                            indication="depression",
                            computed_outcome=outcome,
                            outcome=outcome,
                            reasons=[
                                {
                                    "code": "eligible",
                                    "text": "Synthetic decision",
                                    "rule": "no_finding",
                                    "outcome": outcome,
                                }
                            ],
                            contraindication_list_version=list_version,
                            screen=screen,
                            staging={},
                            signed_by=physician,
                            signed_at=now,
                        )
                    )
            EligibilityDecision.objects.bulk_create(decisions, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return f"loaded {patients} patients in {time.perf_counter() - started:.0f} s"


def _queries(sample: list[Any]) -> list[tuple[str, str]]:
    """(kind, query) pairs, the kinds in turn, as a nurse types them."""
    out = []
    for p in sample:
        out += [
            ("name prefix", p.family_name_key[:3]),
            ("family, given", f"{p.family_name_key}, {p.given_name_key[:2]}"),
            ("MRN", p.mrn),
            ("date of birth", p.date_of_birth.isoformat()),
        ]
    return out


def _measure(patients: int) -> dict[str, Any]:
    from django.test import Client

    from kitclinic.accounts.models import User
    from kitclinic.patients.models import Patient

    rng = random.Random(SEED + 1)
    ids = list(Patient.objects.filter(organization__slug=ORG_SLUG).values_list("id", flat=True))
    if len(ids) != patients:
        raise SystemExit(f"expected {patients} bench patients, found {len(ids)}")
    sample = list(Patient.objects.filter(id__in=rng.sample(ids, 60)))
    queries = _queries(sample)
    chart_ids = rng.sample(ids, REQUESTS + WARMUP)

    # 500s come back as responses (counted as errors) instead of stopping the run.
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=NURSE))
    plans: dict[str, list[tuple[str, str]]] = {
        "search": [(k, f"/patients/?q={q}") for k, q in queries],
        "chart": [("", f"/patients/{i}/") for i in chart_ids],
        "api-search": [(k, f"/api/v1/patients/?q={q}") for k, q in queries],
        "api-detail": [("", f"/api/v1/patients/{i}/") for i in chart_ids],
    }
    results: dict[str, Any] = {"load_before": os.getloadavg()[0]}
    for page, plan in plans.items():
        plan = (plan * (1 + (REQUESTS + WARMUP) // len(plan)))[: REQUESTS + WARMUP]
        try:
            probe = client.get(plan[0][1])
        except Exception as exc:  # noqa: BLE001 - a page under construction must not stop the run
            results[page] = {"unavailable": f"{type(exc).__name__}: {exc}"[:120]}
            continue
        if probe.status_code != 200:
            results[page] = {"unavailable": f"HTTP {probe.status_code} on {plan[0][1]}"}
            continue
        timings: dict[str, list[float]] = {}
        errors = 0
        for n, (kind, url) in enumerate(plan):
            t0 = time.perf_counter()
            response = client.get(url)
            ms = (time.perf_counter() - t0) * 1000
            errors += response.status_code != 200
            if n >= WARMUP:
                timings.setdefault("all", []).append(ms)
                if kind:
                    timings.setdefault(kind, []).append(ms)
        results[page] = {kind: _stats(values) for kind, values in timings.items()}
        results[page]["errors"] = errors
    results["load_after"] = os.getloadavg()[0]
    return results


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p95": statistics.quantiles(values, n=20, method="inclusive")[-1],
    }


def child(argv: list[str]) -> None:
    action, database, patients = argv[0], argv[1], int(argv[2])
    django_setup(database)
    if action == "load":
        print(json.dumps({"load": _load(patients)}))
    else:
        print(json.dumps(_measure(patients)))


# --------------------------------------------------------------------------------------------
# Parent side: create the databases, run the children, write the table.
# --------------------------------------------------------------------------------------------


def main() -> str:
    measured: dict[int, dict[str, Any]] = {}
    notes = []
    for database, patients in DATASETS:
        ensure_database(database)
        notes.append(
            f"`{database}`: " + run_child(__file__, "load", database, str(patients))["load"]
        )
        measured[patients] = run_child(__file__, "measure", database, str(patients))
    return _markdown(measured, notes)


def _markdown(measured: dict[int, dict[str, Any]], notes: list[str]) -> str:
    lines = [
        "## Web pages and patient API (PostgreSQL)",
        "",
        "Django's test `Client` in one process: the full Django stack (middleware, session, view,",
        "template or serializer, ORM) against PostgreSQL on loopback, no HTTP server in front.",
        f"Logged in as a nurse; {WARMUP} warm-up requests per page, then N measured, one at a",
        "time. Searches rotate name prefix (`smi`), `family, gi`, MRN and date of birth over 60",
        "sampled patients; chart and API requests open 200 random patients (every chart view",
        f"writes its audit row). Target: p95 < {TARGET_MS:.0f} ms on this 2-core machine.",
        "",
        "| Page | Patients | N | p50 ms | p95 ms | p95 / target |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    labels = dict(PAGES)
    for page, label in labels.items():
        for patients in sorted(measured):
            result = measured[patients].get(page, {})
            if "unavailable" in result:
                lines.append(
                    f"| {label} | {patients:,} | – | not available | "
                    f"({result['unavailable']}) | – |"
                )
                continue
            kinds = ["all"] + [k for k in QUERY_KINDS if k in result]
            for kind in kinds:
                s = result[kind]
                name = label if kind == "all" else f"&nbsp;&nbsp;↳ {kind}"
                errors = (
                    f" ({result['errors']} non-200)" if kind == "all" and result["errors"] else ""
                )
                lines.append(
                    f"| {name}{errors} | {patients:,} | {s['n']} | {s['p50']:.1f} | "
                    f"{s['p95']:.1f} | {s['p95'] / TARGET_MS:.2f} |"
                )
    loads = ", ".join(
        f"{p:,} patients {m['load_before']:.1f} → {m['load_after']:.1f}"
        for p, m in measured.items()
    )
    lines += [
        "",
        "Data: " + "; ".join(notes) + ".",
        f"One-minute load average before → after measuring (2 cores): {loads}. A load above 2",
        "means other processes shared the CPUs and the figures are pessimistic.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1:])
    else:
        print(main())
