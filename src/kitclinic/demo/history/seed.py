"""Which eligible patients get a completed course, and the drug drawn for all of them."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic
from kitclinic.demo.clock import DemoClock
from kitclinic.demo.consent import INDICATION_ORDER, publish_sheets
from kitclinic.demo.esketamine import esketamine_patient
from kitclinic.demo.infusions import current_course_patients
from kitclinic.infusions.models import Chair, InfusionSession, TreatmentCourse
from kitclinic.patients.models import Patient
from kitclinic.substances.services import dispensing, stock

from .courses import INDUCTION_DAYS, PAIN_DAYS, CourseHistory
from .ratings import kinds

HISTORY_SEED = 20261128
HISTORY_DAYS = 180  # the demo clinic opened this many days before the seed runs
# Share of the eligible patients (after those with a current course) given a completed course.
SHARE = {"depression": 0.8, "ptsd": 0.6, "anxiety": 0.5, "chronic_pain": 1.0}
# Synthetic vials for the history's draws: 10 mg/mL × 5 mL.
VIAL_MG_PER_ML, VIAL_ML = Decimal("10"), Decimal("5")
VIAL_MG = VIAL_MG_PER_ML * VIAL_ML


def _eligible(organization_id: int) -> list[tuple[Patient, str]]:
    """Eligible patients in MRN order with the indication their course is for."""
    out = []
    for patient in (
        Patient.objects.filter(
            organization_id=organization_id,
            eligibility_decisions__superseded_by__isnull=True,
            eligibility_decisions__outcome="eligible",
        )
        .distinct()
        .order_by("mrn")
    ):
        indications = set(
            patient.eligibility_decisions.filter(
                superseded_by__isnull=True, outcome="eligible"
            ).values_list("indication", flat=True)
        )
        for indication in INDICATION_ORDER:
            if indication in indications:
                out.append((patient, indication))
                break
    return out


def seed_history(
    *,
    clock: DemoClock,
    clinic: Clinic,
    chairs: list[Chair],
    nurse: Actor,
    physician: Actor,
    today: dt.date,
) -> list[TreatmentCourse]:
    """Sheets, completed courses, ratings, labs and the drug drawn for them, between
    ``HISTORY_DAYS`` and about two weeks before ``today``. Patients who get a current course
    (kitclinic.demo.infusions) are left out."""
    rng = random.Random(HISTORY_SEED)
    zone = timezone.get_current_timezone()
    opened = dt.datetime.combine(today - dt.timedelta(days=HISTORY_DAYS), dt.time(8), tzinfo=zone)
    publish_sheets(clock=clock, physician=physician, when=opened + dt.timedelta(days=5))
    current = {p.pk for p in current_course_patients(clinic.organization_id)}
    # the esketamine course's patient has no history course either (kitclinic.demo.esketamine)
    nasal = esketamine_patient(clinic.organization_id)
    if nasal is not None:
        current.add(nasal.pk)
    candidates = [(p, ind) for p, ind in _eligible(clinic.organization_id) if p.pk not in current]
    chosen = [(p, ind) for p, ind in candidates if rng.random() < SHARE[ind]]
    first_day = today - dt.timedelta(days=HISTORY_DAYS - 14)
    last_day = today - dt.timedelta(days=8 + max(INDUCTION_DAYS[-1], PAIN_DAYS[-1]))
    span = (last_day - first_day).days
    history = CourseHistory(
        clock=clock, rng=rng, nurse=nurse, physician=physician, chairs=chairs, today=today
    )
    courses = []
    picked = kinds(rng, len(chosen))
    for i, ((patient, indication), kind) in enumerate(zip(chosen, picked, strict=True)):
        day0 = first_day + dt.timedelta(days=round(i * span / max(1, len(chosen) - 1)))
        courses.append(history.course(i, patient, indication, day0, kind))
    _draw(clock=clock, nurse=nurse, physician=physician, draws=history.draws, opened=opened)
    return courses


def _draw(
    *,
    clock: DemoClock,
    nurse: Actor,
    physician: Actor,
    draws: list[tuple[InfusionSession, Decimal, dt.datetime]],
    opened: dt.datetime,
) -> None:
    """One synthetic lot received when the clinic opened; each infusion's dose dispensed and the
    rest of its vials wasted with a witness, so the lot is empty at the end of the history."""
    if not draws:
        return
    vials = [math.ceil(dose / VIAL_MG) for _, dose, _ in draws]
    clock.set(opened)
    lot = stock.substance_receive(
        actor=nurse,
        strength_mg_per_ml=VIAL_MG_PER_ML,
        vial_volume_ml=VIAL_ML,
        supplier="Demo Pharma Wholesale (synthetic)",
        lot_number="DEMO-KET-0000",
        expiry_date=timezone.localdate(opened) + dt.timedelta(days=400),
        vials=sum(vials),
        occurred_at=opened,
        reason="Packing slip DEMO-PS-1000",
        is_synthetic=True,
    ).lot
    for (session, dose, start), n in zip(draws, vials, strict=True):
        clock.set(start + dt.timedelta(minutes=1))
        dispensing.substance_dispense(
            actor=nurse, lot=lot, quantity_mg=dose, session=session, occurred_at=clock.at
        )
        rest = n * VIAL_MG - dose
        if rest > 0:
            dispensing.substance_waste(
                actor=nurse,
                lot=lot,
                quantity_mg=rest,
                witness=physician.user,
                reason="Rest of the vial after the dose was drawn",
                session=session,
                occurred_at=clock.at,
            )
