"""The order (physician) and its independent double check (a second clinician; ketamine is a
high-alert medication, [ismp-high-alert]).

The dose is checked by ``kitclinic.dosing.check_dose`` against the protocol of the active library
version, with the effective check-in's weight (a correction's, else the check-in's) and the last
*accepted* weight: hard findings refuse the order, soft findings need a reason each and a second
clinician's co-signature at the double check ([kitclinic-dose-rules] L3/L4; [tjc-smart-pumps]). A
failed check-in gate is one more soft finding per failure (``gate_<code>``), answered the same way.
The PK preview comes from kitclinic.pharmacology.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone

from kitclinic import pharmacology as pk
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.dosing import DoseCheck, DoseInputError, Finding, Protocol, check_dose
from kitclinic.infusions.models import (
    CheckIn,
    DoubleCheck,
    DrugLibraryVersion,
    InfusionOrder,
    InfusionSession,
    ReturnedOrder,
    ReturnKind,
)
from kitclinic.infusions.services._common import begin_step, field_error, move
from kitclinic.infusions.services.corrections import GATE_PREFIX, effective_check_in
from kitclinic.infusions.services.courses import active_library_version
from kitclinic.infusions.services.overrides import soft_limits_review
from kitclinic.infusions.states import SessionState, Step
from kitclinic.patients.validators import age_years

# The PK model of the preview: Domino, the model of the PK oracle tables
# ([domino-1984], [opentiva]; standard scenario: 70 kg, 35 mg over 40 min).
PK_MODEL = "domino"

# check_dose rule -> the order form field it belongs to
RULE_FIELD = {
    "dose": "dose",
    "rate": "dose",
    "dose_mg": "dose",
    "duration": "duration_min",
    "concentration": "concentration_mg_per_ml",
}


@dataclass(frozen=True)
class PkPreview:
    model: str
    model_title: str
    times_min: list[float]
    plasma_ug_per_ml: list[float]
    effect_site_ug_per_ml: list[float]
    cmax_ug_per_ml: float
    tmax_min: float
    ce_max_ug_per_ml: float
    ce_tmax_min: float
    warnings: tuple[str, ...]


def pk_preview(*, weight_kg: Decimal, age_y: int, regimen: pk.Regimen) -> PkPreview:
    """Predicted Cp and Ce (µg/mL) of ``regimen`` and their peaks, on a 1-min grid."""
    patient = pk.Patient(weight_kg=float(weight_kg), age_y=float(age_y))
    result = pk.simulate(PK_MODEL, patient, regimen)
    cmax, tmax = pk.peak(PK_MODEL, patient, regimen, site="plasma")
    ce_max, ce_tmax = pk.peak(PK_MODEL, patient, regimen, site="effect")
    return PkPreview(
        model=result.model,
        model_title=result.model_title,
        times_min=[round(float(t), 2) for t in result.times_min],
        plasma_ug_per_ml=[round(float(c), 4) for c in result.plasma_ug_per_ml],
        effect_site_ug_per_ml=[round(float(c), 4) for c in result.effect_site_ug_per_ml],
        cmax_ug_per_ml=float(cmax),
        tmax_min=float(tmax),
        ce_max_ug_per_ml=float(ce_max),
        ce_tmax_min=float(ce_tmax),
        warnings=tuple(result.warnings),
    )


@dataclass(frozen=True)
class OrderPreview:
    version: DrugLibraryVersion
    protocol: Protocol
    check: DoseCheck
    pk: PkPreview | None
    # the check-in gate's failures, soft findings of the order (each needs a reason)
    gate_findings: tuple[Finding, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return (*self.check.findings, *self.gate_findings)

    @property
    def soft_codes(self) -> list[str]:
        return [f.code for f in self.findings if f.severity == "soft"]


def _history(session: InfusionSession, now: dt.datetime) -> tuple[Decimal | None, Decimal | None]:
    """(hours since the patient's last session started, mg given in the 7 days before now)."""
    earlier = InfusionSession.objects.filter(
        patient_id=session.patient_id, started_at__isnull=False, started_at__lt=now
    ).exclude(pk=session.pk)
    last = earlier.order_by("-started_at").values_list("started_at", flat=True).first()
    hours = None
    if last is not None:
        hours = (Decimal((now - last).total_seconds()) / Decimal(3600)).quantize(Decimal("0.1"))
    week = InfusionOrder.objects.filter(
        session__in=earlier.filter(started_at__gte=now - dt.timedelta(days=7))
    ).aggregate(total=Sum("dose_mg"))["total"]
    return hours, (week if week is not None else Decimal(0))


def order_preview(
    *,
    session: InfusionSession,
    check_in: CheckIn,
    dose: Decimal | str,
    duration_min: Decimal | str,
    concentration_mg_per_ml: Decimal | str,
    with_pk: bool = True,
) -> OrderPreview:
    """The dose check (and PK preview) of a proposed order against the effective check-in (its
    latest correction's weight, else the check-in's); writes nothing."""
    effective = effective_check_in(check_in)
    version = active_library_version(session.patient.organization_id)
    try:
        protocol = version.library().protocol(session.course.protocol_id)
    except KeyError:
        raise ValidationError(
            f"The active library v{version.number} has no protocol {session.course.protocol_id}."
        ) from None
    hours, week_mg = _history(session, timezone.now())
    try:
        check = check_dose(
            protocol,
            weight_kg=effective.weight_kg,
            dose=dose,
            duration_min=duration_min,
            concentration_mg_per_ml=concentration_mg_per_ml,
            previous_weight_kg=effective.previous_weight_kg,
            hours_since_last=hours,
            cumulative_mg_last_7_days=week_mg,
        )
    except DoseInputError as error:
        field = error.field if error.field in RULE_FIELD.values() else "dose"
        raise field_error(field, str(error)) from None
    preview = None
    if with_pk and not check.hard_findings:
        regimen = pk.Regimen.weight_based_infusion(
            float(check.weight_kg), float(check.dose_mg_per_kg), float(check.duration_min)
        )
        age = age_years(session.patient.date_of_birth, on=timezone.localdate())
        preview = pk_preview(weight_kg=check.weight_kg, age_y=age, regimen=regimen)
    return OrderPreview(
        version=version,
        protocol=protocol,
        check=check,
        pk=preview,
        gate_findings=tuple(effective.gate_findings()),
    )


@transaction.atomic
def order_place(
    *,
    actor: Actor,
    session: InfusionSession,
    dose: Decimal | str,
    duration_min: Decimal | str,
    concentration_mg_per_ml: Decimal | str,
    override_reasons: Mapping[str, str] | None = None,
    gate_override_reason: str = "",
) -> InfusionOrder:
    """Place the order. Hard findings refuse it (ValidationError on the field, nothing written);
    each soft finding of the dose check and each failure of the check-in gate (``gate_<code>``)
    needs a reason in ``override_reasons`` keyed by its code, co-signed at the double check.
    ``gate_override_reason`` (older clients) is the reason for every gate finding not given
    one of its own."""
    actor = actor.require_at(session.clinic_id, Action.ORDER_PLACE)
    session, to = begin_step(session, Step.ORDER)
    check_in = CheckIn.objects.get(session=session)
    preview = order_preview(
        session=session,
        check_in=check_in,
        dose=dose,
        duration_min=duration_min,
        concentration_mg_per_ml=concentration_mg_per_ml,
    )
    check = preview.check
    reasons = dict(override_reasons or {})
    alias = (gate_override_reason or "").strip()
    if alias:
        for finding in preview.gate_findings:
            if not (reasons.get(finding.code) or "").strip():
                reasons[finding.code] = alias
    # the one soft-limit rule: hard refuses, each soft finding needs a reason here and the
    # second clinician's co-signature at the double check
    reviewed = soft_limits_review(
        actor=actor,
        clinic=session.clinic,
        findings=preview.findings,
        reasons=reasons,
        cosigner=None,
        cosign_now=False,
        field_of=RULE_FIELD,
    )
    overrides = {code: entry["reason"] for code, entry in reviewed.items()}
    now = timezone.now()
    assert preview.pk is not None
    order = InfusionOrder.objects.create(
        session=session,
        ordered_by=actor.user,
        ordered_at=now,
        library_version=preview.version,
        protocol_id=preview.protocol.id,
        weight_kg=check.weight_kg,
        dose=check.dose,
        dose_unit=check.dose_unit,
        duration_min=check.duration_min,
        concentration_mg_per_ml=check.concentration_mg_per_ml,
        dose_mg=check.dose_mg,
        dose_mg_per_kg=check.dose_mg_per_kg,
        rate_mg_per_h=check.rate_mg_per_h,
        rate_ml_per_h=check.rate_ml_per_h,
        rate_mg_per_kg_per_h=check.rate_mg_per_kg_per_h,
        volume_ml=check.volume_ml,
        status=str(check.status),
        findings=[f.to_dict() for f in preview.findings],
        overrides=overrides,
        pk_model=preview.pk.model,
        pk_cmax_ug_per_ml=preview.pk.cmax_ug_per_ml,
        pk_tmax_min=preview.pk.tmax_min,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=order,
        patient=session.patient,
        changes={
            "dose_mg": [None, order.dose_mg],
            "rate_ml_per_h": [None, order.rate_ml_per_h],
            "volume_ml": [None, order.volume_ml],
            "library_version": [None, preview.version.number],
            "overrides": [None, overrides],
        },
    )
    move(actor=actor, session=session, to=to)
    return order


@transaction.atomic
def order_double_check(
    *,
    actor: Actor,
    session: InfusionSession,
    rate_ml_per_h: Decimal | str,
    vtbi_ml: Decimal | str,
    cosign_overrides: bool = False,
) -> DoubleCheck:
    """A second clinician (not the orderer) reads back the pump settings, which must match the
    order exactly (Q2), and co-signs any soft-limit overrides (L3)."""
    actor = actor.require_at(session.clinic_id, Action.ORDER_DOUBLE_CHECK)
    session, to = begin_step(session, Step.DOUBLE_CHECK)
    order = InfusionOrder.objects.get(session=session)
    if order.ordered_by_id == actor.user.pk:
        raise ValidationError(
            "The independent double check must be done by a second clinician, not the one who "
            "placed the order."
        )
    errors: dict[str, list[str]] = {}
    for field, given, expected, unit in (
        ("rate_ml_per_h", rate_ml_per_h, order.rate_ml_per_h, "mL/h"),
        ("vtbi_ml", vtbi_ml, order.volume_ml, "mL"),
    ):
        try:
            value = Decimal(str(given).strip())
        except ArithmeticError:
            errors[field] = [f"Read back the pump's setting as a number in {unit}."]
            continue
        if not value.is_finite() or value != expected:
            errors[field] = [
                f"Read-back {given} {unit} does not match the order's {expected.normalize():f} "
                f"{unit}. Check the pump and the order."
            ]
    if order.overrides and not cosign_overrides:
        errors["cosign_overrides"] = [
            "The order overrides soft limits (" + ", ".join(order.overrides) + "); co-sign them "
            "or send the order back."
        ]
    if errors:
        raise ValidationError(errors)
    check = DoubleCheck.objects.create(
        session=session,
        checked_by=actor.user,
        checked_at=timezone.now(),
        rate_ml_per_h_readback=order.rate_ml_per_h,
        vtbi_ml_readback=order.volume_ml,
        overrides_cosigned=bool(order.overrides),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=check,
        patient=session.patient,
        changes={"overrides_cosigned": [None, check.overrides_cosigned]},
    )
    move(actor=actor, session=session, to=to)
    return check


def _snapshot(row: models.Model) -> dict[str, object]:
    """Every stored field of ``row`` as JSON values (decimals as strings, times in ISO 8601)."""
    values = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}
    snapshot: dict[str, object] = json.loads(json.dumps(values, cls=DjangoJSONEncoder))
    return snapshot


