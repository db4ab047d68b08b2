"""The synthetic demo clinic: deterministic, every record marked synthetic.

Used by ``kitclinic seed_demo`` (``make run``). ``seed_demo`` runs the demo's parts in order, each
from its own module: the people (kitclinic.demo.people), the clinic's chairs and hours, REMS
certification and billing set-up, months of history (kitclinic.demo.history), the current IV
courses (kitclinic.demo.infusions), the esketamine course (kitclinic.demo.esketamine), the REMS
forms, the controlled-substance log, payments and billing documents. The parts import the shared
modules below them (the clock, consent) and each other only downwards; this one imports them all
and nothing in the package imports it but the command.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Organization
from kitclinic.accounts.roles import Role
from kitclinic.assessments.models import LinkMode
from kitclinic.assessments.services.links import link_issue, link_submit
from kitclinic.demo.billing import seed_billing_documents, seed_billing_setup
from kitclinic.demo.clock import demo_clock
from kitclinic.demo.esketamine import esketamine_patient, seed_esketamine
from kitclinic.demo.history.seed import HISTORY_DAYS, seed_history
from kitclinic.demo.infusions import (
    current_course_patients,
    seed_infusions,
    seed_library_and_chairs,
)
from kitclinic.demo.payments import seed_payments
from kitclinic.demo.people import DEMO_SEED, DemoLogin, seed_people
from kitclinic.demo.rems import seed_rems_forms, seed_rems_setting
from kitclinic.demo.substances import seed_substances


def demo_exists() -> bool:
    return Organization.objects.exists()


@transaction.atomic
def seed_demo(*, patients: int = 200, seed: int = DEMO_SEED) -> list[DemoLogin]:
    """Create the demo organization, two clinics, one user per role and ``patients`` patients,
    with months of clinic history before today (kitclinic.demo.history).

    The organization, staff, patients, library and chairs are created as of the day the demo
    clinic opened and the history is written under the seed's clock (``demo_clock``), so its
    records carry historical times; today's courses, appointments and the controlled-substance
    records that follow use the real clock."""
    real_today = timezone.localdate()
    opened = timezone.now() - dt.timedelta(days=HISTORY_DAYS + 1)
    with demo_clock(opened) as clock:
        logins, actors, clinics = seed_people(patients, seed)
        chairs = seed_library_and_chairs(clinics)
        nurse, physician = actors[Role.NURSE], actors[Role.PHYSICIAN]
        seed_rems_setting(clinic_admin=actors[Role.CLINIC_ADMIN], physician=physician)
        # on the day the clinic opened, so that every session of the history can be billed
        seed_billing_setup(clinic=clinics[0], admin=actors[Role.CLINIC_ADMIN], physician=physician)
        seed_history(
            clock=clock,
            clinic=clinics[0],
            chairs=chairs[clinics[0].pk],
            nurse=nurse,
            physician=physician,
            today=real_today,
        )
    today = timezone.localdate()
    seed_infusions(
        clinics=clinics,
        nurse=nurse,
        physician=physician,
        front=actors[Role.FRONT_DESK],
        today=today,
        chairs=chairs,
    )
    nasal = esketamine_patient(clinics[0].organization_id)
    if nasal is not None:
        # not among the IV courses: those are the first patients' current courses
        seed_esketamine(
            clinic=clinics[0],
            chairs=chairs[clinics[0].pk],
            patient=nasal,
            nurse=nurse,
            physician=physician,
            front=actors[Role.FRONT_DESK],
            today=today,
        )
    seed_rems_forms(nurse=nurse)
    seed_substances(south=clinics[1], nurse=nurse, physician=physician)
    seed_payments(
        front=actors[Role.FRONT_DESK], admin=actors[Role.CLINIC_ADMIN], physician=physician
    )
    seed_billing_documents(clinic=clinics[0], front=actors[Role.FRONT_DESK], physician=physician)
    _seed_open_alert(nurse)
    return logins


def _seed_open_alert(nurse: Actor) -> None:
    """One patient in a current course answers a PHQ-9 link with item 9 above 0, so the demo's
    dashboard, chart and alert queue show an open safety alert to acknowledge."""
    patients = current_course_patients(nurse.organization_id)
    if not patients:  # a demo too small to have a current course
        return
    issued = link_issue(actor=nurse, patient=patients[0], instrument="phq9")
    link_submit(token=issued.token, mode=LinkMode.SELF_REPORT, answers=[2, 2, 1, 2, 1, 1, 1, 0, 1])
