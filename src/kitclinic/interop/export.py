"""An organization's records as FHIR R4: the reads behind ``kitclinic fhir export``.

Reads the organization's patients in batches, each patient's records built into resources by
``patient_resources.RecordExporter``. Writes a Bundle of type ``collection`` (one file) or
NDJSON (one file per resource type, in a folder), and records one audit event per export naming
the patients exported.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

from kitclinic.accounts.models import Organization
from kitclinic.assessments.models import Assessment
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.consent.models import ConsentRecord
from kitclinic.infusions.models import AdverseEvent, InfusionSession, SessionScore, VitalSign
from kitclinic.interop import mapping
from kitclinic.interop.patient_resources import RecordExporter
from kitclinic.outcomes.models import LabResult
from kitclinic.patients.models import Allergy, Diagnosis, Patient, TreatmentTrial


class ExportError(ValueError):
    """A request the export refuses; ``argument`` names the option at fault."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


class ExportFailed(RuntimeError):
    """A record that cannot be written as valid FHIR R4; nothing of the export is left."""


@dataclass
class ExportSummary:
    output: Path
    patients: int = 0
    resources: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "output": str(self.output),
            "patients": self.patients,
            "resources": dict(sorted(self.resources.items())),
        }


# Every record ``RecordExporter`` reads, fetched per batch of patients in a fixed number of queries
# (in the export's order); a batch bounds the memory an NDJSON export holds at once.
EXPORT_PREFETCH = (
    Prefetch("diagnoses", Diagnosis.objects.order_by("recorded_at", "pk")),
    Prefetch("trials", TreatmentTrial.objects.order_by("recorded_at", "pk")),
    Prefetch("allergies", Allergy.objects.order_by("recorded_at", "pk")),
    Prefetch("assessments", Assessment.objects.order_by("administered_at", "pk")),
    Prefetch("lab_results", LabResult.objects.order_by("collected_at", "pk")),
    Prefetch(
        "consent_records",
        ConsentRecord.objects.select_related("sheet_version").order_by("signed_at", "pk"),
    ),
    Prefetch(
        "infusion_sessions",
        InfusionSession.objects.select_related(
            "appointment", "signed_by", "check_in", "discharge", "order"
        ).order_by("created_at", "pk"),
    ),
    Prefetch("infusion_sessions__vitals", VitalSign.objects.order_by("taken_at", "pk")),
    Prefetch("infusion_sessions__scores", SessionScore.objects.order_by("taken_at", "pk")),
    "infusion_sessions__events",
    Prefetch(
        "infusion_sessions__adverse_events",
        AdverseEvent.objects.order_by("occurred_at", "pk"),
    ),
)
PATIENT_BATCH = 200

# Every resource type the export writes (``RecordExporter``): what a bulk export's ``_type`` may ask.
EXPORT_TYPES = frozenset(
    {
        "AdverseEvent",
        "AllergyIntolerance",
        "Condition",
        "Consent",
        "Encounter",
        "MedicationAdministration",
        "MedicationStatement",
        "Observation",
        "Patient",
        "Practitioner",
        "Procedure",
        "Provenance",
        "QuestionnaireResponse",
    }
)


def patient_ids_changed_since(organization: Organization, since: dt.datetime | None) -> list[int]:
    """The organization's patients in the export's order (MRN): all of them, or with ``since``
    those with a change after it that the export shows: registration or demographics, a
    diagnosis, trial, rating, laboratory result or consent recorded, an infusion session
    created, started, ended or signed, an allergy recorded or its status changed. Records carry no last-updated time of their own, so a
    patient is exported whole: a superset of what changed, never less."""
    qs = Patient.objects.filter(organization=organization)
    if since is not None:
        sessions = InfusionSession.objects.filter(patient=OuterRef("pk")).filter(
            Q(created_at__gt=since)
            | Q(started_at__gt=since)
            | Q(ended_at__gt=since)
            | Q(signed_at__gt=since)
        )
        qs = qs.filter(
            Q(updated_at__gt=since)
            | Exists(Diagnosis.objects.filter(patient=OuterRef("pk"), recorded_at__gt=since))
            | Exists(
                Allergy.objects.filter(patient=OuterRef("pk")).filter(
                    Q(recorded_at__gt=since) | Q(status_changed_at__gt=since)
                )
            )
            | Exists(TreatmentTrial.objects.filter(patient=OuterRef("pk"), recorded_at__gt=since))
            | Exists(Assessment.objects.filter(patient=OuterRef("pk"), recorded_at__gt=since))
            | Exists(LabResult.objects.filter(patient=OuterRef("pk"), recorded_at__gt=since))
            | Exists(ConsentRecord.objects.filter(patient=OuterRef("pk"), recorded_at__gt=since))
            | Exists(sessions)
        )
    return list(qs.order_by("mrn", "pk").values_list("pk", flat=True))


def _patients(organization: Organization, mrn: str | None) -> list[Patient]:
    qs = Patient.objects.filter(organization=organization).order_by("mrn", "pk")
    if mrn is not None:
        found = list(qs.filter(mrn=mrn))
        if not found:
            raise ExportError("--mrn", f"no patient with MRN {mrn} in {organization.slug}")
        return found
    return list(qs)


def organization_by_slug(slug: str) -> Organization:
    try:
        return Organization.objects.get(slug=slug)
    except Organization.DoesNotExist:
        raise ExportError("--organization", f"no organization with slug {slug!r}") from None


def fhir_base_url() -> str:
    return str(settings.KITCLINIC_FHIR_BASE_URL).rstrip("/")


def _dump(resource: Resource) -> str:
    return resource.model_dump_json(exclude_none=True)


