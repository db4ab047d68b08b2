"""Building infusion records for the tests: an eligible patient, the default library, a chair,
a course, a booked session, and ``advance`` to walk a session to any state through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from django.db.models import F
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.consent.models import ConsentRecord, InfoSheetVersion
from kitclinic.consent.services import consent_record
from kitclinic.infusions.models import (
    AdverseEvent,
    Appointment,
    Discharge,
    InfusionOrder,
    InfusionSession,
    SessionEvent,
    SessionScore,
    TreatmentCourse,
    VitalSign,
)
from kitclinic.infusions.services import orders, scheduling
from kitclinic.infusions.services.courses import course_plan
from kitclinic.infusions.services.infusion import pump, stop
from kitclinic.infusions.services.sessions.check_in import CheckInData, session_check_in
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.signoff import session_sign
from kitclinic.infusions.states import SessionState
from kitclinic.outcomes.services import info_sheet_publish
from kitclinic.patients.models import Patient
from tests.patients.helpers import add_full_record

PHQ9 = [1, 1, 2, 2, 1, 2, 2, 2, 0]
ALDRETE_READY = [2, 2, 2, 2, 2]
ALDRETE_8 = [2, 2, 1, 1, 2]
NORMAL = {"sbp": 124, "dbp": 78, "hr": 72, "rr": 14, "spo2": 98}


def make_eligible(nurse: Actor, physician: Actor, patient: Patient) -> Patient:
    """``patient`` with a TRD history, a clear screen and a signed eligible decision for
    depression (``add_full_record``)."""
    add_full_record(nurse, physician, patient)
    return patient


def slot_time(hour: int = 9, minute: int = 0, days: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def check_in_data(**overrides: object) -> CheckInData:
    values: dict[str, object] = {
        "identity_confirmed": True,
        "consent_on_file": True,
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


def publish_sheet(world, indication: str = "depression", text: str = "") -> InfoSheetVersion:  # type: ignore[no-untyped-def]
    """Publish a new version of the indication's information sheet (``text`` makes it differ)."""
    html = f"<html><body><p>{indication} information sheet {text}</p></body></html>"
    version, _ = info_sheet_publish(
        actor=world.actor("physician"), indication=indication, html=html
    )
    return version


def record_consent(world, patient: Patient, indication: str = "depression") -> ConsentRecord:  # type: ignore[no-untyped-def]
    """The patient's consent to the indication's current information sheet (published first if
    there is none): check-in refuses a patient without it."""
    version = (
        InfoSheetVersion.objects.filter(
            organization_id=world.clinic.organization_id, indication=indication
        )
        .order_by("-version")
        .first()
    ) or publish_sheet(world, indication)
    return consent_record(
        actor=world.actor("nurse"),
        patient=patient,
        sheet_version=version,
        signed_at=timezone.now(),
        method="paper",
        witnessed_by=world.users["physician"],
    )


def plan(world, patient: Patient, *, consent: bool = True) -> TreatmentCourse:  # type: ignore[no-untyped-def]
    """A depression course for ``patient``, with the consent recorded (unless ``consent=False``)."""
    course = course_plan(actor=world.actor("physician"), patient=patient, indication="depression")
    if consent:
        record_consent(world, patient, "depression")
    return course


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


ORDER = {"dose": "0.5", "duration_min": "40", "concentration_mg_per_ml": "1"}


@contextmanager
def clock_at(when: dt.datetime) -> Iterator[dt.datetime]:
    """``django.utils.timezone.now`` returns ``when`` inside the block (the services stamp it)."""
    with mock.patch.object(timezone, "now", return_value=when):
        yield when


