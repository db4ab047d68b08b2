"""One completed course of the history, infusion by infusion, through the services."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.assessments.models import Mode
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.demo.clock import DemoClock
from kitclinic.demo.consent import record_consent
from kitclinic.demo.infusions import DEMO_HOURS, Vitals
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
from kitclinic.outcomes.services import lab_result_record
from kitclinic.patients.models import Patient

from .ratings import (
    COUNTED_SCALE,
    SCALE_LOW,
    SCALE_MAX,
    Trajectory,
    answers,
    answers_cadss,
    noisy,
    trajectory,
)

# Twice-weekly induction (6 infusions over about 2.5 weeks; [phillips-2019]: 6 over 2 weeks).
INDUCTION_DAYS = (0, 3, 7, 10, 14, 17)
# Chronic pain has no course template in the default library: 4 weekly 4-h infusions here.
PAIN_DAYS = (0, 7, 14, 21)
FOLLOW_UP_DAYS = (14, 28)
START_HOURS = (8, 10, 12, 14)
ADVERSE_EVENTS = (
    ("Nausea", "mild", "Observed; settled without treatment", "", ""),
    ("Nausea", "moderate", "Infusion continued; antiemetic given", "Ondansetron", "4 mg IV"),
    ("Headache", "mild", "Observed; settled in recovery", "", ""),
    ("Anxiety during the infusion", "mild", "Reassurance; music; observed", "", ""),
    ("Dizziness on standing", "mild", "Recovery extended by 20 min", "", ""),
)


@dataclass
class _Slots:
    """Chair bookings made so far (the booking service refuses a clash; this avoids them)."""

    chairs: list[Chair]
    booked: list[tuple[int, dt.datetime, dt.datetime]]

    def within_hours(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether the chair time lies within the demo clinic's hours of its day (the booking
        service refuses one that does not)."""
        hours = DEMO_HOURS.get(start.weekday())
        return (
            hours is not None
            and start.date() == end.date()
            and hours[0] <= start.time()
            and end.time() <= hours[1]
        )

    def free(self, day: dt.date, minutes: int, first: int) -> tuple[Chair, dt.datetime]:
        zone = timezone.get_current_timezone()
        for shift in range(len(START_HOURS) * len(self.chairs)):
            hour = START_HOURS[(first + shift // len(self.chairs)) % len(START_HOURS)]
            chair = self.chairs[(first + shift) % len(self.chairs)]
            start = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=zone)
            end = start + dt.timedelta(minutes=minutes)
            if not self.within_hours(start, end):
                continue
            if not any(c == chair.pk and s < end and start < e for c, s, e in self.booked):
                self.booked.append((chair.pk, start, end))
                return chair, start
        raise RuntimeError(f"no free chair on {day}")


class CourseHistory:
    """Completed courses written one after the other, sharing the chairs and the seed's clock;
    ``draws`` collects each infusion's dose for the controlled-substance record."""

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
            answers=answers(self.rng, scale, total),
            administered_at=when,
            mode=Mode.IN_CLINIC if when.hour < 18 else Mode.SELF_REPORT,
        )

    def course(
        self, number: int, patient: Patient, indication: str, day0: dt.date, kind: str
    ) -> TreatmentCourse:
        rng, clock = self.rng, self.clock
        scale = COUNTED_SCALE[indication]
        own_scale = INDICATION_SCALE[indication]
        t = trajectory(rng, kind, SCALE_MAX[scale], SCALE_LOW[scale])
        # PTSD: the PCL-5 follows the same course as the PHQ-9 on its own range.
        t_own = Trajectory(
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
        self.rate(patient, scale, noisy(rng, t, 1.0, scale), planned + dt.timedelta(minutes=30))
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
            ratings = [(own_scale, noisy(rng, t_own, pre, own_scale))]
            if own_scale != scale:
                ratings.append((scale, noisy(rng, t, pre, scale)))
            protocol = self.session(appointment.session, start, weight, ratings, k)
            last_start = start
            if k == 0 and indication != "chronic_pain":
                for hours, share in ((4, 0.8), (24, 1.0)):
                    left = 1.0 - t.onset_fraction * share
                    self.rate(
                        patient,
                        scale,
                        noisy(rng, t, left, scale),
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
            self.rate(patient, scale, noisy(rng, t, left, scale), when)
        if labs:
            self.labs(patient, last_start + dt.timedelta(days=3))
        return course

    def labs(self, patient: Patient, when: dt.datetime) -> None:
        self.clock.set(when + dt.timedelta(hours=6))
        # Synthetic values spread over a plausible range, unrelated to the ratings (the published
        # evidence supports no claim that ketamine lowers inflammation or that it predicts
        # response).
        for analyte, median, spread in (("crp", 2.0, 0.9), ("il6", 2.5, 0.6)):
            unit = configured_unit(analyte, clinic_id=self.nurse.clinic.pk)
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
                answers=answers(rng, scale, total),
                administered_at=clock.at,
            )
        clock.set(start - dt.timedelta(minutes=20))
        required = pregnancy_status_required(patient, start.date(), clinic_id=session.clinic_id)
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
                rating_answers=answers(rng, ratings[0][0], ratings[0][1]),
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
                    answers=answers_cadss(rng, level),
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