def _return_order(
    *, actor: Actor, session: InfusionSession, to: SessionState, kind: ReturnKind, reason: str
) -> ReturnedOrder:
    """Move the session's order (and its double check, which this voids) into a returned-order
    record with a complete copy of both; the session goes back to checked in, free for a new
    order. Audited: the returned record, the order, the voided check and the state."""
    order = InfusionOrder.objects.get(session=session)
    check = DoubleCheck.objects.filter(session=session).first()
    returned = ReturnedOrder.objects.create(
        session=session,
        kind=kind,
        returned_by=actor.user,
        returned_at=timezone.now(),
        reason=reason,
        order_pk=order.pk,
        ordered_by_id=order.ordered_by_id,
        ordered_at=order.ordered_at,
        order_snapshot=_snapshot(order),
        double_check_snapshot=_snapshot(check) if check is not None else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=returned,
        patient=session.patient,
        changes={"kind": [None, kind.value], "order": [None, order.pk]},
        detail=reason,
    )
    if check is not None:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=check,
            patient=session.patient,
            changes={"voided": [False, True], "returned_order": [None, returned.pk]},
            detail=reason,
        )
        check.delete()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=order,
        patient=session.patient,
        changes={"returned": [None, kind.value], "returned_order": [None, returned.pk]},
        detail=reason,
    )
    order.delete()
    move(actor=actor, session=session, to=to, detail=reason)
    return returned


