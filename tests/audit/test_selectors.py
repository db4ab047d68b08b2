"""The audit trail is read per organization, by admins and auditors, with filters."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from kitclinic.audit.services import audit_record
from kitclinic.pages.audit_trail import AuditFilter, audit_events_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(world, patient, other_org_patient):
    with transaction.atomic():
        audit_record(actor=world.actor("nurse"), action="view", obj=patient, patient=patient)
        audit_record(actor=world.actor("physician"), action="update", obj=patient, patient=patient)
        audit_record(
            actor=world.actor("other_org"),
            action="view",
            obj=other_org_patient,
            patient=other_org_patient,
        )


@pytest.mark.parametrize("persona", ["clinic_admin", "auditor"])
def test_admin_and_auditor_see_only_their_organizations_events(world, events, persona):
    rows = list(audit_events_for(world.actor(persona), AuditFilter()))
    assert len(rows) == 2
    assert {e.organization_id for e in rows} == {world.clinic.organization_id}


@pytest.mark.parametrize("persona", ["physician", "nurse", "front_desk"])
def test_clinical_roles_cannot_read_the_audit_trail(world, events, persona):
    with pytest.raises(PermissionDenied):
        audit_events_for(world.actor(persona), AuditFilter())


def test_filters_by_action_actor_and_mrn(world, events, patient):
    auditor = world.actor("auditor")
    assert [e.action for e in audit_events_for(auditor, AuditFilter(action="update"))] == ["update"]
    by_nurse = audit_events_for(auditor, AuditFilter(actor_username="NURSE"))
    assert [e.actor_role for e in by_nurse] == ["nurse"]
    assert audit_events_for(auditor, AuditFilter(patient_mrn=patient.mrn.lower())).count() == 2
    assert audit_events_for(auditor, AuditFilter(patient_mrn="nobody")).count() == 0
