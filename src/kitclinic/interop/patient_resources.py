"""One patient's records as FHIR R4 resources: the reads behind every export door (the
command line, the REST read and search, ``$everything`` and the bulk export).

Reads the patient's records (prefetched by the caller, ``export.EXPORT_PREFETCH``) and hands plain
values to ``mapping``, which builds and validates every resource. The delivered dose of an
infusion is the pump replay's (``infusions/delivery.py``), never recomputed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from fhir.resources.R4B.resource import Resource

from kitclinic.accounts.models import Organization, User
from kitclinic.assessments.models import Mode
from kitclinic.infusions.delivery import session_delivery
from kitclinic.infusions.models import InfusionSession
from kitclinic.instruments.model import UnknownInstrumentError
from kitclinic.instruments.registry import get_instrument
from kitclinic.interop import codes, mapping
from kitclinic.outcomes.labs import ANALYTE_CODES
from kitclinic.patients.models import Patient


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


class RecordExporter:
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