@transaction.atomic
def order_send_back(*, actor: Actor, session: InfusionSession, reason: str) -> ReturnedOrder:
    """The clinician doing the independent double check sends the order back to the physician
    instead of confirming it (ordered → checked in), with the reason; the order stays in the
    session's record as sent back and a new order can be placed. The orderer withdraws instead."""
    actor = actor.require_at(session.clinic_id, Action.ORDER_DOUBLE_CHECK)
    session, to = begin_step(session, Step.SEND_BACK)
    order = InfusionOrder.objects.only("ordered_by_id").get(session=session)
    if order.ordered_by_id == actor.user.pk:
        raise ValidationError(
            "You placed this order: withdraw it instead of sending it back (the double check "
            "is a second clinician's)."
        )
    if not reason.strip():
        raise field_error("reason", "Give the reason for sending the order back.")
    return _return_order(
        actor=actor,
        session=session,
        to=to,
        kind=ReturnKind.SENT_BACK,
        reason=reason.strip()[:300],
    )


@transaction.atomic
def order_withdraw(*, actor: Actor, session: InfusionSession, reason: str) -> ReturnedOrder:
    """A physician withdraws the order before the infusion starts (ordered or double-checked →
    checked in), with the reason; a double check already done is voided. The order stays in
    the session's record as withdrawn and a new order can be placed."""
    actor = actor.require_at(session.clinic_id, Action.ORDER_PLACE)
    session, to = begin_step(session, Step.WITHDRAW)
    if not reason.strip():
        raise field_error("reason", "Give the reason for withdrawing the order.")
    return _return_order(
        actor=actor,
        session=session,
        to=to,
        kind=ReturnKind.WITHDRAWN,
        reason=reason.strip()[:300],
    )


__all__ = [
    "GATE_PREFIX",
    "PK_MODEL",
    "OrderPreview",
    "PkPreview",
    "SessionState",
    "order_double_check",
    "order_place",
    "order_preview",
    "order_send_back",
    "order_withdraw",
    "pk_preview",
]
