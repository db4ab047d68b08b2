"""Certification, enrolments and the gate service: the rules, the audit, nothing written on bad
input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kitclinic.audit.models import AuditEvent
from kitclinic.rems.models import Certification, PatientEnrolment, PrescriberEnrolment
from kitclinic.rems.services import (
    certification_record,
    enrolment_end,
    patient_enrol,
    prescriber_enrol,
    rems_gate,
    rems_gate_reasons,
)
from tests.rems.helpers import LONG_AGO, certify, enrol_patient, enrol_prescriber, today
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _gate(world, patient, day=None):  # type: ignore[no-untyped-def]
    return rems_gate_reasons(
        clinic_id=world.clinic.pk,
        prescriber_id=world.users["physician"].pk,
        patient_id=patient.pk,
        on_date=day or today(world),
    )


def test_a_renewal_keeps_the_history_and_becomes_current(world, patient):
    certify(world, certification_number="HCS-1", expires_on=dt.date(2021, 1, 1))
    assert any("expired on 2021-01-01" in r for r in _gate(world, patient))
    certify(world, certification_number="HCS-2", certified_on=dt.date(2021, 1, 2))
    assert Certification.objects.filter(clinic=world.clinic).count() == 2
    assert not any("certification" in r for r in _gate(world, patient))
    assert AuditEvent.objects.filter(object_type__icontains="certification").count() == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"certification_number": "  "}, "certification_number"),
        ({"certification_number": "x" * 41}, "certification_number"),
        ({"certified_on": None}, "certified_on"),
        ({"certified_on": dt.date(2999, 1, 1)}, "certified_on"),
        ({"expires_on": dt.date(2019, 12, 31)}, "expires_on"),
    ],
)
def test_a_bad_certification_names_the_field_and_writes_nothing(world, values, field):
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        certify(world, **values)
    assert field in refused.value.message_dict
    assert row_counts() == before


def test_only_the_clinic_admin_records_the_certification(world):
    with pytest.raises(PermissionDenied):
        certification_record(
            actor=world.actor("physician"), certification_number="X", certified_on=LONG_AGO
        )


def test_a_prescriber_must_be_a_physician_of_the_clinic(world):
    before = row_counts()
    for persona in ("nurse", "other_org"):
        with pytest.raises(ValidationError) as refused:
            prescriber_enrol(
                actor=world.actor("physician"),
                prescriber=world.users[persona],
                rems_prescriber_id="PR-1",
                enrolled_on=LONG_AGO,
            )
        assert (
            "physician with an active role at Northside"
            in refused.value.message_dict["prescriber"][0]
        )
    assert row_counts() == before


def test_one_open_enrolment_per_person(world, patient):
    enrol_prescriber(world)
    enrol_patient(world, patient)
    before = row_counts()
    with pytest.raises(ValidationError, match="already enrolled"):
        enrol_prescriber(world)
    with pytest.raises(ValidationError, match="already enrolled"):
        enrol_patient(world, patient)
    assert row_counts() == before


def test_only_physicians_enrol(world, patient):
    for persona in ("nurse", "front_desk", "clinic_admin", "auditor"):
        with pytest.raises(PermissionDenied):
            patient_enrol(
                actor=world.actor(persona), patient=patient, enrolment_id="P", enrolled_on=LONG_AGO
            )
    assert not PatientEnrolment.objects.exists()


def test_a_patient_of_another_organization_is_refused(world):
    from tests.factories import PatientFactory

    stranger = PatientFactory(home_clinic=world.other_clinic)
    with pytest.raises(ValidationError, match="No such patient"):
        enrol_patient(world, stranger)
    assert not PatientEnrolment.objects.exists()


def test_an_ended_enrolment_stops_the_gate_from_that_day(world, patient):
    certify(world)
    enrol_prescriber(world)
    enrolment = enrol_patient(world, patient)
    day = today(world)
    assert _gate(world, patient, day) == []
    enrolment_end(
        actor=world.actor("physician"), enrolment=enrolment, ended_on=day, end_reason="moved"
    )
    (reason,) = _gate(world, patient, day)
    assert "Sam Rivera" in reason and "not enrolled in the REMS" in reason
    assert _gate(world, patient, day - dt.timedelta(days=1)) == []
    # enrolled again: the gate opens
    enrol_patient(world, patient, "PT-2")
    assert _gate(world, patient, day) == []


def test_ending_twice_or_before_the_start_is_refused(world, patient):
    enrolment = enrol_patient(world, patient)
    with pytest.raises(ValidationError) as refused:
        enrolment_end(
            actor=world.actor("physician"), enrolment=enrolment, ended_on=dt.date(2019, 1, 1)
        )
    assert "ended_on" in refused.value.message_dict
    enrolment_end(actor=world.actor("physician"), enrolment=enrolment, ended_on=LONG_AGO)
    with pytest.raises(ValidationError, match="already ended"):
        enrolment_end(actor=world.actor("physician"), enrolment=enrolment, ended_on=LONG_AGO)


def test_the_gate_names_every_missing_piece_and_writes_nothing(world, patient):
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        rems_gate(
            clinic_id=world.clinic.pk,
            prescriber_id=world.users["physician"].pk,
            patient_id=patient.pk,
            on_date=today(world),
        )
    reasons = refused.value.message_dict["rems"]
    assert len(reasons) == 3
    assert "no REMS certification" in reasons[0]
    assert "not enrolled as a REMS prescriber" in reasons[1]
    assert "not enrolled in the REMS" in reasons[2]
    assert row_counts() == before


def test_enrolments_are_per_clinic(world, patient):
    certify(world)
    enrol_prescriber(world)
    enrol_patient(world, patient)
    sister = world.sister_clinic()
    reasons = rems_gate_reasons(
        clinic_id=sister.pk,
        prescriber_id=world.users["physician"].pk,
        patient_id=patient.pk,
        on_date=today(world),
    )
    assert len(reasons) == 3
    assert PrescriberEnrolment.objects.count() == 1


def test_a_certification_is_never_changed_or_deleted(world):
    from django.db import connection, transaction

    from kitclinic.audit.append_only import AppendOnlyError

    certification = certify(world)
    with pytest.raises(AppendOnlyError):
        Certification.objects.filter(pk=certification.pk).update(certification_number="X")
    with pytest.raises(AppendOnlyError):
        certification.delete()
    if connection.vendor == "postgresql":
        from django.db import DatabaseError

        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE rems_certification SET certification_number = 'X'")
    certification.refresh_from_db()
    assert certification.certification_number == "HCS-1001"
