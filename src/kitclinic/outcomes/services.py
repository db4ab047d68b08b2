"""Writes of the outcomes app: lab results, information-sheet versions, consent, and the audit
events of exports. Each checks its rules, writes and audits in one transaction; bad input raises
ValidationError naming the field and writes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.reads import read_covered
from kitclinic.audit.services import audit_record, snapshot
from kitclinic.consent.models import InfoSheetVersion
from kitclinic.outcomes.evidence.version import EVIDENCE_VERSION
from kitclinic.outcomes.labs import ANALYTE_CODES, UNIT_MISSING_FROM_REFERENCE, configured_unit
from kitclinic.outcomes.models import LabResult
from kitclinic.patients.models import INDICATIONS, Patient

LAB_FIELDS = ("patient", "analyte", "loinc_code", "value", "unit", "collected_at")


def _same_organization(actor: Actor, patient: Patient) -> None:
    if patient.organization_id != actor.organization_id:
        raise ValidationError({"patient": "This patient belongs to another organization."})


def _places(amount: Decimal) -> int:
    """Digits after the decimal point of a finite ``amount``."""
    exponent = amount.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def lab_result_record(
    *,
    actor: Actor,
    patient: Patient,
    analyte: str,
    value: Decimal | str | float,
    unit: str,
    collected_at: dt.datetime,
) -> LabResult:
    """Record one inflammatory-marker result. The LOINC code comes from the analyte
    ([loinc] gives no unit); the unit must be the one the clinic fixed for it."""
    actor.require(Action.LAB_RECORD)
    _same_organization(actor, patient)
    errors: dict[str, str] = {}
    code = ANALYTE_CODES.get(analyte)
    if code is None:
        errors["analyte"] = f"Unknown analyte {analyte!r}; allowed: {', '.join(ANALYTE_CODES)}."
    try:
        amount = Decimal(str(value).strip())
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["value"] = f"{value!r} is not a number."
        amount = None
    if amount is not None and amount < 0:
        errors["value"] = f"A concentration cannot be negative (got {amount})."
    elif amount is not None and (_places(amount) > 3 or abs(amount) >= 10**7):
        errors["value"] = "Enter at most 7 digits before and 3 after the decimal point."
    if code is not None:
        expected = configured_unit(analyte, clinic_id=actor.clinic.pk)
        given = (unit or "").strip()
        if expected is None:
            errors["unit"] = f"No unit is configured for {code.analyte.label}: " + (
                UNIT_MISSING_FROM_REFERENCE
            )
        elif given != expected:
            errors["unit"] = (
                f"{code.analyte.label} is recorded in {expected} (UCUM) at this clinic; "
                f"got {given or 'no unit'}. Convert the value or check the lab report."
            )
    now = timezone.now()
    if collected_at is None:
        errors["collected_at"] = "Enter the date and time the sample was collected."
    elif timezone.is_naive(collected_at):
        errors["collected_at"] = "The collection time needs a time zone."
    elif collected_at > now:
        errors["collected_at"] = "The collection time is in the future."
    if errors:
        raise ValidationError(errors)
    assert code is not None and amount is not None
    with transaction.atomic():
        result = LabResult(
            patient=patient,
            clinic=actor.clinic,
            analyte=analyte,
            loinc_code=code.loinc_code,
            value=amount,
            unit=unit.strip(),
            collected_at=collected_at,
            recorded_by=actor.user,
            recorded_at=now,
        )
        result.full_clean()
        result.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=result,
            patient=patient,
            changes={k: [None, v] for k, v in snapshot(result, LAB_FIELDS).items()},
        )
    return result


def content_hash(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def info_sheet_publish(
    *, actor: Actor, indication: str, html: str
) -> tuple[InfoSheetVersion, bool]:
    """Publish ``html`` (the rendered sheet) as the next version for ``indication``.

    Returns ``(version, created)``: when the text is identical to the latest version, that
    version is returned and nothing is written.
    """
    actor.require(Action.INFO_SHEET_PUBLISH)
    if indication not in INDICATIONS:
        raise ValidationError(
            {"indication": f"Unknown indication; allowed: {', '.join(INDICATIONS)}."}
        )
    digest = content_hash(html)
    with transaction.atomic():
        latest = (
            InfoSheetVersion.objects.select_for_update()
            .filter(organization_id=actor.organization_id, indication=indication)
            .order_by("-version")
            .first()
        )
        if latest is not None and latest.content_hash == digest:
            return latest, False
        number = (
            InfoSheetVersion.objects.filter(
                organization_id=actor.organization_id, indication=indication
            ).aggregate(m=Max("version"))["m"]
            or 0
        ) + 1
        version = InfoSheetVersion(
            organization_id=actor.organization_id,
            indication=indication,
            version=number,
            content_hash=digest,
            html_snapshot=html,
            evidence_version=EVIDENCE_VERSION,
            published_at=timezone.now(),
            published_by=actor.user,
        )
        version.full_clean()
        version.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=version,
            changes={
                "indication": [None, indication],
                "version": [None, number],
                "content_hash": [None, digest],
                "evidence_version": [None, EVIDENCE_VERSION],
            },
            detail=f"Published {indication} information sheet v{number}",
        )
    return version, True


def export_audit(
    *,
    actor: Actor,
    what: str,
    patient: Patient | None = None,
    obj: models.Model | None = None,
    detail: str = "",
) -> None:
    """Audit one export (CSV or PDF). Call inside the transaction that produces it. The export
    event of a patient's report is also the audit of its read (no view event besides)."""
    if patient is not None:
        read_covered(patient.pk)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=obj,
        patient=patient,
        detail=f"{what}: {detail}" if detail else what,
    )
