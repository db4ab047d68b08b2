"""Clinic scope: a session or appointment is acted on with the role its user holds at the
object's own clinic, whichever clinic is active, and its audit events and safety alerts carry
that clinic. Northside and Southside are two clinics of one organization."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from kitclinic.accounts.actor import Actor
from kitclinic.assessments.models import SafetyAlert
from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import Chair, InfusionSession
from kitclinic.infusions.services import scheduling
from kitclinic.infusions.states import SessionState
from tests.factories import MembershipFactory
from tests.infusions.api_support import check_in_body, row_counts
from tests.infusions.helpers import slot_time

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
SUICIDAL_IDEATION = [1, 1, 1, 1, 1, 1, 1, 1, 2]  # PHQ-9 item 9 above 0 raises an alert


@pytest.fixture
def southside_session(world, course) -> InfusionSession:
    """A session booked on a Southside chair by Southside's front desk."""
    southside = world.sister_clinic()
    chair = Chair.objects.create(clinic=southside, name="South 1")
    desk = MembershipFactory(clinic=southside, role="front_desk")
    appointment = scheduling.appointment_book(
        actor=Actor(user=desk.user, membership=desk),
        course=course,
        chair=chair,
        starts_at=slot_time(10, 0, days=1),
    )
    return appointment.session


def test_at_clinic_gives_the_membership_there_or_refuses(world):
    nurse = world.actor("nurse")
    southside = world.sister_clinic()
    assert nurse.at_clinic(world.clinic.pk) is nurse
    with pytest.raises(PermissionDenied, match="no role at Southside"):
        nurse.at_clinic(southside.pk)
    inactive = MembershipFactory(user=nurse.user, clinic=southside, role="nurse", is_active=False)
    with pytest.raises(PermissionDenied):
        nurse.at_clinic(southside.pk)
    inactive.is_active = True
    inactive.save()
    there = nurse.at_clinic(southside.pk)
    assert (there.clinic, there.role.value, there.user) == (southside, "nurse", nurse.user)


def test_another_organizations_clinic_is_not_named(world):
    with pytest.raises(PermissionDenied) as refused:
        world.actor("nurse").at_clinic(world.other_clinic.pk)
    assert "Elsewhere" not in str(refused.value)


def test_a_northside_nurse_cannot_read_check_in_or_double_check_a_southside_session(
    world, southside_session
):
    client = APIClient()
    client.force_authenticate(world.users["nurse"])
    base = f"/api/v1/sessions/{southside_session.pk}/"
    before = row_counts()
    assert client.get(base).status_code == 403
    response = client.post(base + "check-in/", check_in_body(), format="json")
    assert response.status_code == 403
    assert "no role at Southside" in response.json()["detail"]
    response = client.post(
        base + "double-check/", {"rate_ml_per_h": "52.5", "vtbi_ml": "35"}, format="json"
    )
    assert response.status_code == 403
    assert row_counts() == before
    southside_session.refresh_from_db()
    assert southside_session.state == SessionState.SCHEDULED


def test_a_northside_front_desk_cannot_cancel_a_southside_appointment(world, southside_session):
    client = Client()
    client.force_login(world.users["front_desk"], backend=MODEL_BACKEND)
    before = row_counts()
    response = client.post(
        reverse("infusions-cancel", args=[southside_session.pk]), {"reason": "ill"}
    )
    assert response.status_code == 403
    api = APIClient()
    api.force_authenticate(world.users["front_desk"])
    response = api.post(
        f"/api/v1/appointments/{southside_session.appointment.pk}/cancel/",
        {"reason": "ill"},
        format="json",
    )
    assert response.status_code == 403
    assert row_counts() == before


def test_the_role_at_the_sessions_clinic_counts_and_the_audit_and_alert_carry_that_clinic(
    world, session
):
    """The nurse is front desk at Southside and nurse at Northside. Acting at Southside, she
    checks in a Northside session: allowed as Northside's nurse, and every audit event and the
    safety alert her rating raised belong to Northside, with her role there."""
    nurse = world.users["nurse"]
    southside = world.sister_clinic()
    MembershipFactory(user=nurse, clinic=southside, role="front_desk")
    client = APIClient()
    client.force_authenticate(nurse)
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(
        f"/api/v1/sessions/{session.pk}/check-in/",
        check_in_body(rating_answers=SUICIDAL_IDEATION),
        format="json",
        HTTP_X_KITCLINIC_CLINIC=str(southside.pk),
    )
    assert response.status_code == 201, response.content
    events = AuditEvent.objects.filter(pk__gt=last, actor=nurse)
    assert events.exists()
    assert {(e.clinic_id, e.actor_role) for e in events} == {(world.clinic.pk, "nurse")}
    alert = SafetyAlert.objects.get(patient=session.patient)
    assert alert.clinic_id == world.clinic.pk
    assert alert.assessment.clinic_id == world.clinic.pk


def test_acting_at_southside_a_northside_only_role_is_not_borrowed(world, session):
    """The same header the other way: front desk at Southside, no role at Northside beyond it,
    gets nothing at Northside by naming Southside."""
    desk = MembershipFactory(clinic=world.sister_clinic(), role="nurse")
    client = APIClient()
    client.force_authenticate(desk.user)
    before = row_counts()
    response = client.post(
        f"/api/v1/sessions/{session.pk}/check-in/",
        check_in_body(),
        format="json",
        HTTP_X_KITCLINIC_CLINIC=str(world.sister_clinic().pk),
    )
    assert response.status_code == 403
    assert row_counts() == before
