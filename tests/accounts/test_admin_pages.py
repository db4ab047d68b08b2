"""The administration pages per persona (expectations from the permission matrix), their bad
input (422, nothing written), the clinic settings and where they are read, and the navigation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kitclinic.accounts.models import ClinicSettings, StaffMembership
from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.accounts.selectors import clinic_settings
from kitclinic.accounts.services import clinic_settings_update
from kitclinic.audit.models import AuditEvent
from kitclinic.intake.pregnancy import PREGNANCY_AGE_Y
from tests.factories import UserFactory
from tests.support.personas import ROLES
from tests.support.rows import row_counts

PAGES = [
    ("administration", Action.STAFF_MANAGE, {}),
    ("staff-list", Action.STAFF_MANAGE, {}),
    ("staff-invite", Action.STAFF_MANAGE, {}),
    ("staff-member", Action.STAFF_MANAGE, {"user_id": "nurse"}),
    ("clinic-settings", Action.CLINIC_SETTINGS_EDIT, {}),
    ("chairs", Action.CHAIR_MANAGE, {}),
]


def _url(world, name, kwargs):
    return reverse(
        name, kwargs={k: world.users[v].pk if v in world.users else v for k, v in kwargs.items()}
    )


@pytest.mark.parametrize(("name", "action", "kwargs"), PAGES, ids=[p[0] for p in PAGES])
def test_page_per_persona(world, login, subtests, name, action, kwargs):
    url = _url(world, name, kwargs)
    for persona in [*ROLES, "other_org", "anonymous"]:
        with subtests.test(persona=persona):
            response = login(persona).get(url)
            if persona == "anonymous":
                assert response.status_code == 302, persona
                assert response["Location"].startswith(reverse("login")), persona
            elif persona == "other_org":
                # the other organization's physician: no admin role anywhere here
                assert response.status_code == 403, persona
            elif Role(persona) in PERMISSIONS[action]:
                assert response.status_code == 200, persona
            else:
                assert response.status_code == 403, persona


def test_staff_of_another_organization_is_404_to_an_admin(world, login):
    other_admin = UserFactory(username="other_admin")
    StaffMembership.objects.create(user=other_admin, clinic=world.other_clinic, role="clinic_admin")
    admin = login("clinic_admin")
    for name in ("staff-member",):
        assert admin.get(reverse(name, args=[world.users["other_org"].pk])).status_code == 404
    assert admin.get(reverse("staff-member", args=[999999])).status_code == 404
    before = row_counts()
    for name in ("staff-deactivate", "staff-reactivate", "staff-password-reset", "staff-reinvite"):
        response = admin.post(reverse(name, args=[world.users["other_org"].pk]), {"reason": "x"})
        assert response.status_code == 404, name
    assert row_counts() == before
    # and the other organization's admin sees none of Northside's staff
    other = login("other_org")
    other.force_login(other_admin, backend="django.contrib.auth.backends.ModelBackend")
    listing = other.get(reverse("staff-list")).content.decode()
    assert "other_org" in listing and 'data-staff="nurse"' not in listing
    assert other.get(reverse("staff-member", args=[world.users["nurse"].pk])).status_code == 404


def test_staff_list_shows_roles_state_and_last_login_in_a_fixed_number_of_queries(world, login):
    admin = login("clinic_admin")
    admin.get(reverse("staff-list"))  # warm the session and the actor
    with CaptureQueriesContext(connection) as few:
        response = admin.get(reverse("staff-list"))
    html = response.content.decode()
    assert 'data-staff="nurse"' in html and "Nurse at Northside" in html and "Active" in html
    assert 'data-staff="other_org"' not in html
    for n in range(60):
        user = UserFactory(username=f"extra{n}", last_name=f"Zz{n:02d}")
        StaffMembership.objects.create(user=user, clinic=world.clinic, role="nurse")
    with CaptureQueriesContext(connection) as many:
        page_one = admin.get(reverse("staff-list")).content.decode()
    assert len(many) == len(few)
    assert "page 1 of 2" in page_one and "<strong>65</strong> members of staff" in page_one
    page_two = admin.get(reverse("staff-list") + "?page=2").content.decode()
    assert "Zz59" in page_two
    by_name = admin.get(reverse("staff-list") + "?sort=-name&q=Zz").content.decode()
    assert 'aria-sort="descending"' in by_name
    assert by_name.index("Zz59") < by_name.index("Zz50")
    bad = admin.get(reverse("staff-list") + "?sort=password&page=x")
    assert bad.status_code == 200 and "Sorted by the default order" in bad.content.decode()
    found = admin.get(reverse("staff-list") + "?q=Zz07").content.decode()
    assert "Zz07" in found and 'data-staff="nurse"' not in found


def test_invite_page_bad_input_is_422_and_writes_nothing(world, login):
    admin = login("clinic_admin")
    before = row_counts()
    response = admin.post(
        reverse("staff-invite"),
        {"first_name": "Sam", "last_name": "Nurse", "email": "sam@example.org"},
    )
    assert response.status_code == 422
    assert "Give at least one role" in response.content.decode()
    assert row_counts() == before and not mail.outbox


def test_invite_page_sends_the_invitation(world, login):
    admin = login("clinic_admin")
    response = admin.post(
        reverse("staff-invite"),
        {
            "first_name": "Sam",
            "last_name": "Nurse",
            "email": "sam@example.org",
            f"role_{world.clinic.pk}": "nurse",
        },
    )
    assert response.status_code == 302
    page = admin.get(response["Location"]).content.decode()
    assert "Invited" in page and "Send the invitation again" in page
    assert len(mail.outbox) == 1


def test_member_page_refusals_are_422_with_the_reason(world, login):
    admin = login("clinic_admin")
    me = world.users["clinic_admin"]
    before = row_counts()
    response = admin.post(
        reverse("staff-role-set", args=[me.pk]), {"clinic": world.clinic.pk, "role": "nurse"}
    )
    assert response.status_code == 422
    assert "own clinic admin role" in response.content.decode()
    response = admin.post(reverse("staff-deactivate", args=[world.users["nurse"].pk]), {})
    assert response.status_code == 422 and "This field is required" in response.content.decode()
    assert row_counts() == before


def test_deactivate_and_reactivate_through_the_page(world, login):
    admin = login("clinic_admin")
    nurse = world.users["nurse"]
    nurse_browser = login("nurse")
    response = admin.post(reverse("staff-deactivate", args=[nurse.pk]), {"reason": "left"})
    assert response.status_code == 302
    assert "Deactivated" in admin.get(reverse("staff-member", args=[nurse.pk])).content.decode()
    refused = nurse_browser.get(reverse("dashboard"))
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("login"))
    assert admin.post(reverse("staff-reactivate", args=[nurse.pk])).status_code == 302
    nurse.refresh_from_db()
    assert nurse.is_active


def test_navigation_offers_administration_to_clinic_admins_only(world, login):
    for persona in ROLES:
        html = login(persona).get(reverse("dashboard")).content.decode()
        assert (reverse("administration") in html) == (persona == "clinic_admin"), persona


# --- clinic settings --------------------------------------------------------------------------


def test_settings_fall_back_to_the_defaults_and_read_the_clinics_own(world, settings):
    settings.KITCLINIC_ALERT_ESCALATION_MINUTES = 60
    values = clinic_settings(world.clinic.pk)
    assert values.alert_escalation_minutes == 60 and values.pregnancy_age_y == PREGNANCY_AGE_Y
    assert values.own == frozenset()
    clinic_settings_update(
        actor=world.actor("clinic_admin"),
        values={
            "alert_escalation_minutes": 15,
            "crisis_text": "Call the clinic line.",
            "pregnancy_age_min_y": 10,
            "pregnancy_age_max_y": 60,
        },
    )
    values = clinic_settings(world.clinic.pk)
    assert values.alert_escalation_minutes == 15 and values.crisis_text == "Call the clinic line."
    assert values.pregnancy_age_y == (10, 60)
    assert values.self_report_link_days == settings.KITCLINIC_SELF_REPORT_LINK_DAYS
    # another clinic keeps the defaults
    assert clinic_settings(world.other_clinic.pk).alert_escalation_minutes == 60
    event = AuditEvent.objects.filter(object_type="accounts.clinicsettings").latest("id")
    assert event.changes["alert_escalation_minutes"] == [None, 15]
    # back to the default, audited with old and new
    clinic_settings_update(actor=world.actor("clinic_admin"), values={})
    event = AuditEvent.objects.filter(object_type="accounts.clinicsettings").latest("id")
    assert event.changes["alert_escalation_minutes"] == [15, None]
    assert clinic_settings(world.clinic.pk).alert_escalation_minutes == 60


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"alert_escalation_minutes": 0}, "alert_escalation_minutes"),
        ({"self_report_link_days": 31}, "self_report_link_days"),
        ({"kiosk_link_minutes": 1}, "kiosk_link_minutes"),
        ({"staff_link_hours": 337}, "staff_link_hours"),
        ({"pregnancy_age_min_y": 50, "pregnancy_age_max_y": 12}, "pregnancy_age_max_y"),
        ({"pregnancy_age_min_y": 12}, "pregnancy_age_max_y"),
        ({"crisis_text": "x" * 601}, "crisis_text"),
        ({"lab_units": {"crp": "mg/L<script>"}}, "lab_unit_crp"),
    ],
)
def test_settings_bad_input_names_the_field_and_writes_nothing(world, login, values, field):
    from django.core.exceptions import ValidationError

    before = row_counts()
    with pytest.raises(ValidationError) as raised:
        clinic_settings_update(actor=world.actor("clinic_admin"), values=values)
    assert field in raised.value.message_dict
    assert row_counts() == before


def test_settings_page_422_on_a_value_out_of_bounds(world, login):
    admin = login("clinic_admin")
    before = row_counts()
    response = admin.post(reverse("clinic-settings"), {"alert_escalation_minutes": "5000"})
    assert response.status_code == 422
    assert "from 1 to 1440" in response.content.decode()
    assert row_counts() == before
    ok = admin.post(
        reverse("clinic-settings"),
        {"alert_escalation_minutes": "20", "lab_unit_crp": "mg/dL", "lab_unit_il6": "pg/mL"},
    )
    assert ok.status_code == 302
    row = ClinicSettings.objects.get(clinic=world.clinic)
    assert row.alert_escalation_minutes == 20
    assert row.lab_units == {"crp": "mg/dL", "hs_crp": "", "il6": "pg/mL", "tnf_alpha": ""}
    page = admin.get(reverse("clinic-settings")).content.decode()
    assert (
        "Set for this clinic now: escalate an unacknowledged safety alert after (minutes), the lab units."
        in page
    )


def test_the_clinics_settings_reach_links_alerts_and_check_in(world, patient):
    """Every reader of a per-clinic setting reads the clinic's value."""
    from kitclinic.assessments.services.links import link_issue
    from kitclinic.infusions.services.sessions.check_in import pregnancy_status_required
    from kitclinic.outcomes.labs import configured_unit

    clinic_settings_update(
        actor=world.actor("clinic_admin"),
        values={
            "self_report_link_days": 2,
            "pregnancy_age_min_y": 12,
            "pregnancy_age_max_y": 30,
            "lab_units": {"crp": "mg/dL", "hs_crp": "mg/L", "il6": "pg/mL", "tnf_alpha": "pg/mL"},
        },
    )
    issued = link_issue(actor=world.actor("nurse"), patient=patient, instrument="phq9")
    assert issued.link.expires_at - issued.link.issued_at == dt.timedelta(days=2)
    assert configured_unit("crp", clinic_id=world.clinic.pk) == "mg/dL"
    assert configured_unit("crp", clinic_id=world.other_clinic.pk) == "mg/L"
    patient.sex_at_birth = "female"
    patient.date_of_birth = dt.date(1986, 1, 1)
    on = dt.date(2026, 6, 1)  # aged 40: outside this clinic's 12-30, inside the default range
    assert not pregnancy_status_required(patient, on, clinic_id=world.clinic.pk)
    assert pregnancy_status_required(patient, on, clinic_id=world.other_clinic.pk)
