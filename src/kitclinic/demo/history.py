"""Months of synthetic clinic history for the demo seed (called by kitclinic.demo.people).

Deterministic (its own ``random.Random`` with a fixed seed) and written through the same
services as real records, so every row is validated and audited. What it makes:

- the information sheets published at the start of the history, and a consent against the
  published version for every course (history and the seed's current courses);
- completed induction courses for a share of the eligible patients (depression, PTSD, anxiety,
  chronic pain), each infusion run from check-in to sign-off: weight and vitals at check-in, order,
  independent double check, vitals on the protocol's schedule during and after, CADSS, MOAA/S, an
  occasional adverse event, discharge with the modified Aldrete, sign-off, and the drug drawn from
  a synthetic lot (dispensed, the rest of the vial wasted with a witness);
- ratings on the indication's scale: at screening, before each infusion (the check-in rating),
  about 4 h and 24 h after infusion 1, and at follow-ups 2 and 4 weeks after the course, with
  synthetic trajectories (remitters, responders, partial and non-responders, a few relapses);
- CRP and IL-6 before and after the course for some patients, in the clinic's configured units.

The trajectories are invented to exercise the dashboard and the chart; they are synthetic data,
not a claim about how patients respond.

**The clock.** The services stamp ``timezone.now()``. History must carry historical times, so
the seed runs them under :class:`DemoClock`, which replaces ``django.utils.timezone.now`` for
the duration of a ``with`` block and is moved forward step by step. It is for the seed only
(single-threaded, inside the seed's transaction); nothing else uses it.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic
from kitclinic.assessments.models import Mode
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.consent.models import ConsentMethod, InfoSheetVersion
from kitclinic.dosing import Protocol
from kitclinic.infusions.models import Chair, InfusionOrder, InfusionSession, TreatmentCourse
from kitclinic.infusions.services import orders, scheduling
from kitclinic.infusions.services.courses import course_plan, course_transition
from kitclinic.infusions.services.infusion import observations, pump, stop
from kitclinic.infusions.services.sessions.check_in import (
    INDICATION_SCALE,
    CheckInData,
    pregnancy_status_required,
    session_check_in,
)
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.protocol import session_protocol
from kitclinic.infusions.services.sessions.signoff import session_sign
from kitclinic.outcomes.labs import configured_unit
from kitclinic.patients.models import Patient

if TYPE_CHECKING:
    from kitclinic.demo.infusions import Vitals

HISTORY_SEED = 20261128
HISTORY_DAYS = 180  # the demo clinic opened this many days before the seed runs
# Share of the eligible patients (after those with a current course) given a completed course.
SHARE = {"depression": 0.8, "ptsd": 0.6, "anxiety": 0.5, "chronic_pain": 1.0}
INDICATION_ORDER = ("depression", "ptsd", "anxiety", "chronic_pain")
# Twice-weekly induction (6 infusions over about 2.5 weeks; [phillips-2019]: 6 over 2 weeks).
INDUCTION_DAYS = (0, 3, 7, 10, 14, 17)
# Chronic pain has no course template in the default library: 4 weekly 4-h infusions here.
PAIN_DAYS = (0, 7, 14, 21)
FOLLOW_UP_DAYS = (14, 28)
START_HOURS = (8, 10, 12, 14)
# Synthetic vials for the history's draws: 10 mg/mL × 5 mL.
VIAL_MG_PER_ML, VIAL_ML = Decimal("10"), Decimal("5")
VIAL_MG = VIAL_MG_PER_ML * VIAL_ML

# (kind, weight): the mix of synthetic trajectories, roughly in the range the clinic series in
# [mcinnes-2022], [oliver-2022] and [mcintyre-2020] report (about half responding after a course, a
# quarter remitting).
ARCHETYPES = (("remitter", 28), ("responder", 30), ("partial", 24), ("non", 18))
ADVERSE_EVENTS = (
    ("Nausea", "mild", "Observed; settled without treatment", "", ""),
    ("Nausea", "moderate", "Infusion continued; antiemetic given", "Ondansetron", "4 mg IV"),
    ("Headache", "mild", "Observed; settled in recovery", "", ""),
    ("Anxiety during the infusion", "mild", "Reassurance; music; observed", "", ""),
    ("Dizziness on standing", "mild", "Recovery extended by 20 min", "", ""),
)


class DemoClock:
    """``django.utils.timezone.now`` replaced by a settable time (seed only; see module doc)."""

    def __init__(self, start: dt.datetime) -> None:
        self.at = start

    def set(self, when: dt.datetime) -> dt.datetime:
        self.at = when
        return when

    def now(self) -> dt.datetime:
        return self.at


@contextmanager
def demo_clock(start: dt.datetime) -> Iterator[DemoClock]:
    clock = DemoClock(start)
    real = timezone.now
    timezone.now = clock.now
    try:
        yield clock
    finally:
        timezone.now = real


@dataclass
class _Trajectory:
    kind: str
    baseline: int
    end_fraction: float
    onset_fraction: float  # share of the baseline lost 24 h after infusion 1
    relapses: bool

    def fraction_after(self, k: int, n: int) -> float:
        """Fraction of the baseline left after ``k`` of ``n`` infusions (smooth approach)."""
        if k <= 0:
            return 1.0
        shape = (1 - math.exp(-k / 1.8)) / (1 - math.exp(-n / 1.8))
        return 1.0 - (1.0 - self.end_fraction) * shape


def _kinds(rng: random.Random, n: int) -> list[str]:
    """``n`` trajectory kinds in the proportions of ``ARCHETYPES``, in a shuffled order."""
    deck = [kind for kind, weight in ARCHETYPES for _ in range(weight)]
    rng.shuffle(deck)
    picked = [deck[round(i * len(deck) / max(n, 1)) % len(deck)] for i in range(n)]
    rng.shuffle(picked)
    return picked


def _trajectory(rng: random.Random, kind: str, scale_max: int, low: int) -> _Trajectory:
    baseline = rng.randint(low, scale_max)
    end = {
        "remitter": rng.uniform(0.02, 0.14),
        "responder": rng.uniform(0.3, 0.48),
        "partial": rng.uniform(0.55, 0.78),
        "non": rng.uniform(0.82, 1.05),
    }[kind]
    onset = {"remitter": (0.2, 0.5), "responder": (0.15, 0.45), "partial": (0.05, 0.3)}.get(
        kind, (0.0, 0.15)
    )
    return _Trajectory(
        kind, baseline, end, rng.uniform(*onset), kind != "non" and rng.random() < 0.2
    )


def _answers(rng: random.Random, scale: str, total: float) -> list[int]:
    """Item answers whose total is ``total`` (rounded, clipped to what the items allow)."""
    if scale == "peg":
        level = max(0, min(10, round(total)))
        return [level, max(0, min(10, level + rng.choice([-1, 0, 1]))), level]
    items, top = {"phq9": (8, 3), "gad7": (7, 3), "pcl5": (20, 4)}[scale]
    left = max(0, min(items * top, round(total)))
    answers = [0] * items
    order = list(range(items))
    rng.shuffle(order)
    while left:
        for i in order:
            if left and answers[i] < top:
                answers[i] += 1
                left -= 1
    return answers + ([0] if scale == "phq9" else [])  # PHQ-9 item 9 stays 0


SCALE_MAX = {"phq9": 24, "gad7": 21, "pcl5": 80, "peg": 10}
SCALE_LOW = {"phq9": 14, "gad7": 11, "pcl5": 38, "peg": 5}
# The rating scale counted on the dashboard per indication (PHQ-9 also for PTSD, as on its sheet);
# the check-in records the indication's own scale (kitclinic.infusions INDICATION_SCALE).
COUNTED_SCALE = {"depression": "phq9", "ptsd": "phq9", "anxiety": "gad7", "chronic_pain": "peg"}


@dataclass
class _Slots:
    """Chair bookings made so far (the booking service refuses a clash; this avoids them)."""

    chairs: list[Chair]
    booked: list[tuple[int, dt.datetime, dt.datetime]]

    def free(self, day: dt.date, minutes: int, first: int) -> tuple[Chair, dt.datetime]:
        zone = timezone.get_current_timezone()
        for shift in range(len(START_HOURS) * len(self.chairs)):
            hour = START_HOURS[(first + shift // len(self.chairs)) % len(START_HOURS)]
            chair = self.chairs[(first + shift) % len(self.chairs)]
            start = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=zone)
            end = start + dt.timedelta(minutes=minutes)
            if not any(c == chair.pk and s < end and start < e for c, s, e in self.booked):
                self.booked.append((chair.pk, start, end))
                return chair, start
        raise RuntimeError(f"no free chair on {day}")


def publish_sheets(*, clock: DemoClock, physician: Actor, when: dt.datetime) -> None:
    """Publish each indication's sheet at ``when`` (the clinic's results are withheld then)."""
    from kitclinic.outcomes.services import info_sheet_publish
    from kitclinic.outcomes.sheets import render_sheet

    clock.set(when)
    for indication in INDICATION_ORDER:
        info_sheet_publish(
            actor=physician,
            indication=indication,
            html=render_sheet(physician.organization_id, indication),
        )


def record_consent(
    *, nurse: Actor, physician: Actor, patient: Patient, indication: str, when: dt.datetime
) -> None:
    from kitclinic.consent.services import consent_record

    version = (
        InfoSheetVersion.objects.filter(
            organization_id=nurse.organization_id, indication=indication, published_at__lte=when
        )
        .order_by("-version")
        .first()
    )
    if version is None:
        return
    consent_record(
        actor=nurse,
        patient=patient,
        sheet_version=version,
        signed_at=when,
        method=ConsentMethod.ELECTRONIC,
        witnessed_by=physician.user,
    )


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


class _History:
    def __init__(
        self,
        *,
        clock: DemoClock,
        rng: random.Random,
        nurse: Actor,
        physician: Actor,
        chairs: list[Chair],
        today: dt.date,
    ) -> None:
        self.clock, self.rng, self.nurse, self.physician = clock, rng, nurse, physician
        self.slots = _Slots(chairs, [])
        self.draws: list[tuple[InfusionSession, Decimal, dt.datetime]] = []
        self.latest = today  # follow-ups stop before the seed's day

    def rate(self, patient: Patient, scale: str, total: float, when: dt.datetime) -> None:
        self.clock.set(when)
        assessment_record(
            actor=self.nurse,
            patient=patient,
            instrument=scale,
            answers=_answers(self.rng, scale, total),
            administered_at=when,
            mode=Mode.IN_CLINIC if when.hour < 18 else Mode.SELF_REPORT,
        )

    def course(
        self, number: int, patient: Patient, indication: str, day0: dt.date, kind: str
    ) -> TreatmentCourse:
        rng, clock = self.rng, self.clock
        scale = COUNTED_SCALE[indication]
        own_scale = INDICATION_SCALE[indication]
        t = _trajectory(rng, kind, SCALE_MAX[scale], SCALE_LOW[scale])
        # PTSD: the PCL-5 follows the same course as the PHQ-9 on its own range.
        t_own = _Trajectory(
            t.kind,
            round(t.baseline * SCALE_MAX[own_scale] / SCALE_MAX[scale]),
            t.end_fraction,
            t.onset_fraction,
            t.relapses,
        )
        days = PAIN_DAYS if indication == "chronic_pain" else INDUCTION_DAYS
        n = len(days)
        zone = timezone.get_current_timezone()
        planned = dt.datetime.combine(day0 - dt.timedelta(days=7), dt.time(15, 0), tzinfo=zone)
        clock.set(planned)
        course = course_plan(
            actor=self.physician,
            patient=patient,
            indication=indication,
            planned_infusions=n if indication == "chronic_pain" else None,
        )
        clock.set(planned + dt.timedelta(minutes=20))
        record_consent(
            nurse=self.nurse,
            physician=self.physician,
            patient=patient,
            indication=indication,
            when=planned + dt.timedelta(minutes=20),
        )
        self.rate(patient, scale, _noisy(rng, t, 1.0, scale), planned + dt.timedelta(minutes=30))
        labs = indication == "depression" and rng.random() < 0.6
        if labs:
            self.labs(patient, planned + dt.timedelta(days=4, hours=-6))
        # Whole, even kilograms keep the doses whole milligrams: the controlled-substance book
        # sums DecimalFields, which SQLite adds as floating point.
        weight = Decimal(2 * rng.randint(26, 52))
        protocol = None
        last_start = planned
        for k, offset in enumerate(days):
            minutes = 40 if indication != "chronic_pain" else 240
            chair, start = self.slots.free(
                day0 + dt.timedelta(days=offset), minutes + 60, number + k
            )
            clock.set(start - dt.timedelta(days=2))
            appointment = scheduling.appointment_book(
                actor=self.physician, course=course, chair=chair, starts_at=start
            )
            pre = t.fraction_after(k, n)
            ratings = [(own_scale, _noisy(rng, t_own, pre, own_scale))]
            if own_scale != scale:
                ratings.append((scale, _noisy(rng, t, pre, scale)))
            protocol = self.session(appointment.session, start, weight, ratings, k)
            last_start = start
            if k == 0 and indication != "chronic_pain":
                for hours, share in ((4, 0.8), (24, 1.0)):
                    left = 1.0 - t.onset_fraction * share
                    self.rate(
                        patient,
                        scale,
                        _noisy(rng, t, left, scale),
                        start + dt.timedelta(hours=hours, minutes=rng.randint(-20, 20)),
                    )
        assert protocol is not None
        end = last_start + dt.timedelta(days=1)
        clock.set(end)
        course_transition(actor=self.physician, course=course, to_status="completed")
        after = t.fraction_after(n, n)
        for j, offset in enumerate(FOLLOW_UP_DAYS):
            when = last_start + dt.timedelta(days=offset, hours=2)
            if when.date() >= self.latest:
                break
            left = after
            if t.relapses and (j == 1 or rng.random() < 0.4):
                left = rng.uniform(0.6, 0.9)
            self.rate(patient, scale, _noisy(rng, t, left, scale), when)
        if labs:
            self.labs(patient, last_start + dt.timedelta(days=3))
        return course

    def labs(self, patient: Patient, when: dt.datetime) -> None:
        from kitclinic.outcomes.services import lab_result_record

        self.clock.set(when + dt.timedelta(hours=6))
        # Synthetic values spread over a plausible range, unrelated to the ratings (the published
        # evidence supports no claim that ketamine lowers inflammation or that it predicts
        # response).
        for analyte, median, spread in (("crp", 2.0, 0.9), ("il6", 2.5, 0.6)):
            unit = configured_unit(analyte)
            if unit is None:
                continue
            value = round(median * math.exp(self.rng.gauss(0, spread)), 2)
            lab_result_record(
                actor=self.nurse,
                patient=patient,
                analyte=analyte,
                value=Decimal(str(value)),
                unit=unit,
                collected_at=when,
            )

    def session(
        self,
        session: InfusionSession,
        start: dt.datetime,
        weight: Decimal,
        ratings: list[tuple[str, float]],
        k: int,
    ) -> Protocol:
        """One infusion from check-in to sign-off, stamped around ``start``."""
        rng, clock, nurse, physician = self.rng, self.clock, self.nurse, self.physician
        patient = session.patient
        base: Vitals = {
            "sbp": rng.randint(110, 136),
            "dbp": rng.randint(68, 84),
            "hr": rng.randint(62, 84),
            "rr": rng.randint(12, 16),
            "spo2": rng.randint(96, 99),
        }
        clock.set(start - dt.timedelta(minutes=25))
        for scale, total in ratings[1:]:
            assessment_record(
                actor=nurse,
                patient=patient,
                instrument=scale,
                answers=_answers(rng, scale, total),
                administered_at=clock.at,
            )
        clock.set(start - dt.timedelta(minutes=20))
        required = pregnancy_status_required(patient, start.date())
        session_check_in(
            actor=nurse,
            session=session,
            data=CheckInData(
                identity_confirmed=True,
                consent_on_file=True,
                fasting_confirmed=True,
                escort_confirmed=True,
                escort_name=patient.emergency_contact_name,
                weight_kg=weight,
                pregnancy_status="not_pregnant" if required else "not_applicable",
                rating_answers=_answers(rng, ratings[0][0], ratings[0][1]),
                **base,
            ),
        )
        protocol = session_protocol(session)
        clock.set(start - dt.timedelta(minutes=12))
        orders.order_place(
            actor=physician,
            session=session,
            dose=protocol.default_dose.value,
            duration_min=protocol.default_duration_min.value,
            concentration_mg_per_ml=protocol.concentrations_mg_per_ml[0].value,
        )
        order = InfusionOrder.objects.get(session=session)
        clock.set(start - dt.timedelta(minutes=6))
        orders.order_double_check(
            actor=nurse, session=session, rate_ml_per_h=order.rate_ml_per_h, vtbi_ml=order.volume_ml
        )
        clock.set(start)
        pump.infusion_start(actor=nurse, session=session)
        self.draws.append((session, order.dose_mg, start))
        minutes = int(order.duration_min)
        every = int(protocol.vitals_schedule.during_every_min.value)
        after = int(protocol.vitals_schedule.after_every_min.value)
        # Blood pressure rises during the infusion and is back near baseline in recovery
        # ([riva-posse-2018], [szarmach-2020]); the size of the rise here is synthetic.
        rise = rng.choice([2, 4, 6, 8, 10, 12, 14, 18, 22, 28])
        peak_at = min(30, minutes)
        slots = sorted({*range(every, minutes, every), minutes})
        for slot in slots:
            shape = max(0.0, 1 - abs(slot - peak_at) / max(peak_at, 1) * 0.6)
            clock.set(start + dt.timedelta(minutes=slot))
            during: Vitals = {
                **base,
                "sbp": base["sbp"] + round(rise * shape) + rng.randint(-2, 2),
                "dbp": base["dbp"] + round(rise * shape * 0.6),
                "hr": base["hr"] + rng.randint(0, 8),
            }
            observations.vitals_record(actor=nurse, session=session, slot_minute=slot, **during)
            if slot == min(40, minutes):
                # Dissociation lessens with repeated infusions ([singh-2016]).
                level = max(0.0, rng.uniform(8, 30) * (0.85**k))
                observations.score_record(
                    actor=nurse,
                    session=session,
                    kind="cadss",
                    answers=_answers_cadss(rng, level),
                )
                observations.score_record(
                    actor=nurse, session=session, kind="moaas", level=rng.choice([4, 5, 5])
                )
            if slot == every * 2 and rng.random() < 0.1:
                description, severity, action, rescue, dose = rng.choice(ADVERSE_EVENTS)
                observations.adverse_event_record(
                    actor=nurse,
                    session=session,
                    description=description,
                    severity=severity,
                    action_taken=action,
                    rescue_medication=rescue,
                    rescue_dose=dose,
                    occurred_at=clock.at,
                )
        clock.set(start + dt.timedelta(minutes=minutes))
        # the ordered time has run: the whole dose is in, the stop needs no reason
        stop.infusion_stop(actor=nurse, session=session)
        for slot in range(minutes + after, minutes + 3 * after + 1, after):
            clock.set(start + dt.timedelta(minutes=slot))
            recovery: Vitals = {**base, "sbp": base["sbp"] + rng.randint(-3, 4)}
            observations.vitals_record(actor=nurse, session=session, slot_minute=slot, **recovery)
        clock.set(start + dt.timedelta(minutes=minutes + 3 * after + 5))
        session_discharge(
            actor=nurse,
            session=session,
            aldrete_answers=[2, 2, 2, 2, 2],
            escort_present=True,
            instructions_given=True,
        )
        clock.set(start + dt.timedelta(minutes=minutes + 3 * after + 40))
        session_sign(actor=physician, session=session)
        return protocol


def _answers_cadss(rng: random.Random, total: float) -> list[int]:
    left = max(0, min(23 * 4, round(total)))
    answers = [0] * 23
    while left:
        i = rng.randrange(23)
        if answers[i] < 4:
            answers[i] += 1
            left -= 1
    return answers


def _noisy(rng: random.Random, t: _Trajectory, fraction: float, scale: str) -> float:
    top = SCALE_MAX[scale]
    noise = rng.uniform(-1.0, 1.0) * max(1.0, top / 24)
    return max(0.0, min(float(top), t.baseline * fraction + noise))


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
    from kitclinic.demo.infusions import current_course_patients

    rng = random.Random(HISTORY_SEED)
    zone = timezone.get_current_timezone()
    opened = dt.datetime.combine(today - dt.timedelta(days=HISTORY_DAYS), dt.time(8), tzinfo=zone)
    publish_sheets(clock=clock, physician=physician, when=opened + dt.timedelta(days=5))
    current = {p.pk for p in current_course_patients(clinic.organization_id)}
    candidates = [(p, ind) for p, ind in _eligible(clinic.organization_id) if p.pk not in current]
    chosen = [(p, ind) for p, ind in candidates if rng.random() < SHARE[ind]]
    first_day = today - dt.timedelta(days=HISTORY_DAYS - 14)
    last_day = today - dt.timedelta(days=8 + max(INDUCTION_DAYS[-1], PAIN_DAYS[-1]))
    span = (last_day - first_day).days
    history = _History(
        clock=clock, rng=rng, nurse=nurse, physician=physician, chairs=chairs, today=today
    )
    courses = []
    kinds = _kinds(rng, len(chosen))
    for i, ((patient, indication), kind) in enumerate(zip(chosen, kinds, strict=True)):
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
    from kitclinic.substances.services import dispensing, stock

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