def _resources(
    exporter: RecordExporter, pks: Sequence[int], progress: Callable[[int], None] | None = None
) -> Iterator[Resource]:
    """The resources of the patients ``pks`` (in that order), then the staff they name;
    ``progress(done)`` is called after each batch with the number of patients written."""
    for start in range(0, len(pks), PATIENT_BATCH):
        # Fresh rows per batch, so a batch's records are let go once it is written.
        chunk = pks[start : start + PATIENT_BATCH]
        batch = Patient.objects.filter(pk__in=chunk)
        for p in batch.order_by("mrn", "pk").prefetch_related(*EXPORT_PREFETCH):
            yield from exporter.patient(p)
        if progress is not None:
            progress(start + len(chunk))
    yield from exporter.practitioners()


def patient_resources(organization: Organization, patients: Iterable[Patient]) -> list[Resource]:
    """The Patient resource of each of ``patients`` (of ``organization``), nothing else: the
    rows as given, no further query."""
    exporter = RecordExporter(organization)
    return [exporter.patient_resource(p) for p in patients]


def patient_everything(organization: Organization, patient: Patient) -> list[Resource]:
    """Everything the export writes for one patient (``kitclinic fhir export --mrn``), in the
    export's order: the patient, their records, the staff their signatures name. A fixed
    number of queries. Not audited here: the caller records the read."""
    return list(_resources(RecordExporter(organization), [patient.pk]))


def export_bundle(
    organization: Organization, patients: list[Patient], out: IO[str]
) -> Counter[str]:
    """Write one Bundle of type collection; return the count of each resource type."""
    exporter = RecordExporter(organization)
    base = fhir_base_url()
    resources = list(_resources(exporter, [p.pk for p in patients]))
    entries = [
        {"fullUrl": f"{base}/{r.get_resource_type()}/{r.id}", "resource": r} for r in resources
    ]
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": mapping.instant(timezone.now()),
            "entry": entries,
        }
    )
    out.write(bundle.model_dump_json(exclude_none=True, indent=2))
    out.write("\n")
    return Counter(r.get_resource_type() for r in resources)


def export_ndjson(
    organization: Organization, patients: list[Patient], folder: Path
) -> Counter[str]:
    """Write ``<ResourceType>.ndjson`` files in ``folder``, one resource per line, streamed so
    memory does not grow with the number of patients."""
    return write_ndjson(organization, [p.pk for p in patients], folder)


def write_ndjson(
    organization: Organization,
    patient_ids: Sequence[int],
    folder: Path,
    *,
    types: Collection[str] = (),
    progress: Callable[[int], None] | None = None,
) -> Counter[str]:
    """``export_ndjson`` of the patients ``patient_ids`` (sorted by MRN within each batch),
    only the resource types ``types`` (all when empty), calling ``progress`` after each batch
    (the bulk export's progress and cancellation)."""
    exporter = RecordExporter(organization)
    files: dict[str, IO[str]] = {}
    counts: Counter[str] = Counter()
    wanted = frozenset(types)
    try:
        for r in _resources(exporter, patient_ids, progress):
            kind = r.get_resource_type()
            if wanted and kind not in wanted:
                continue
            if kind not in files:
                files[kind] = (folder / f"{kind}.ndjson").open("w", encoding="utf-8")
            files[kind].write(_dump(r) + "\n")
            counts[kind] += 1
    finally:
        for f in files.values():
            f.close()
    return counts


def fhir_export(
    *,
    organization_slug: str,
    mrn: str | None,
    output: Path,
    ndjson: bool,
    requested_by: str,
) -> ExportSummary:
    """Export one patient (``mrn``) or every patient (``mrn`` None) of an organization to
    ``output`` (a file; a folder for NDJSON), and audit it. Raises ``ExportError``."""
    organization = organization_by_slug(organization_slug)
    if ndjson:
        if output.exists() and (not output.is_dir() or any(output.iterdir())):
            raise ExportError("--output", f"{output} must be a new or empty folder for --ndjson")
    elif output.exists() and output.is_dir():
        raise ExportError("--output", f"{output} is a folder; give a file name for the Bundle")
    elif not output.parent.is_dir():
        raise ExportError("--output", f"folder {output.parent} does not exist")
    patients = _patients(organization, mrn)
    summary = ExportSummary(output=output, patients=len(patients))
    made_folder = ndjson and not output.exists()
    partial = output.with_name(f".{output.name}.partial")
    try:
        # One read snapshot for the whole export, and its audit event with it.
        with transaction.atomic():
            if ndjson:
                output.mkdir(exist_ok=True)
                summary.resources = export_ndjson(organization, patients, output)
            else:
                with partial.open("w", encoding="utf-8") as out:
                    summary.resources = export_bundle(organization, patients, out)
                partial.replace(output)
            audit_record(
                actor=None,
                action=AuditAction.EXPORT,
                patient=patients[0] if len(patients) == 1 else None,
                organization_id=organization.pk,
                object_type="fhir export",
                changes={
                    "patients": [p.mrn for p in patients],
                    "format": "ndjson" if ndjson else "bundle",
                    "resources": dict(sorted(summary.resources.items())),
                },
                detail=f"FHIR export of {len(patients)} patient(s) by {requested_by} to {output}",
            )
    except BaseException as exc:
        # Nothing is left half-written: the partial Bundle, or the NDJSON files of this export.
        partial.unlink(missing_ok=True)
        if ndjson and output.is_dir():
            for path in output.glob("*.ndjson"):
                path.unlink()
            if made_folder:
                output.rmdir()
        if isinstance(exc, ValueError):  # a record the FHIR model refuses (pydantic)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[:3]
            raise ExportFailed("; ".join(line.strip() for line in first)) from exc
        raise
    return summary