def elapse(session: InfusionSession, minutes: float) -> None:
    """Let ``minutes`` pass for ``session`` (not signed) without touching the clock: every time
    recorded on it moves that far into the past. For tests whose requests must run at the real
    time (logged-in browser sessions expire when the clock jumps)."""
    back = dt.timedelta(minutes=minutes)
    InfusionSession.objects.filter(pk=session.pk, started_at__isnull=False).update(
        started_at=F("started_at") - back
    )
    InfusionSession.objects.filter(pk=session.pk, ended_at__isnull=False).update(
        ended_at=F("ended_at") - back
    )
    SessionEvent.objects.filter(session=session).update(occurred_at=F("occurred_at") - back)
    VitalSign.objects.filter(session=session).update(taken_at=F("taken_at") - back)
    SessionScore.objects.filter(session=session).update(taken_at=F("taken_at") - back)
    AdverseEvent.objects.filter(session=session).update(occurred_at=F("occurred_at") - back)
    Discharge.objects.filter(session=session).update(discharged_at=F("discharged_at") - back)
    session.refresh_from_db()


# A session walked past its start is back-dated so that "now" is where the state leaves it in
# real time: the infusion ran its ordered 40 minutes (every infusion vitals slot is due) and,
# once stopped, the protocol's 30 minutes of observation have passed (discharge is allowed).
INFUSION_MIN = 40
OBSERVATION_MIN = 31


def advance(  # type: ignore[no-untyped-def]
    world,
    session: InfusionSession,
    to: SessionState,
    *,
    orderer: Actor | None = None,
    elapsed_min: float | None = None,
    **check_in,
) -> InfusionSession:
    """Walk ``session`` through the services to state ``to`` (nurse and physician personas;
    ``orderer`` places the order if given). Steps from the start on are back-dated: the start is
    ``elapsed_min`` (default: the ordered 40 min, plus the observation time once stopped) before
    now, the stop after the ordered 40 min, so vitals slots, the stop and the discharge are due
    when the test goes on."""
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
    now = timezone.now()
    stopped = to in path and path.index(to) >= path.index(SessionState.RECOVERING)
    if elapsed_min is None:
        elapsed_min = INFUSION_MIN + (OBSERVATION_MIN if stopped else 0)
    start = now - dt.timedelta(minutes=elapsed_min)
    at = {
        SessionState.CHECKED_IN: start - dt.timedelta(minutes=20),
        SessionState.ORDERED: start - dt.timedelta(minutes=12),
        SessionState.VERIFIED: start - dt.timedelta(minutes=6),
        SessionState.RUNNING: start,
        SessionState.PAUSED: min(start + dt.timedelta(minutes=INFUSION_MIN), now),
        SessionState.RECOVERING: min(start + dt.timedelta(minutes=INFUSION_MIN), now),
        SessionState.DISCHARGED: now,
        SessionState.SIGNED: now,
    }
    if to not in path or path.index(to) < path.index(SessionState.RUNNING):
        at = dict.fromkeys(at, now)  # nothing timed yet: every step now
    for state in path[: path.index(to) + 1] if to in path else []:
        session.refresh_from_db()
        with clock_at(at[state]):
            _step(world, session, state, to, orderer or physician, check_in)
    session.refresh_from_db()
    assert session.state == to, (session.state, to)
    return session


def _step(world, session, state, to, orderer, check_in) -> None:  # type: ignore[no-untyped-def]
    nurse, physician = world.actor("nurse"), world.actor("physician")
    if state == SessionState.CHECKED_IN:
        session_check_in(actor=nurse, session=session, data=check_in_data(**check_in))
    elif state == SessionState.ORDERED:
        orders.order_place(actor=orderer, session=session, **ORDER)
    elif state == SessionState.VERIFIED:
        order = InfusionOrder.objects.get(session=session)
        orders.order_double_check(
            actor=nurse,
            session=session,
            rate_ml_per_h=order.rate_ml_per_h,
            vtbi_ml=order.volume_ml,
        )
    elif state == SessionState.RUNNING:
        pump.infusion_start(actor=nurse, session=session)
    elif state == SessionState.PAUSED:
        if to == SessionState.PAUSED:
            pump.infusion_pause(actor=nurse, session=session, reason="patient asked")
    elif state == SessionState.RECOVERING:
        stop.infusion_stop(actor=nurse, session=session)
    elif state == SessionState.DISCHARGED:
        session_discharge(
            actor=nurse,
            session=session,
            aldrete_answers=ALDRETE_READY,
            escort_present=True,
            instructions_given=True,
        )
    elif state == SessionState.SIGNED:
        session_sign(actor=physician, session=session)
