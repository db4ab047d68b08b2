"""FHIR bulk export at 1,000 / 5,000 / 10,000 patients (PostgreSQL): throughput and peak memory.

``main()`` (``bench/run.py fhir``) makes sure the database ``kitclinic_bench_fhir`` exists, is
migrated and holds 10,000 synthetic patients of one organization (loaded once with
``bulk_create``, reused later): each with a primary diagnosis, a course of two infusion sessions
and two PHQ-9 ratings with their answers, so six resources per patient. Then, in a fresh
process, for the first 1,000, 5,000 and all 10,000 patients (by MRN), two ways in the same run:

- **bulk export**: ``interop.export.write_ndjson``, what the bulk export's task runs (batches of
  200 patients, each resource written to its type's NDJSON file as it is built);
- **baseline, all at once**: the same resources built into one list first, then written (what
  an export that loads everything before writing holds), at 1,000 and 5,000 patients only.

Each runs once under ``tracemalloc``: its time (resources per second, slowed alike by the tracing)
and the peak of the memory Python allocated during the export.

Each child process is ``python bench/fhirbulk.py load|measure`` (not ``fhir.py``: that name
would hide the ``fhir`` package).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchdb import django_setup, ensure_database, run_child

DATABASE = "kitclinic_bench_fhir"
PATIENTS = 10_000
SIZES = (1_000, 5_000, 10_000)
# The baseline holds every resource at once and grows with the patients: two sizes show it, and
# keep the benchmark near ten minutes (tracing slows the export about threefold).
BASELINE_SIZES = (1_000, 5_000)
SESSIONS = 2
RATINGS = 2
SEED = 20261207
BATCH = 2_000
ORG_SLUG = "bench-fhir"
PHQ9_ITEMS = 9


def _load() -> str:
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction

    from kitclinic.accounts.models import Clinic, Organization, StaffMembership, User
    from kitclinic.assessments.models import Assessment
    from kitclinic.infusions.models import Appointment, Chair, InfusionSession, TreatmentCourse
    from kitclinic.infusions.services.library import library_install_default
    from kitclinic.patients.models import Diagnosis, Patient

    call_command("migrate", verbosity=0, interactive=False)
    org = Organization.objects.filter(slug=ORG_SLUG).first()
    if org is not None and Patient.objects.filter(organization=org).count() == PATIENTS:
        return f"reused {PATIENTS:,} patients"
    if org is not None:
        raise SystemExit(f"partial bench data: dropdb -h 127.0.0.1 -U postgres {DATABASE}")
    started = time.perf_counter()
    rng = random.Random(SEED)
    t0 = dt.datetime(2025, 1, 6, 9, tzinfo=dt.UTC)
    with transaction.atomic():
        org = Organization.objects.create(name="Bench FHIR (synthetic)", slug=ORG_SLUG)
        clinic = Clinic.objects.create(organization=org, name="Bench FHIR Center")
        doctor = User(username="bench-fhir-physician", is_synthetic=True)
        doctor.set_unusable_password()
        doctor.save()
        StaffMembership.objects.create(user=doctor, clinic=clinic, role="physician")
        library = library_install_default(organization_id=org.pk)
        chair = Chair.objects.create(clinic=clinic, name="Bench chair")
    for start in range(0, PATIENTS, BATCH):
        n = min(BATCH, PATIENTS - start)
        with transaction.atomic():
            patients = Patient.objects.bulk_create(
                [
                    Patient(
                        organization=org,
                        home_clinic=clinic,
                        mrn=f"BF-{start + i:06d}",
                        family_name="Bench",
                        given_name=f"P{start + i}",
                        family_name_key="bench",
                        given_name_key=f"p{start + i}",
                        date_of_birth=dt.date(1960, 1, 1)
                        + dt.timedelta(days=rng.randint(0, 15000)),
                        sex_at_birth=rng.choice(["female", "male"]),
                        is_synthetic=True,
                    )
                    for i in range(n)
                ]
            )
            begins = [t0 + dt.timedelta(days=rng.randint(0, 600)) for _ in patients]
            Diagnosis.objects.bulk_create(
                [
                    Diagnosis(
                        patient=p,
                        icd10_code="F33.2",
                        description="Major depressive disorder, recurrent severe",
                        is_primary=True,
                        recorded_by=doctor,
                        recorded_at=b - dt.timedelta(days=14),
                    )
                    for p, b in zip(patients, begins, strict=True)
                ]
            )
            courses = TreatmentCourse.objects.bulk_create(
                [
                    TreatmentCourse(
                        patient=p,
                        clinic=clinic,
                        indication="depression",
                        library_version=library,
                        protocol_id="standard",
                        planned_infusions=SESSIONS,
                        status="completed",
                        planned_by=doctor,
                        planned_at=b - dt.timedelta(days=7),
                        status_changed_at=b + dt.timedelta(days=10),
                    )
                    for p, b in zip(patients, begins, strict=True)
                ]
            )
            appointments = Appointment.objects.bulk_create(
                [
                    Appointment(
                        course=c,
                        patient=c.patient,
                        clinic=clinic,
                        chair=chair,
                        starts_at=b + dt.timedelta(days=3 * k),
                        ends_at=b + dt.timedelta(days=3 * k, hours=2),
                        infusion_minutes=40,
                        recovery_minutes=60,
                        booked_by=doctor,
                        booked_at=b - dt.timedelta(days=7),
                    )
                    for c, b in zip(courses, begins, strict=True)
                    for k in range(SESSIONS)
                ]
            )
            InfusionSession.objects.bulk_create(
                [
                    InfusionSession(
                        appointment=a,
                        course=a.course,
                        patient=a.patient,
                        clinic=clinic,
                        number=(i % SESSIONS) + 1,
                        state="discharged",
                        started_at=a.starts_at,
                        ended_at=a.starts_at + dt.timedelta(minutes=40),
                        created_at=a.booked_at,
                    )
                    for i, a in enumerate(appointments)
                ]
            )
            now = dt.datetime.now(dt.UTC)
            ratings = []
            for p, b in zip(patients, begins, strict=True):
                for k in range(RATINGS):
                    answers = [rng.randint(0, 3) for _ in range(PHQ9_ITEMS)]
                    ratings.append(
                        Assessment(
                            patient=p,
                            clinic=clinic,
                            instrument="phq9",
                            answers=answers,
                            administered_at=b + dt.timedelta(days=4 * k, hours=-2),
                            mode="in_clinic",
                            total=Decimal(sum(answers)),
                            recorded_at=now,
                        )
                    )
            Assessment.objects.bulk_create(ratings)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return f"loaded {PATIENTS:,} patients in {time.perf_counter() - started:.0f} s"


def _all_at_once(organization: Any, patient_ids: list[int], folder: Path) -> Counter[str]:
    """The baseline: every resource built into one list, then written."""
    from kitclinic.interop import export
    from kitclinic.interop.patient_resources import RecordExporter

    exporter = RecordExporter(organization)
    resources = list(export._resources(exporter, patient_ids))
    counts: Counter[str] = Counter()
    files: dict[str, Any] = {}
    try:
        for r in resources:
            kind = r.get_resource_type()
            if kind not in files:
                files[kind] = (folder / f"{kind}.ndjson").open("w", encoding="utf-8")
            files[kind].write(r.model_dump_json(exclude_none=True) + "\n")
            counts[kind] += 1
    finally:
        for f in files.values():
            f.close()
    return counts


def _run(
    way: Callable[[Any, list[int], Path], Counter[str]], org: Any, ids: list[int]
) -> tuple[float, int, int]:
    """Seconds, resources written and the peak of Python's allocations in bytes."""
    with tempfile.TemporaryDirectory() as folder:
        tracemalloc.start()
        t = time.perf_counter()
        counts = way(org, ids, Path(folder))
        seconds = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return seconds, sum(counts.values()), peak


