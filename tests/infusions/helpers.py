"""Building infusion records for the tests: an eligible patient, the default library, a chair,
a course, a booked session, and ``advance`` to walk a session to any state through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import (
    Addendum,
    AdverseEvent,
    Appointment,
    CheckIn,
    Discharge,
    DoubleCheck,
    DrugLibraryVersion,
    InfusionOrder,
    InfusionSession,
    ReturnedOrder,
    SessionEvent,
    SessionScore,
    TreatmentCourse,
    VitalSign,
)
from kitclinic.infusions.services import infusion, orders, scheduling, sessions
from kitclinic.infusions.services.courses import course_plan
from kitclinic.infusions.services.sessions import CheckInData
from kitclinic.infusions.states import SessionState
from kitclinic.patients import services as patient_services
from kitclinic.patients.models import Patient
from tests.patients.helpers import add_trd_history, clear_screen

TABLES = (
    DrugLibraryVersion,
    TreatmentCourse,
    Appointment,
    InfusionSession,
    CheckIn,
    InfusionOrder,
    DoubleCheck,
    SessionEvent,
    VitalSign,
    SessionScore,
    AdverseEvent,
    Discharge,
    Addendum,
    ReturnedOrder,
    AuditEvent,
)

PHQ9 = [1, 1, 2, 2, 1, 2, 2, 2, 0]
ALDRETE_READY = [2, 2, 2, 2, 2]
ALDRETE_8 = [2, 2, 1, 1, 2]
NORMAL = {"sbp": 124, "dbp": 78, "hr": 72, "rr": 14, "spo2": 98}


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def make_eligible(nurse: Actor, physician: Actor, patient: Patient) -> Patient:
    add_trd_history(nurse, patient)
    patient_services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    patient_services.eligibility_decide(
        actor=physician, patient=patient, indication="depression", outcome="eligible"
    )
    return patient


def slot_time(hour: int = 9, minute: int = 0, days: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def check_in_data(**overrides: object) -> CheckInData:
    values: dict[str, object] = {
        "identity_confirmed": True,
        "consent_on_file": True,
        "consent_date": timezone.localdate() - dt.timedelta(days=3),
        "fasting_confirmed": True,
        "escort_confirmed": True,
        "escort_name": "Lee Rivera",
        "weight_kg": Decimal("70"),
        "pregnancy_status": "not_pregnant",
        "rating_answers": PHQ9,
        **NORMAL,
    }
    values.update(overrides)
    return CheckInData(**values)  # type: ignore[arg-type]


def book(world, course: TreatmentCourse, chair, when: dt.datetime | None = None) -> InfusionSession:  # type: ignore[no-untyped-def]
    """Book ``course`` on ``chair`` (default: today 09:00). A start already past (the tests run
    at any hour) is booked as a back-entry, as the service requires."""
    when = when or slot_time()
    past = when < timezone.now() - scheduling.BOOKING_GRACE
    appointment = scheduling.appointment_book(
        actor=world.actor("front_desk"),
        course=course,
        chair=chair,
        starts_at=when,
        back_entry_reason="entered after the session (test)" if past else "",
    )
    return appointment.session


def make_due(session: InfusionSession) -> InfusionSession:
    """Move a scheduled session's appointment to two hours ago if it starts later (a no-show is
    recorded only once the start has come; the tests run at any hour)."""
    appointment = session.appointment
    if appointment.starts_at > timezone.now() - dt.timedelta(minutes=1):
        starts = timezone.now() - dt.timedelta(hours=2)
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=starts, ends_at=starts + (appointment.ends_at - appointment.starts_at)
        )
        session.appointment.refresh_from_db()
    return session


def plan(world, patient: Patient) -> TreatmentCourse:  # type: ignore[no-untyped-def]
    return course_plan(actor=world.actor("physician"), patient=patient, indication="depression")


ORDER = {"dose": "0.5", "duration_min": "40", "concentration_mg_per_ml": "1"}


def advance(world, session: InfusionSession, to: SessionState, **check_in) -> InfusionSession:  # type: ignore[no-untyped-def]
    """Walk ``session`` through the services to state ``to`` (nurse and physician personas)."""
    nurse, physician = world.actor("nurse"), world.actor("physician")
    path = [
        SessionState.CHECKED_IN,
        SessionState.ORDERED,
        SessionState.VERIFIED,
        SessionState.RUNNING,
        SessionState.PAUSED,
        SessionState.RECOVERING,
        SessionState.DISCHARGED,
        SessionState.SIGNED,
    ]
    if to == SessionState.CANCELLED:
        scheduling.appointment_cancel(actor=nurse, appointment=session.appointment, reason="ill")
        session.refresh_from_db()
        return session
    if to == SessionState.NO_SHOW:
        make_due(session)
        scheduling.session_no_show(actor=world.actor("front_desk"), session=session)
        session.refresh_from_db()
        return session
    for state in path[: path.index(to) + 1] if to in path else []:
        session.refresh_from_db()
        if state == SessionState.CHECKED_IN:
            sessions.session_check_in(actor=nurse, session=session, data=check_in_data(**check_in))
        elif state == SessionState.ORDERED:
            orders.order_place(actor=physician, session=session, **ORDER)
        elif state == SessionState.VERIFIED:
            order = InfusionOrder.objects.get(session=session)
            orders.order_double_check(
                actor=nurse,
                session=session,
                rate_ml_per_h=order.rate_ml_per_h,
                vtbi_ml=order.volume_ml,
            )
        elif state == SessionState.RUNNING:
            infusion.infusion_start(actor=nurse, session=session)
        elif state == SessionState.PAUSED:
            if to == SessionState.PAUSED:
                infusion.infusion_pause(actor=nurse, session=session, reason="patient asked")
        elif state == SessionState.RECOVERING:
            infusion.infusion_stop(actor=nurse, session=session)
        elif state == SessionState.DISCHARGED:
            sessions.session_discharge(
                actor=nurse,
                session=session,
                aldrete_answers=ALDRETE_READY,
                escort_present=True,
                instructions_given=True,
            )
        elif state == SessionState.SIGNED:
            sessions.session_sign(actor=physician, session=session)
    session.refresh_from_db()
    assert session.state == to, (session.state, to)
    return session
