"""Clinic scope: a session or appointment is acted on with the role its user holds at the
object's own clinic, whichever clinic is active, and its audit events and safety alerts carry
that clinic. Northside and Southside are two clinics of one organization."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import StaffMembership
from kitclinic.assessments.models import SafetyAlert
from kitclinic.assessments.services.assessments import assessment_record
from kitclinic.audit.models import AuditEvent
from kitclinic.infusions.models import Chair, InfusionSession
from kitclinic.infusions.selectors.session import session_detail
from kitclinic.infusions.selectors.summary import session_summary
from kitclinic.infusions.services import scheduling
from kitclinic.infusions.states import SessionState
from kitclinic.substances.services.stock import substance_transfer
from tests.factories import MembershipFactory
from tests.infusions.api_support import check_in_body
from tests.infusions.helpers import advance, slot_time
from tests.support.clients import api_client, web_client
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db

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
    client = api_client(world, "nurse")
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


def test_a_northside_nurse_cannot_double_check_a_southside_order(world, southside_session):
    """The order is placed at Southside, ready for its double check: the nurse, whose role there
    has ended, cannot confirm it (before, any nurse of the organization could)."""
    southside = world.sister_clinic()
    at_south = [
        MembershipFactory(user=world.users[persona], clinic=southside, role=persona)
        for persona in ("nurse", "physician")
    ]
    session = advance(world, southside_session, SessionState.ORDERED, orderer=None)
    order = session.order
    for membership in at_south:
        membership.is_active = False
        membership.save(update_fields=["is_active"])
    client = api_client(world, "nurse")
    before = row_counts()
    response = client.post(
        f"/api/v1/sessions/{session.pk}/double-check/",
        {"rate_ml_per_h": str(order.rate_ml_per_h), "vtbi_ml": str(order.volume_ml)},
        format="json",
    )
    assert response.status_code == 403, response.content
    assert "no role at Southside" in response.json()["detail"]
    assert row_counts() == before
    session.refresh_from_db()
    assert session.state == SessionState.ORDERED


def test_a_northside_front_desk_cannot_cancel_a_southside_appointment(world, southside_session):
    client = web_client(world, "front_desk")
    before = row_counts()
    response = client.post(
        reverse("infusions-cancel", args=[southside_session.pk]), {"reason": "ill"}
    )
    assert response.status_code == 403
    api = api_client(world, "front_desk")
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


def test_a_role_at_another_organization_is_never_borrowed(world):
    """A user with a role at Northside and another at an other organization's clinic: that role
    does not open the other organization's objects, and its clinic is not named."""
    nurse = world.users["nurse"]
    MembershipFactory(user=nurse, clinic=world.other_clinic, role="physician")
    memberships = tuple(StaffMembership.objects.filter(user=nurse).select_related("clinic"))
    acting = Actor(user=nurse, membership=world.memberships["nurse"], available=memberships)
    for actor in (acting, world.actor("nurse")):  # from a request, and from a command
        with pytest.raises(PermissionDenied) as refused:
            actor.at_clinic(world.other_clinic.pk)
        assert "Elsewhere" not in str(refused.value)


def test_services_and_selectors_called_directly_hold_the_same_rule(world, southside_session):
    """A command or task calls services and selectors without the access functions: a
    Northside-only role is refused Southside's session and chair there too."""
    nurse, desk = world.actor("nurse"), world.actor("front_desk")
    before = row_counts()
    with pytest.raises(PermissionDenied, match="no role at Southside"):
        session_detail(nurse, southside_session)
    with pytest.raises(PermissionDenied, match="no role at Southside"):
        session_summary(nurse, southside_session)
    with pytest.raises(PermissionDenied, match="no role at Southside"):
        scheduling.appointment_cancel(
            actor=desk, appointment=southside_session.appointment, reason="x"
        )
    with pytest.raises(PermissionDenied, match="no role at Southside"):
        scheduling.appointment_book(
            actor=desk,
            course=southside_session.course,
            chair=southside_session.appointment.chair,
            starts_at=slot_time(14, 0, days=2),
        )
    assert row_counts() == before