def _measure() -> dict[str, Any]:
    from kitclinic.accounts.models import Organization
    from kitclinic.interop.export import patient_ids_changed_since, write_ndjson

    org = Organization.objects.get(slug=ORG_SLUG)
    ids = patient_ids_changed_since(org, None)
    assert len(ids) == PATIENTS
    ways: dict[str, Callable[[Any, list[int], Path], Counter[str]]] = {
        "bulk": lambda o, i, f: write_ndjson(o, i, f),
        "baseline": _all_at_once,
    }
    _run(ways["bulk"], org, ids[:200])  # warm: imports, caches
    out: dict[str, Any] = {}
    for size in SIZES:
        for name, way in ways.items():
            if name == "baseline" and size not in BASELINE_SIZES:
                continue
            seconds, resources, peak = _run(way, org, ids[:size])
            out[f"{name}:{size}"] = {"seconds": seconds, "resources": resources, "peak": peak}
    return out


def main() -> str:
    ensure_database(DATABASE)
    loaded = run_child(__file__, "load")["message"]
    result = run_child(__file__, "measure")
    rows = []
    for size in SIZES:
        bulk = result[f"bulk:{size}"]
        row = (
            f"| {size:,} | {bulk['resources']:,} | "
            f"{bulk['resources'] / bulk['seconds']:,.0f} | {bulk['peak'] / 2**20:.1f} | "
        )
        base = result.get(f"baseline:{size}")
        if base is None:
            rows.append(row + "not run | not run | – |")
            continue
        assert bulk["resources"] == base["resources"]
        rows.append(
            row + f"{base['resources'] / base['seconds']:,.0f} | {base['peak'] / 2**20:.1f} | "
            f"**{base['peak'] / bulk['peak']:.1f}x** |"
        )
    small, large = result[f"bulk:{SIZES[0]}"], result[f"bulk:{SIZES[-1]}"]
    base_small = result[f"baseline:{BASELINE_SIZES[0]}"]
    base_large = result[f"baseline:{BASELINE_SIZES[-1]}"]
    return (
        "## FHIR bulk export at 10,000 patients (`bench/fhirbulk.py`)\n\n"
        f"PostgreSQL, one organization of {PATIENTS:,} synthetic patients ({loaded}), each "
        f"with a primary diagnosis, {SESSIONS} infusion sessions and {RATINGS} PHQ-9 "
        "ratings with their answers: six resources a patient (Patient, Condition, "
        "Encounter, Observation). The first 1,000, 5,000 and 10,000 patients by MRN exported "
        "two ways in the same run, each once under `tracemalloc` (its time, slowed alike for "
        "both ways by the tracing, and the peak of Python's allocations):\n\n"
        "- **bulk export**: `interop.export.write_ndjson`, what the `$export` task runs "
        "(batches of 200 patients, each resource written to its NDJSON file as it is built);\n"
        "- **baseline, all at once**: the same resources built into one list, then written "
        f"(at {' and '.join(f'{n:,}' for n in BASELINE_SIZES)} patients).\n\n"
        "| patients | resources | bulk: resources/s | bulk: peak MiB | baseline: resources/s "
        "| baseline: peak MiB | baseline / bulk peak |\n|---:|---:|---:|---:|---:|---:|---:|\n"
        + "\n".join(rows)
        + "\n\n"
        f"From {SIZES[0]:,} to {SIZES[-1]:,} patients the bulk export's peak goes from "
        f"{small['peak'] / 2**20:.1f} to {large['peak'] / 2**20:.1f} MiB "
        f"({large['peak'] / small['peak']:.1f}x for {SIZES[-1] // SIZES[0]}x the patients); "
        f"the baseline's from {base_small['peak'] / 2**20:.1f} MiB at {BASELINE_SIZES[0]:,} to "
        f"{base_large['peak'] / 2**20:.1f} MiB at {BASELINE_SIZES[-1]:,} patients "
        f"({base_large['peak'] / base_small['peak']:.1f}x; it is not run at "
        f"{SIZES[-1]:,}, which would add minutes to show the same growth)."
    )


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "load":
        django_setup(DATABASE)
        print(json.dumps({"message": _load()}))
    elif len(sys.argv) == 2 and sys.argv[1] == "measure":
        django_setup(DATABASE)
        print(json.dumps(_measure()))
    else:
        print(main())
