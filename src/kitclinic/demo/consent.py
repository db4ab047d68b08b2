"""Information sheets published when the demo clinic opened, and a consent for every course (the
history's, the current IV courses' and the esketamine course's)."""

from __future__ import annotations

import datetime as dt

from kitclinic.accounts.actor import Actor
from kitclinic.consent.models import ConsentMethod, InfoSheetVersion
from kitclinic.consent.services import consent_record
from kitclinic.demo.clock import DemoClock
from kitclinic.outcomes.services import info_sheet_publish
from kitclinic.outcomes.sheets import render_sheet
from kitclinic.patients.models import Patient

INDICATION_ORDER = ("depression", "ptsd", "anxiety", "chronic_pain")


def publish_sheets(*, clock: DemoClock, physician: Actor, when: dt.datetime) -> None:
    """Publish each indication's sheet at ``when`` (the clinic's results are withheld then)."""
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
