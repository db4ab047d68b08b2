"""An organization's records as FHIR R4: the reads behind ``kitclinic fhir export``.

Reads each patient's records of one organization and hands plain values to ``mapping``,
which builds and validates every resource. Writes a Bundle of type ``collection`` (one file) or
NDJSON (one file per resource type, in a folder), and records one audit event per export naming
the patients exported. The delivered dose of an infusion is the pump replay's
(``infusions/delivery.py``), never recomputed here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

from kitclinic.accounts.models import Organization, User
from kitclinic.assessments.models import Assessment, Mode
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.consent.models import ConsentRecord
from kitclinic.infusions.delivery import session_delivery
from kitclinic.infusions.models import AdverseEvent, InfusionSession, SessionScore, VitalSign
from kitclinic.instruments.model import UnknownInstrumentError
from kitclinic.instruments.registry import get_instrument
from kitclinic.interop import codes, mapping
from kitclinic.outcomes.labs import ANALYTE_CODES
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


def score_code(instrument_id: str) -> mapping.ScoreCode:
    """How a rating scale's total is coded: its LOINC total, else kitclinic's own code."""
    try:
        inst = get_instrument(instrument_id)
    except UnknownInstrumentError:
        return mapping.ScoreCode(codes.LOCAL_INSTRUMENT, instrument_id, instrument_id)
    if inst.loinc is not None and inst.loinc.total:
        return mapping.ScoreCode(
            codes.LOINC,
            inst.loinc.total,
            f"{inst.name} total score",
            tuple(item.loinc for item in inst.items),
            inst.licence.item_text_allowed,
        )
    return mapping.ScoreCode(codes.LOCAL_INSTRUMENT, inst.id, f"{inst.name} total score")


def _answers(raw: Any) -> list[int | None]:
    return [a if isinstance(a, int) else None for a in (raw or [])]


class _Exporter:
    """Builds one patient's resources at a time; remembers the staff they name."""

    def __init__(self, organization: Organization) -> None:
        self.org = organization
        self.mrn_system = codes.mrn_system(organization.slug)
        self.staff: dict[int, User] = {}

    def practitioner_id(self, user: User) -> str:
        self.staff[user.pk] = user
        return f"pr-{user.pk}"

    def practitioners(self) -> Iterator[Resource]:
        system = codes.local_id_system(self.org.slug, "staff")
        for user in self.staff.values():
            yield mapping.practitioner(
                id=f"pr-{user.pk}",
                name=user.display_name or user.get_full_name() or user.username,
                username=user.username,
                identifier_system=system,
                synthetic=user.is_synthetic,
            )

    def patient_resource(self, p: Patient) -> Resource:
        return mapping.patient(
            id=f"p-{p.pk}",
            mrn=p.mrn,
            mrn_system=self.mrn_system,
            family=p.family_name,
            given=p.given_name,
            birth_date=p.date_of_birth,
            sex_at_birth=p.sex_at_birth,
            phone=p.phone,
            email=p.email,
            synthetic=p.is_synthetic,
        )

    def patient(self, p: Patient) -> Iterator[Resource]:
        pid = f"p-{p.pk}"
        syn = p.is_synthetic
        yield self.patient_resource(p)
        for d in p.diagnoses.all():
            yield mapping.condition(
                id=f"cond-{d.pk}",
                patient_id=pid,
                icd10_code=d.icd10_code,
                description=d.description,
                primary=d.is_primary,
                recorded_at=d.recorded_at,
                synthetic=syn,
            )
        for al in p.allergies.all():
            yield mapping.allergy_intolerance(
                id=f"allergy-{al.pk}",
                patient_id=pid,
                substance=al.substance,
                category=al.category,
                criticality=al.criticality,
                reaction=al.reaction,
                code_system=al.code_system,
                code=al.code,
                status=al.status,
                recorded_at=al.recorded_at,
                synthetic=syn,
            )
        for t in p.trials.all():
            yield mapping.prior_trial(
                id=f"trial-{t.pk}",
                patient_id=pid,
                treatment_name=t.treatment_name,
                treatment_class=t.treatment_class,
                treatment_class_label=t.get_treatment_class_display(),
                dose_text=t.dose_text,
                weeks=t.weeks,
                adequate=t.adequate,
                outcome=t.outcome,
                outcome_label=t.get_outcome_display(),
                current_episode=t.current_episode,
                notes=t.notes,
                recorded_at=t.recorded_at,
                synthetic=syn,
            )
        for a in p.assessments.all():
            code = score_code(a.instrument)
            response_id = None
            if a.mode in (Mode.SELF_REPORT, Mode.KIOSK):
                response_id = f"qr-{a.pk}"
                yield mapping.questionnaire_response(
                    id=response_id,
                    patient_id=pid,
                    instrument_id=a.instrument,
                    item_codes=code.item_codes,
                    answers=_answers(a.answers),
                    authored=a.administered_at,
                    synthetic=syn,
                )
            yield mapping.score_observation(
                id=f"rating-{a.pk}",
                patient_id=pid,
                code=code,
                total=a.total,
                answers=_answers(a.answers),
                effective=a.administered_at,
                derived_from=response_id,
                synthetic=syn,
            )
        for lab in p.lab_results.all():
            analyte = ANALYTE_CODES.get(lab.analyte)
            yield mapping.lab_observation(
                id=f"lab-{lab.pk}",
                patient_id=pid,
                loinc_code=lab.loinc_code,
                display=analyte.description if analyte else lab.get_analyte_display(),
                value=lab.value,
                unit=lab.unit,
                collected_at=lab.collected_at,
                synthetic=syn,
            )
        for rec in p.consent_records.all():
            sheet = rec.sheet_version
            cid = f"consent-{rec.pk}"
            yield mapping.consent(
                id=cid,
                patient_id=pid,
                signed_at=rec.signed_at,
                sheet_uri=codes.local_id_system(
                    self.org.slug, f"information-sheet:{sheet.indication}:{sheet.version}"
                ),
                sheet_title=(
                    f"Patient information sheet, {sheet.get_indication_display()}, "
                    f"version {sheet.version}"
                ),
                method=rec.method,
                synthetic=syn,
            )
            yield mapping.signature_provenance(
                id=f"prov-consent-{rec.pk}",
                targets=[("Consent", cid)],
                signed_at=rec.signed_at,
                signer=("Patient", pid),
                synthetic=syn,
            )
        for s in p.infusion_sessions.all():
            yield from self.session(s, pid, syn)

    def session(self, s: InfusionSession, pid: str, syn: bool) -> Iterator[Resource]:
        eid = f"enc-{s.pk}"
        start = s.started_at
        if start is None and s.state == "scheduled":
            start = s.appointment.starts_at
        yield mapping.encounter(
            id=eid,
            patient_id=pid,
            state=s.state,
            number=s.number,
            start=start,
            end=s.ended_at,
            synthetic=syn,
        )
        check_in = _one(s, "check_in")
        if check_in is not None:
            yield mapping.body_weight(
                id=f"weight-{check_in.pk}",
                patient_id=pid,
                encounter_id=eid,
                measured_at=check_in.checked_in_at,
                weight_kg=check_in.weight_kg,
                synthetic=syn,
            )
        for v in s.vitals.all():
            yield from mapping.vital_signs(
                id_prefix=f"vitals-{v.pk}",
                patient_id=pid,
                encounter_id=eid,
                taken_at=v.taken_at,
                sbp=v.sbp,
                dbp=v.dbp,
                hr=v.hr,
                rr=v.rr,
                spo2=v.spo2,
                synthetic=syn,
            )
        # Ratings taken in the session that are not already an assessment of the patient.
        for sc in (sc for sc in s.scores.all() if sc.assessment_id is None):
            yield mapping.score_observation(
                id=f"session-rating-{sc.pk}",
                patient_id=pid,
                code=score_code(sc.instrument),
                total=sc.total,
                answers=_answers(sc.answers),
                effective=sc.taken_at,
                encounter_id=eid,
                synthetic=syn,
            )
        discharge = _one(s, "discharge")
        if discharge is not None:
            yield mapping.score_observation(
                id=f"aldrete-{discharge.pk}",
                patient_id=pid,
                code=score_code("aldrete"),
                total=discharge.aldrete_total,
                answers=_answers(discharge.aldrete_answers),
                effective=discharge.discharged_at,
                encounter_id=eid,
                synthetic=syn,
            )
        order = _one(s, "order")
        administration_id = None
        if order is not None and s.started_at is not None:
            delivery = session_delivery(order, s.events.all(), until=timezone.now())
            administration_id = f"ma-{s.pk}"
            yield mapping.medication_administration(
                id=administration_id,
                patient_id=pid,
                encounter_id=eid,
                running=delivery.running,
                ordered_mg=order.dose_mg,
                delivered_mg=delivery.delivered_mg,
                rate_mg_per_h=order.rate_mg_per_h,
                start=delivery.started_at or s.started_at,
                end=delivery.ended_at if not delivery.running else None,
                synthetic=syn,
            )
        for ae in s.adverse_events.all():
            rescue = " ".join(x for x in (ae.rescue_medication, ae.rescue_dose) if x)
            yield mapping.adverse_event(
                id=f"ae-{ae.pk}",
                patient_id=pid,
                encounter_id=eid,
                administration_id=administration_id,
                occurred_at=ae.occurred_at,
                description=ae.description,
                severity=ae.severity,
                action_taken=ae.action_taken,
                rescue=rescue,
                synthetic=syn,
            )
        if s.signed_by is not None and s.signed_at is not None:
            targets = [("Encounter", eid)]
            if administration_id:
                targets.append(("MedicationAdministration", administration_id))
            yield mapping.signature_provenance(
                id=f"prov-session-{s.pk}",
                targets=targets,
                signed_at=s.signed_at,
                signer=("Practitioner", self.practitioner_id(s.signed_by)),
                synthetic=syn,
            )


def _one(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


# Every record ``_Exporter`` reads, fetched per batch of patients in a fixed number of queries
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

# Every resource type the export writes (``_Exporter``): what a bulk export's ``_type`` may ask.
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
    exporter: _Exporter, pks: Sequence[int], progress: Callable[[int], None] | None = None
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
    exporter = _Exporter(organization)
    return [exporter.patient_resource(p) for p in patients]


def patient_everything(organization: Organization, patient: Patient) -> list[Resource]:
    """Everything the export writes for one patient (``kitclinic fhir export --mrn``), in the
    export's order: the patient, their records, the staff their signatures name. A fixed
    number of queries. Not audited here: the caller records the read."""
    return list(_resources(_Exporter(organization), [patient.pk]))


def export_bundle(
    organization: Organization, patients: list[Patient], out: IO[str]
) -> Counter[str]:
    """Write one Bundle of type collection; return the count of each resource type."""
    exporter = _Exporter(organization)
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
    exporter = _Exporter(organization)
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
