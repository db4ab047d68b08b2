"""Building esketamine nasal-spray sessions for the tests: a course on the shipped esketamine
protocol, a checked-in session, a lot of devices, and ``walk_nasal`` to take a session through the
nasal-spray steps at a controlled clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kitclinic.infusions.models import InfusionSession, TreatmentCourse
from kitclinic.infusions.services import nasal
from kitclinic.infusions.services.courses import course_plan
from kitclinic.infusions.services.sessions.check_in import session_check_in
from kitclinic.infusions.services.sessions.discharge import session_discharge
from kitclinic.infusions.services.sessions.signoff import session_sign
from kitclinic.substances.models import Drug, SubstanceLot
from kitclinic.substances.services import stock
from tests.infusions.helpers import ALDRETE_READY, check_in_data, clock_at, record_consent

NASAL = "esketamine-nasal"
BP_OK = {"sbp": 128, "dbp": 82, "hr": 74, "spo2": 98}
BP_HIGH = {"sbp": 152, "dbp": 94, "hr": 80, "spo2": 97}


def plan_nasal(world, patient, *, rems: bool = True) -> TreatmentCourse:  # type: ignore[no-untyped-def]
    """A course on the esketamine protocol with the consent recorded and (unless ``rems`` is
    False) the clinic certified and the physician and patient enrolled in the REMS."""
    if rems:
        from tests.rems.helpers import all_in_place

        all_in_place(world, patient)
    course = course_plan(
        actor=world.actor("physician"), patient=patient, indication="depression", protocol_id=NASAL
    )
    record_consent(world, patient, "depression")
    return course


def device_lot(world, *, devices: int = 6) -> SubstanceLot:  # type: ignore[no-untyped-def]
    """``devices`` nasal-spray devices (28 mg in 0.2 mL each) received at the clinic."""
    return stock.substance_receive(
        actor=world.actor("nurse"),
        drug=Drug.ESKETAMINE_HCL_NASAL,
        strength_mg_per_ml=Decimal("140"),
        vial_volume_ml=Decimal("0.2"),
        supplier="Example Pharma Supply",
        lot_number="SP-2801",
        expiry_date=timezone.localdate() + dt.timedelta(days=365),
        vials=devices,
        occurred_at=timezone.now() - dt.timedelta(days=1),
    ).lot


def minutes(t0: dt.datetime, n: float) -> dt.datetime:
    return t0 + dt.timedelta(minutes=n)


def walk_nasal(  # type: ignore[no-untyped-def]
    world,
    session: InfusionSession,
    *,
    until: str,
    t0: dt.datetime,
    dose_mg: str = "56",
    lot: SubstanceLot | None = None,
) -> InfusionSession:
    """Check in, order, pre-dose BP, devices (5 min apart from ``t0``), post-dose BP at 40 min,
    discharge at 121 min, sign: stopping after ``until`` (one of "checked_in", "ordered",
    "predose", "dosed", "post_dose", "discharged", "signed")."""
    nurse, physician = world.actor("nurse"), world.actor("physician")
    steps = ["checked_in", "ordered", "predose", "dosed", "post_dose", "discharged", "signed"]
    todo = steps[: steps.index(until) + 1]
    with clock_at(minutes(t0, -30)):
        session_check_in(actor=nurse, session=session, data=check_in_data())
    if "ordered" in todo:
        with clock_at(minutes(t0, -20)):
            nasal.nasal_order_place(actor=physician, session=session, dose_mg=dose_mg)
    if "predose" in todo:
        with clock_at(minutes(t0, -5)):
            nasal.nasal_predose_bp_record(actor=nurse, session=session, **BP_OK)
    devices = int(Decimal(dose_mg) / 28)
    if "dosed" in todo:
        for i in range(devices):
            with clock_at(minutes(t0, 5 * i)):
                nasal.nasal_device_give(actor=nurse, session=session, lot=lot)
    last = minutes(t0, 5 * (devices - 1))
    if "post_dose" in todo:
        with clock_at(minutes(last, 40)):
            nasal.nasal_post_dose_bp_record(actor=nurse, session=session, **BP_OK)
    if "discharged" in todo:
        with clock_at(minutes(last, 121)):
            session_discharge(
                actor=nurse,
                session=session,
                aldrete_answers=ALDRETE_READY,
                escort_present=True,
                instructions_given=True,
            )
    if "signed" in todo:
        with clock_at(minutes(last, 125)):
            session_sign(actor=physician, session=session)
    session.refresh_from_db()
    return session


def elapse_nasal(session: InfusionSession, minutes_back: float) -> None:
    """``elapse`` for a nasal-spray session: its devices and blood pressures move back too."""
    from django.db.models import F

    from kitclinic.infusions.models import NasalBloodPressure, NasalDevice
    from tests.infusions.helpers import elapse

    back = dt.timedelta(minutes=minutes_back)
    NasalDevice.objects.filter(session=session).update(given_at=F("given_at") - back)
    NasalBloodPressure.objects.filter(session=session).update(taken_at=F("taken_at") - back)
    elapse(session, minutes_back)