def test_booking_a_chair_uses_the_role_at_the_chairs_clinic(world, course, chair):
    """Auditor at Southside (active) and front desk at Northside: a Northside chair is booked
    with the Northside role, and the booking is audited at Northside."""
    desk = world.users["front_desk"]
    auditor = MembershipFactory(user=desk, clinic=world.sister_clinic(), role="auditor")
    acting = Actor(user=desk, membership=auditor)
    appointment = scheduling.appointment_book(
        actor=acting, course=course, chair=chair, starts_at=slot_time(11, 0, days=1)
    )
    events = AuditEvent.objects.filter(object_type="infusions.appointment")
    assert appointment.clinic_id == world.clinic.pk
    assert [(e.clinic_id, e.actor_role) for e in events] == [(world.clinic.pk, "front_desk")]


def test_the_chart_shows_every_clinics_sessions_and_alerts_but_opens_only_its_own(
    world, session, southside_session
):
    """The patient is the organization's: a Northside nurse sees the Southside session and the
    Southside alert on the chart, marked with their clinic, without a link to open or
    acknowledge them; with a role at Southside too, both are offered."""
    southside = world.sister_clinic()
    south_nurse = MembershipFactory(clinic=southside, role="nurse")
    assessment_record(
        actor=Actor(user=south_nurse.user, membership=south_nurse),
        patient=session.patient,
        instrument="phq9",
        answers=SUICIDAL_IDEATION,
        administered_at=timezone.now(),
    )
    alert = SafetyAlert.objects.get(patient=session.patient)
    assert alert.clinic_id == southside.pk
    url = reverse("patient-chart", args=[session.patient.pk])
    client = web_client(world, "nurse")
    page = client.get(url).content.decode()
    south_link = reverse("infusions-session", args=[southside_session.pk])
    assert reverse("infusions-session", args=[session.pk]) in page
    assert south_link not in page and "South 1 · Southside" in page
    assert "at Southside" in page
    assert reverse("alert-acknowledge", args=[alert.pk]) not in page
    MembershipFactory(user=world.users["nurse"], clinic=southside, role="nurse")
    page = client.get(url).content.decode()
    assert south_link in page
    assert reverse("alert-acknowledge", args=[alert.pk]) in page
    api = api_client(world, "nurse")
    listed = api.get(f"/api/v1/patients/{session.patient.pk}/courses/").json()
    clinics = {s["id"]: s["clinic"] for c in listed for s in c["sessions"]}
    assert clinics == {session.pk: world.clinic.pk, southside_session.pk: southside.pk}


def test_a_transfers_receiving_side_is_audited_at_the_receiving_clinic(world):
    from tests.substances.helpers import receive

    southside = world.sister_clinic()
    lot = receive(world.actor("nurse"))
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    out, into = substance_transfer(
        actor=world.actor("nurse"), lot=lot, to_clinic=southside, vials=1
    )
    events = {
        (e.object_type, e.object_id): e.clinic_id for e in AuditEvent.objects.filter(pk__gt=last)
    }
    assert events == {
        ("substances.substancelogentry", str(out.pk)): world.clinic.pk,
        ("substances.substancelot", str(into.lot_id)): southside.pk,
        ("substances.substancelogentry", str(into.pk)): southside.pk,
    }


def test_a_start_from_another_clinics_lot_is_refused(world, session):
    """The bag comes from the session's clinic's stock: a Southside lot is refused for a Northside
    session (on the lot field, with a nurse role at both), or 403 without a role there."""
    from tests.substances.helpers import receive

    southside = world.sister_clinic()
    at_south = MembershipFactory(user=world.users["nurse"], clinic=southside, role="nurse")
    south_lot = receive(Actor(user=at_south.user, membership=at_south))
    session = advance(world, session, SessionState.VERIFIED)
    client = api_client(world, "nurse")
    start = f"/api/v1/sessions/{session.pk}/start/"
    before = row_counts()
    response = client.post(start, {"lot": south_lot.pk}, format="json")
    assert response.status_code == 400, response.content
    assert "lot" in response.json()["errors"]
    at_south.is_active = False
    at_south.save(update_fields=["is_active"])
    response = client.post(start, {"lot": south_lot.pk}, format="json")
    assert response.status_code == 403
    assert row_counts() == before
    session.refresh_from_db()
    assert session.state == SessionState.VERIFIED
